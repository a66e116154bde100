#pragma once
// A double spin box that shows 5e-05 as "5e-05" instead of "0.00" and can step
// multiplicatively (learning rates, epsilons span orders of magnitude).
#include <QDoubleSpinBox>

namespace clipwb::ui {

class ScientificSpinBox : public QDoubleSpinBox {
    Q_OBJECT
public:
    explicit ScientificSpinBox(QWidget* parent = nullptr);

    /// Each step multiplies or divides by factor (> 1) instead of adding singleStep.
    void setMultiplicativeStep(double factor) { m_factor = factor; }

    QString textFromValue(double value) const override;
    double valueFromText(const QString& text) const override;
    QValidator::State validate(QString& text, int& pos) const override;
    void stepBy(int steps) override;

private:
    double m_factor = 0;
};

} // namespace clipwb::ui
