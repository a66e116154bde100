#include "ui/config/OptionEditor.h"

#include "ui/config/OptionLabels.h"
#include "ui/config/ScientificSpinBox.h"
#include "ui/models/DownloadedModelsButton.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QStyle>
#include <QToolButton>

#include <algorithm>
#include <climits>
#include <cmath>

namespace clipwb::ui {
namespace {

const char* const kErrorStyle = "border: 1px solid #c0392b; border-radius: 3px;";

double finiteOr(double value, double fallback)
{
    return std::isfinite(value) ? value : fallback;
}

} // namespace

OptionEditor::OptionEditor(config::OptionInfo info, std::function<std::filesystem::path()> baseDir,
                           QWidget* parent)
    : QWidget(parent), m_info(std::move(info)), m_baseDir(std::move(baseDir))
{
    const std::string& key = m_info.key;
    const QString name = QString::fromStdString(key);
    setObjectName(QStringLiteral("row_") + name);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);
    const auto changed = [this] {
        if (m_setting)
            return;
        if (m_setBox) {
            if (m_spin)
                m_spin->setEnabled(m_setBox->isChecked());
            if (m_number)
                m_number->setEnabled(m_setBox->isChecked());
        }
        Q_EMIT edited();
    };

    if (m_info.nullable &&
        (m_info.type == config::OptionType::Int || m_info.type == config::OptionType::Double)) {
        m_setBox = new QCheckBox;
        m_setBox->setObjectName(QStringLiteral("set_") + name);
        m_setBox->setToolTip(tr("Unchecked: unset (null), as upstream's None"));
        layout->addWidget(m_setBox);
        connect(m_setBox, &QCheckBox::toggled, this, changed);
    }
    switch (m_info.type) {
    case config::OptionType::Bool:
        m_check = new QCheckBox;
        m_check->setObjectName(name);
        layout->addWidget(m_check);
        connect(m_check, &QCheckBox::toggled, this, changed);
        break;
    case config::OptionType::Int:
        m_spin = new QSpinBox;
        m_spin->setObjectName(name);
        m_spin->setRange(int(std::max(m_info.minimum, double(INT_MIN))),
                         int(std::min(m_info.maximum, double(INT_MAX))));
        m_spin->setKeyboardTracking(true);
        m_spin->setMinimumWidth(110);
        if (key == "batch_size" || key == "valid_batch_size")
            m_spin->setStepType(QAbstractSpinBox::AdaptiveDecimalStepType);
        layout->addWidget(m_spin);
        connect(m_spin, qOverload<int>(&QSpinBox::valueChanged), this, changed);
        break;
    case config::OptionType::Double:
        m_number = new ScientificSpinBox;
        m_number->setObjectName(name);
        m_number->setRange(finiteOr(m_info.minimum, -1e12), finiteOr(m_info.maximum, 1e12));
        m_number->setMinimumWidth(110);
        if (key == "lr" || key == "eps")
            m_number->setMultiplicativeStep(2.0);
        else
            m_number->setSingleStep(key == "mask_ratio" || key == "kd_loss_weight" ? 0.05 : 0.01);
        layout->addWidget(m_number);
        connect(m_number, qOverload<double>(&QDoubleSpinBox::valueChanged), this, changed);
        break;
    case config::OptionType::Choice:
        m_combo = new QComboBox;
        m_combo->setObjectName(name);
        for (const std::string& choice : m_info.choices)
            m_combo->addItem(QString::fromStdString(choice));
        m_combo->setMinimumWidth(110);
        layout->addWidget(m_combo);
        layout->addStretch(1);
        connect(m_combo, &QComboBox::currentTextChanged, this, changed);
        break;
    case config::OptionType::ModelName: {
        m_combo = new QComboBox;
        m_combo->setObjectName(name);
        m_combo->setEditable(true);
        m_combo->setInsertPolicy(QComboBox::NoInsert);
        for (const std::string& model :
             key == "vision_model" ? config::shippedVisionModels() : config::shippedTextModels())
            m_combo->addItem(QString::fromStdString(model));
        layout->addWidget(m_combo, 1);
        connect(m_combo, &QComboBox::currentTextChanged, this, changed);
        auto* browse = new QToolButton;
        browse->setText(QStringLiteral("…"));
        browse->setToolTip(tr("Choose a model config JSON file"));
        connect(browse, &QToolButton::clicked, this, [this] {
            const QString path = QFileDialog::getOpenFileName(this, tr("Model config"),
                                                              QString::fromStdString(m_baseDir().string()),
                                                              tr("Model config (*.json)"));
            if (!path.isEmpty())
                m_combo->setCurrentText(path);
        });
        layout->addWidget(browse);
        break;
    }
    case config::OptionType::String:
        if (key == "device") {
            m_combo = new QComboBox;
            m_combo->setObjectName(name);
            m_combo->setEditable(true);
            m_combo->addItems({QStringLiteral("auto"), QStringLiteral("cpu"), QStringLiteral("cuda"),
                               QStringLiteral("cuda:0"), QStringLiteral("cuda:1")});
            m_combo->setMinimumWidth(110);
            layout->addWidget(m_combo);
            layout->addStretch(1);
            connect(m_combo, &QComboBox::currentTextChanged, this, changed);
            break;
        }
        [[fallthrough]];
    case config::OptionType::Path:
    case config::OptionType::FolderPath: {
        m_line = new QLineEdit;
        m_line->setObjectName(name);
        if (m_info.nullable)
            m_line->setPlaceholderText(tr("unset"));
        layout->addWidget(m_line, 1);
        connect(m_line, &QLineEdit::textChanged, this, changed);
        if (m_info.type != config::OptionType::String) {
            const bool folder = m_info.type == config::OptionType::FolderPath;
            auto* browse = new QToolButton;
            browse->setIcon(style()->standardIcon(folder ? QStyle::SP_DirOpenIcon : QStyle::SP_FileIcon));
            browse->setToolTip(folder ? tr("Choose a folder") : tr("Choose a file"));
            connect(browse, &QToolButton::clicked, this, [this, folder] { this->browse(folder); });
            layout->addWidget(browse);
        }
        // a fine-tune starts from an official model (resume, as upstream's run scripts do), or takes
        // one tower's weights from it (clip_weight_path: visual.*, bert_weight_path: bert.*)
        if (key == "resume" || key == "clip_weight_path" || key == "bert_weight_path") {
            auto* models = new DownloadedModelsButton;
            models->setObjectName(QStringLiteral("models_") + name);
            connect(models, &DownloadedModelsButton::chosen, this,
                    [this](const QString& path, const QString& vision, const QString& text) {
                        m_line->setText(path);
                        Q_EMIT pretrainedModelChosen(vision, text);
                    });
            layout->addWidget(models);
        }
        break;
    }
    }
    if (!m_check && !m_line && !m_combo)
        layout->addStretch(1);
    if (m_check)
        layout->addStretch(1);

    m_error = new QLabel;
    m_error->setObjectName(QStringLiteral("error_") + name);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #c0392b; font-size: small;"));
    m_error->hide();
}

void OptionEditor::browse(bool folder)
{
    const QString start =
        m_line->text().isEmpty() ? QString::fromStdString(m_baseDir().string()) : m_line->text();
    const QString path =
        folder
            ? QFileDialog::getExistingDirectory(this, optionLabel(m_info.key), start)
            : QFileDialog::getOpenFileName(this, optionLabel(m_info.key), start,
                                           tr("Checkpoints and weights (*.pt *.pth *.bin);;All files (*)"));
    if (!path.isEmpty())
        m_line->setText(path);
}

void OptionEditor::setValue(const nlohmann::json& value, double unsetNumber)
{
    m_setting = true;
    if (m_setBox)
        m_setBox->setChecked(!value.is_null());
    if (m_check)
        m_check->setChecked(value.is_boolean() && value.get<bool>());
    if (m_spin) {
        const double shown = value.is_number() ? value.get<double>() : m_spin->value();
        // A loaded value outside the valid range stays visible (with its error) instead of being clamped.
        const int clamped = int(std::clamp(shown, double(INT_MIN), double(INT_MAX)));
        m_spin->setRange(std::min(clamped, int(std::max(m_info.minimum, double(INT_MIN)))),
                         std::max(clamped, int(std::min(m_info.maximum, double(INT_MAX)))));
        m_spin->setValue(clamped);
        m_spin->setEnabled(!value.is_null());
    }
    if (m_number) {
        double shown = value.is_number() ? value.get<double>() : m_number->value();
        if (value.is_null() && std::isfinite(unsetNumber))
            shown = unsetNumber;
        m_number->setRange(std::min(shown, finiteOr(m_info.minimum, -1e12)),
                           std::max(shown, finiteOr(m_info.maximum, 1e12)));
        m_number->setValue(shown);
        m_number->setEnabled(!value.is_null());
    }
    if (m_line)
        m_line->setText(value.is_string() ? QString::fromStdString(value.get<std::string>()) : QString());
    if (m_combo) {
        const QString text = value.is_string() ? QString::fromStdString(value.get<std::string>()) : QString();
        if (!m_combo->isEditable() && m_combo->findText(text) < 0)
            m_combo->addItem(text); // an unknown precision stays visible next to its error
        m_combo->setCurrentText(text);
    }
    m_setting = false;
}

void OptionEditor::showUnsetNumber(double value)
{
    if (!m_number || !isUnset())
        return;
    m_setting = true;
    m_number->setValue(value);
    m_setting = false;
}

nlohmann::json OptionEditor::value() const
{
    nlohmann::json value;
    if (m_check)
        value = m_check->isChecked();
    else if (m_spin)
        value = m_spin->value();
    else if (m_number)
        value = m_number->value();
    else if (m_line)
        value = m_line->text().trimmed().toStdString();
    else if (m_combo)
        value = m_combo->currentText().trimmed().toStdString();
    if (m_setBox && !m_setBox->isChecked())
        value = nullptr;
    if (m_info.nullable && value.is_string() && value.get<std::string>().empty())
        value = nullptr;
    return value;
}

void OptionEditor::setErrors(const QStringList& messages)
{
    m_error->setText(messages.join(QLatin1Char('\n')));
    m_error->setVisible(!messages.isEmpty());
    input()->setStyleSheet(messages.isEmpty() ? QString() : QString::fromLatin1(kErrorStyle));
}

QString OptionEditor::errorText() const
{
    return m_error->text();
}

QWidget* OptionEditor::input() const
{
    if (m_line)
        return m_line;
    if (m_spin)
        return m_spin;
    if (m_number)
        return m_number;
    if (m_combo)
        return m_combo;
    return m_check;
}

} // namespace clipwb::ui
