#include "ui/config/ScientificSpinBox.h"

#include <QLocale>

#include <cmath>

namespace clipwb::ui {

ScientificSpinBox::ScientificSpinBox(QWidget* parent) : QDoubleSpinBox(parent)
{
    setDecimals(15); // QDoubleSpinBox rounds values to this many decimals
    setKeyboardTracking(true);
}

QString ScientificSpinBox::textFromValue(double value) const
{
    return QString::number(value, 'g', 8);
}

double ScientificSpinBox::valueFromText(const QString& text) const
{
    return text.trimmed().toDouble();
}

QValidator::State ScientificSpinBox::validate(QString& text, int&) const
{
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty() || trimmed == QLatin1String("-") ||
        trimmed.endsWith(QLatin1Char('e'), Qt::CaseInsensitive) ||
        trimmed.endsWith(QLatin1String("e-"), Qt::CaseInsensitive) || trimmed.endsWith(QLatin1Char('.')))
        return QValidator::Intermediate;
    bool ok = false;
    const double value = trimmed.toDouble(&ok);
    if (!ok)
        return QValidator::Invalid;
    return value >= minimum() && value <= maximum() ? QValidator::Acceptable : QValidator::Intermediate;
}

void ScientificSpinBox::stepBy(int steps)
{
    if (m_factor <= 1 || value() <= 0) {
        QDoubleSpinBox::stepBy(steps);
        return;
    }
    setValue(std::clamp(value() * std::pow(m_factor, steps), minimum(), maximum()));
    selectAll();
}

} // namespace clipwb::ui
