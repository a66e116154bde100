#include "ui/config/ConfigPage.h"

#include "ui/config/ScientificSpinBox.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QScrollArea>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>
#include <QToolButton>
#include <QVBoxLayout>

#include <climits>
#include <cmath>

namespace clipwb::ui {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr int kMaxRecentFiles = 8;
const char* const kErrorStyle = "border: 1px solid #c0392b; border-radius: 3px;";

QString qs(const std::string& text)
{
    return QString::fromStdString(text);
}

/// The label of an option: upstream's key made readable, with a few clearer names.
QString labelFor(const std::string& key)
{
    static const QHash<QString, const char*> names = {
        {QStringLiteral("train_data"), QT_TRANSLATE_NOOP("ConfigPage", "Training data")},
        {QStringLiteral("val_data"), QT_TRANSLATE_NOOP("ConfigPage", "Validation data")},
        {QStringLiteral("num_workers"), QT_TRANSLATE_NOOP("ConfigPage", "Loader threads")},
        {QStringLiteral("valid_num_workers"), QT_TRANSLATE_NOOP("ConfigPage", "Validation loader threads")},
        {QStringLiteral("use_augment"), QT_TRANSLATE_NOOP("ConfigPage", "Augment images")},
        {QStringLiteral("context_length"), QT_TRANSLATE_NOOP("ConfigPage", "Context length")},
        {QStringLiteral("vision_model"), QT_TRANSLATE_NOOP("ConfigPage", "Vision model")},
        {QStringLiteral("text_model"), QT_TRANSLATE_NOOP("ConfigPage", "Text model")},
        {QStringLiteral("use_flash_attention"), QT_TRANSLATE_NOOP("ConfigPage", "Flash attention")},
        {QStringLiteral("grad_checkpointing"), QT_TRANSLATE_NOOP("ConfigPage", "Gradient checkpointing")},
        {QStringLiteral("mask_ratio"), QT_TRANSLATE_NOOP("ConfigPage", "Patch mask ratio")},
        {QStringLiteral("freeze_vision"), QT_TRANSLATE_NOOP("ConfigPage", "Freeze vision tower")},
        {QStringLiteral("clip_weight_path"), QT_TRANSLATE_NOOP("ConfigPage", "CLIP weights")},
        {QStringLiteral("bert_weight_path"), QT_TRANSLATE_NOOP("ConfigPage", "BERT weights")},
        {QStringLiteral("batch_size"), QT_TRANSLATE_NOOP("ConfigPage", "Batch size")},
        {QStringLiteral("valid_batch_size"), QT_TRANSLATE_NOOP("ConfigPage", "Validation batch size")},
        {QStringLiteral("lr"), QT_TRANSLATE_NOOP("ConfigPage", "Learning rate")},
        {QStringLiteral("wd"), QT_TRANSLATE_NOOP("ConfigPage", "Weight decay")},
        {QStringLiteral("beta1"), QT_TRANSLATE_NOOP("ConfigPage", "Adam β1")},
        {QStringLiteral("beta2"), QT_TRANSLATE_NOOP("ConfigPage", "Adam β2")},
        {QStringLiteral("eps"), QT_TRANSLATE_NOOP("ConfigPage", "Adam ε")},
        {QStringLiteral("warmup"), QT_TRANSLATE_NOOP("ConfigPage", "Warm-up steps")},
        {QStringLiteral("max_steps"), QT_TRANSLATE_NOOP("ConfigPage", "Max steps")},
        {QStringLiteral("max_epochs"), QT_TRANSLATE_NOOP("ConfigPage", "Max epochs")},
        {QStringLiteral("accum_freq"), QT_TRANSLATE_NOOP("ConfigPage", "Accumulation")},
        {QStringLiteral("precision"), QT_TRANSLATE_NOOP("ConfigPage", "Precision")},
        {QStringLiteral("skip_scheduler"), QT_TRANSLATE_NOOP("ConfigPage", "Constant learning rate")},
        {QStringLiteral("valid_step_interval"), QT_TRANSLATE_NOOP("ConfigPage", "Validate every N steps")},
        {QStringLiteral("valid_epoch_interval"), QT_TRANSLATE_NOOP("ConfigPage", "Validate every N epochs")},
        {QStringLiteral("save_step_frequency"), QT_TRANSLATE_NOOP("ConfigPage", "Save every N steps")},
        {QStringLiteral("save_epoch_frequency"), QT_TRANSLATE_NOOP("ConfigPage", "Save every N epochs")},
        {QStringLiteral("log_interval"), QT_TRANSLATE_NOOP("ConfigPage", "Log every N steps")},
        {QStringLiteral("report_training_batch_acc"),
         QT_TRANSLATE_NOOP("ConfigPage", "Training batch accuracy")},
        {QStringLiteral("resume"), QT_TRANSLATE_NOOP("ConfigPage", "Resume from")},
        {QStringLiteral("reset_optimizer"), QT_TRANSLATE_NOOP("ConfigPage", "Reset optimizer")},
        {QStringLiteral("reset_data_offset"), QT_TRANSLATE_NOOP("ConfigPage", "Reset data offset")},
        {QStringLiteral("distillation"), QT_TRANSLATE_NOOP("ConfigPage", "Distillation")},
        {QStringLiteral("teacher_model_name"), QT_TRANSLATE_NOOP("ConfigPage", "Teacher model")},
        {QStringLiteral("kd_loss_weight"), QT_TRANSLATE_NOOP("ConfigPage", "Distillation loss weight")},
        {QStringLiteral("skip_aggregate"), QT_TRANSLATE_NOOP("ConfigPage", "Skip feature gathering")},
        {QStringLiteral("gather_with_grad"), QT_TRANSLATE_NOOP("ConfigPage", "Gather with gradients")},
        {QStringLiteral("use_bn_sync"), QT_TRANSLATE_NOOP("ConfigPage", "Synchronised batch norm")},
        {QStringLiteral("seed"), QT_TRANSLATE_NOOP("ConfigPage", "Random seed")},
        {QStringLiteral("logs"), QT_TRANSLATE_NOOP("ConfigPage", "Logs folder")},
        {QStringLiteral("name"), QT_TRANSLATE_NOOP("ConfigPage", "Run name")},
        {QStringLiteral("device"), QT_TRANSLATE_NOOP("ConfigPage", "Device")},
        {QStringLiteral("keep_last_n"), QT_TRANSLATE_NOOP("ConfigPage", "Keep last N checkpoints")},
    };
    const auto it = names.find(qs(key));
    return it == names.end() ? qs(key) : QCoreApplication::translate("ConfigPage", it.value());
}

QString flagFor(const std::string& key)
{
    if (key == "distillation")
        return QStringLiteral("--distllation");
    if (key == "kd_loss_weight")
        return QStringLiteral("--kd_loss_weight");
    return QStringLiteral("--") + qs(key).replace(QLatin1Char('_'), QLatin1Char('-'));
}

double finiteOr(double value, double fallback)
{
    return std::isfinite(value) ? value : fallback;
}

} // namespace

/// One option's widgets.
struct ConfigPage::Field {
    config::OptionInfo info;
    QWidget* editor = nullptr; ///< the row's container (what the error outline goes around)
    QCheckBox* check = nullptr;
    QCheckBox* setBox = nullptr; ///< nullable numbers: whether the value is set
    QSpinBox* spin = nullptr;
    ScientificSpinBox* number = nullptr;
    QLineEdit* line = nullptr;
    QComboBox* combo = nullptr;
    QLabel* error = nullptr;
};

ConfigPage::ConfigPage(QWidget* parent) : QWidget(parent)
{
    m_values = config::toJson(config::TrainConfig());
    m_hasSaved = true; // a fresh, untitled default config has nothing unsaved

    m_openAction = new QAction(style()->standardIcon(QStyle::SP_DialogOpenButton), tr("&Open config…"), this);
    m_openAction->setShortcut(QKeySequence::Open);
    m_openAction->setToolTip(tr("Load a training config (JSON with upstream's option names)"));
    connect(m_openAction, &QAction::triggered, this, &ConfigPage::chooseAndLoad);
    m_saveAction = new QAction(style()->standardIcon(QStyle::SP_DialogSaveButton), tr("&Save config"), this);
    m_saveAction->setShortcut(QKeySequence::Save);
    connect(m_saveAction, &QAction::triggered, this, [this] { save(); });
    m_saveAsAction = new QAction(tr("Save config &as…"), this);
    m_saveAsAction->setShortcut(QKeySequence::SaveAs);
    connect(m_saveAsAction, &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Save training config"), m_filePath.isEmpty() ? QDir::homePath() : m_filePath,
            tr("Training config (*.json)"));
        if (!path.isEmpty())
            saveAs(path.endsWith(QLatin1String(".json")) ? path : path + QStringLiteral(".json"));
    });
    m_recentMenu = new QMenu(tr("Open &recent"), this);
    m_presetMenu = new QMenu(tr("&Presets"), this);
    for (const std::string& name : config::presetNames()) {
        QAction* action = m_presetMenu->addAction(qs(name));
        action->setToolTip(qs(config::presetDescription(name)));
        action->setStatusTip(action->toolTip());
        connect(action, &QAction::triggered, this, [this, name] { choosePreset(qs(name)); });
    }
    m_presetMenu->setToolTipsVisible(true);

    buildForm();
    updateRecentMenu();
    populate();
    revalidate();
    restoreState();
}

ConfigPage::~ConfigPage() = default;

void ConfigPage::buildForm()
{
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(12, 10, 12, 6);

    // Header: title, file, actions.
    auto* header = new QHBoxLayout;
    auto* title = new QLabel(tr("<h2 style='margin:0'>Configuration</h2>"));
    header->addWidget(title);
    m_fileLabel = new QLabel;
    m_fileLabel->setObjectName(QStringLiteral("fileLabel"));
    m_fileLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_fileLabel->setStyleSheet(QStringLiteral("color: palette(mid); margin-left: 10px;"));
    header->addWidget(m_fileLabel, 1);
    const auto addButton = [&](QAction* action, const QString& text) {
        auto* button = new QToolButton;
        button->setDefaultAction(action);
        button->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
        if (!text.isEmpty())
            button->setText(text);
        header->addWidget(button);
        return button;
    };
    addButton(m_openAction, tr("Open…"));
    QToolButton* recent = addButton(m_recentMenu->menuAction(), tr("Recent"));
    recent->setPopupMode(QToolButton::InstantPopup);
    addButton(m_saveAction, tr("Save"));
    addButton(m_saveAsAction, tr("Save as…"));
    QToolButton* presets = addButton(m_presetMenu->menuAction(), tr("Presets"));
    presets->setPopupMode(QToolButton::InstantPopup);
    presets->setObjectName(QStringLiteral("presetButton"));
    auto* copy = new QAction(style()->standardIcon(QStyle::SP_FileDialogDetailedView),
                             tr("Copy as command line"), this);
    copy->setToolTip(tr("Copy the upstream-style arguments (--batch-size=48 ...) to the clipboard"));
    connect(copy, &QAction::triggered, this, &ConfigPage::copyCommandLine);
    addButton(copy, {})->setObjectName(QStringLiteral("copyCommandLine"));
    outer->addLayout(header);

    m_summary = new QLabel;
    m_summary->setObjectName(QStringLiteral("summary"));
    m_summary->setWordWrap(true);
    outer->addWidget(m_summary);
    m_banner = new QLabel;
    m_banner->setObjectName(QStringLiteral("banner"));
    m_banner->setWordWrap(true);
    m_banner->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_banner->setStyleSheet(QStringLiteral(
        "background: #fff4d6; color: #5c4400; border: 1px solid #e0c060; border-radius: 4px; padding: 6px;"));
    m_banner->hide();
    outer->addWidget(m_banner);

    // The form: two columns of groups.
    auto* scroll = new QScrollArea;
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto* content = new QWidget;
    auto* columns = new QHBoxLayout(content);
    columns->setContentsMargins(0, 0, 0, 0);
    auto* left = new QVBoxLayout;
    auto* right = new QVBoxLayout;
    columns->addLayout(left, 1);
    columns->addLayout(right, 1);
    const QStringList rightGroups = {QStringLiteral("Optimisation"), QStringLiteral("Evaluation and saving"),
                                     QStringLiteral("Distillation"), QStringLiteral("Distributed")};
    for (const std::string& group : config::groups()) {
        auto* box = new QGroupBox(QCoreApplication::translate("ConfigPage", group.c_str()));
        box->setObjectName(QStringLiteral("group_") + qs(group));
        auto* grid = new QGridLayout(box);
        grid->setColumnStretch(1, 1);
        grid->setVerticalSpacing(3);
        int row = 0;
        for (const config::OptionInfo& info : config::options()) {
            if (info.group != group)
                continue;
            auto field = std::make_unique<Field>();
            field->info = info;
            QWidget* editor = createEditor(info, *field);
            field->editor = editor;
            const QString tip =
                QStringLiteral("<b>%1</b> &nbsp;<code>%2</code><br>%3")
                    .arg(qs(info.key), flagFor(info.key),
                         QCoreApplication::translate("clipwb::config", info.help.c_str()).toHtmlEscaped());
            auto* label = new QLabel(labelFor(info.key));
            label->setMinimumWidth(170); // the editors of all groups line up
            label->setToolTip(tip);
            label->setBuddy(editor);
            editor->setToolTip(tip);
            field->error = new QLabel;
            field->error->setObjectName(QStringLiteral("error_") + qs(info.key));
            field->error->setWordWrap(true);
            field->error->setStyleSheet(QStringLiteral("color: #c0392b; font-size: small;"));
            field->error->hide();
            grid->addWidget(label, row, 0);
            grid->addWidget(editor, row, 1);
            grid->addWidget(field->error, row + 1, 1);
            row += 2;
            m_fields.insert(qs(info.key), field.get());
            m_fieldStore.push_back(std::move(field));
        }
        if (group == "Run") {
            m_derived = new QLabel;
            m_derived->setObjectName(QStringLiteral("derived"));
            m_derived->setWordWrap(true);
            m_derived->setTextInteractionFlags(Qt::TextSelectableByMouse);
            m_derived->setStyleSheet(QStringLiteral("color: palette(mid);"));
            grid->addWidget(m_derived, row, 0, 1, 2);
        }
        (rightGroups.contains(qs(group)) ? right : left)->addWidget(box);
    }
    left->addStretch(1);
    right->addStretch(1);
    scroll->setWidget(content);
    outer->addWidget(scroll, 1);
}

QWidget* ConfigPage::createEditor(const config::OptionInfo& info, Field& field)
{
    const std::string key = info.key;
    const QString name = qs(key);
    auto* container = new QWidget;
    container->setObjectName(QStringLiteral("row_") + name);
    auto* layout = new QHBoxLayout(container);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);
    const auto changed = [this, key] { readEditor(key); };

    if (info.nullable && (info.type == config::OptionType::Int || info.type == config::OptionType::Double)) {
        field.setBox = new QCheckBox;
        field.setBox->setObjectName(QStringLiteral("set_") + name);
        field.setBox->setToolTip(tr("Unchecked: unset (null), as upstream's None"));
        layout->addWidget(field.setBox);
        connect(field.setBox, &QCheckBox::toggled, this, changed);
    }
    switch (info.type) {
    case config::OptionType::Bool:
        field.check = new QCheckBox;
        field.check->setObjectName(name);
        layout->addWidget(field.check);
        connect(field.check, &QCheckBox::toggled, this, changed);
        break;
    case config::OptionType::Int:
        field.spin = new QSpinBox;
        field.spin->setObjectName(name);
        field.spin->setRange(int(std::max(info.minimum, double(INT_MIN))),
                             int(std::min(info.maximum, double(INT_MAX))));
        field.spin->setKeyboardTracking(true);
        field.spin->setMinimumWidth(110);
        if (key == "batch_size" || key == "valid_batch_size")
            field.spin->setStepType(QAbstractSpinBox::AdaptiveDecimalStepType);
        layout->addWidget(field.spin);
        connect(field.spin, qOverload<int>(&QSpinBox::valueChanged), this, changed);
        break;
    case config::OptionType::Double:
        field.number = new ScientificSpinBox;
        field.number->setObjectName(name);
        field.number->setRange(finiteOr(info.minimum, -1e12), finiteOr(info.maximum, 1e12));
        field.number->setMinimumWidth(110);
        if (key == "lr" || key == "eps")
            field.number->setMultiplicativeStep(2.0);
        else
            field.number->setSingleStep(key == "mask_ratio" || key == "kd_loss_weight" ? 0.05 : 0.01);
        layout->addWidget(field.number);
        connect(field.number, qOverload<double>(&QDoubleSpinBox::valueChanged), this, changed);
        break;
    case config::OptionType::Choice:
        field.combo = new QComboBox;
        field.combo->setObjectName(name);
        for (const std::string& choice : info.choices)
            field.combo->addItem(qs(choice));
        field.combo->setMinimumWidth(110);
        layout->addWidget(field.combo);
        layout->addStretch(1);
        connect(field.combo, &QComboBox::currentTextChanged, this, changed);
        break;
    case config::OptionType::ModelName: {
        field.combo = new QComboBox;
        field.combo->setObjectName(name);
        field.combo->setEditable(true);
        field.combo->setInsertPolicy(QComboBox::NoInsert);
        const std::vector<std::string> models =
            key == "vision_model" ? config::shippedVisionModels() : config::shippedTextModels();
        for (const std::string& model : models)
            field.combo->addItem(qs(model));
        layout->addWidget(field.combo, 1);
        connect(field.combo, &QComboBox::currentTextChanged, this, changed);
        auto* browse = new QToolButton;
        browse->setText(QStringLiteral("…"));
        browse->setToolTip(tr("Choose a model config JSON file"));
        connect(browse, &QToolButton::clicked, this, [this, &field] {
            const QString path = QFileDialog::getOpenFileName(this, tr("Model config"),
                                                              QString::fromStdString(baseDir().string()),
                                                              tr("Model config (*.json)"));
            if (!path.isEmpty())
                field.combo->setCurrentText(path);
        });
        layout->addWidget(browse);
        break;
    }
    case config::OptionType::String:
        if (key == "device") {
            field.combo = new QComboBox;
            field.combo->setObjectName(name);
            field.combo->setEditable(true);
            field.combo->addItems({QStringLiteral("auto"), QStringLiteral("cpu"), QStringLiteral("cuda"),
                                   QStringLiteral("cuda:0"), QStringLiteral("cuda:1")});
            field.combo->setMinimumWidth(110);
            layout->addWidget(field.combo);
            layout->addStretch(1);
            connect(field.combo, &QComboBox::currentTextChanged, this, changed);
            break;
        }
        [[fallthrough]];
    case config::OptionType::Path:
    case config::OptionType::FolderPath: {
        field.line = new QLineEdit;
        field.line->setObjectName(name);
        if (info.nullable)
            field.line->setPlaceholderText(tr("unset"));
        layout->addWidget(field.line, 1);
        connect(field.line, &QLineEdit::textChanged, this, changed);
        if (info.type != config::OptionType::String) {
            const bool folder = info.type == config::OptionType::FolderPath;
            auto* browse = new QToolButton;
            browse->setIcon(style()->standardIcon(folder ? QStyle::SP_DirOpenIcon : QStyle::SP_FileIcon));
            browse->setToolTip(folder ? tr("Choose a folder") : tr("Choose a file"));
            connect(browse, &QToolButton::clicked, this, [this, &field, folder] {
                const QString start = field.line->text().isEmpty()
                                          ? QString::fromStdString(baseDir().string())
                                          : field.line->text();
                const QString path =
                    folder ? QFileDialog::getExistingDirectory(this, labelFor(field.info.key), start)
                           : QFileDialog::getOpenFileName(
                                 this, labelFor(field.info.key), start,
                                 tr("Checkpoints and weights (*.pt *.pth *.bin);;All files (*)"));
                if (!path.isEmpty())
                    field.line->setText(path);
            });
            layout->addWidget(browse);
        }
        break;
    }
    }
    if (!field.check && !field.line && !field.combo)
        layout->addStretch(1);
    if (field.check)
        layout->addStretch(1);
    return container;
}

void ConfigPage::populate()
{
    m_populating = true;
    const config::TrainConfig current = config();
    for (Field* field : std::as_const(m_fields)) {
        const json& value = m_values[field->info.key];
        if (field->setBox)
            field->setBox->setChecked(!value.is_null());
        if (field->check)
            field->check->setChecked(value.is_boolean() && value.get<bool>());
        if (field->spin) {
            const double shown = value.is_number() ? value.get<double>() : field->spin->value();
            // A loaded value outside the valid range stays visible (with its error) instead of being clamped.
            const int clamped = int(std::clamp(shown, double(INT_MIN), double(INT_MAX)));
            field->spin->setRange(std::min(clamped, int(std::max(field->info.minimum, double(INT_MIN)))),
                                  std::max(clamped, int(std::min(field->info.maximum, double(INT_MAX)))));
            field->spin->setValue(clamped);
            field->spin->setEnabled(!value.is_null());
        }
        if (field->number) {
            double shown = value.is_number() ? value.get<double>() : field->number->value();
            if (value.is_null()) {
                // Unset Adam options show upstream's default for the chosen vision model.
                if (field->info.key == "lr")
                    shown = config::effectiveLr(current);
                else if (field->info.key == "beta1")
                    shown = config::effectiveBeta1(current);
                else if (field->info.key == "beta2")
                    shown = config::effectiveBeta2(current);
                else if (field->info.key == "eps")
                    shown = config::effectiveEps(current);
            }
            field->number->setRange(std::min(shown, finiteOr(field->info.minimum, -1e12)),
                                    std::max(shown, finiteOr(field->info.maximum, 1e12)));
            field->number->setValue(shown);
            field->number->setEnabled(!value.is_null());
        }
        if (field->line)
            field->line->setText(value.is_string() ? qs(value.get<std::string>()) : QString());
        if (field->combo) {
            const QString text = value.is_string() ? qs(value.get<std::string>()) : QString();
            if (!field->combo->isEditable() && field->combo->findText(text) < 0)
                field->combo->addItem(text); // an unknown precision stays visible next to its error
            field->combo->setCurrentText(text);
        }
    }
    m_populating = false;
}

void ConfigPage::readEditor(const std::string& key)
{
    if (m_populating)
        return;
    Field* field = m_fields.value(qs(key));
    json value;
    if (field->check)
        value = field->check->isChecked();
    else if (field->spin)
        value = field->spin->value();
    else if (field->number)
        value = field->number->value();
    else if (field->line)
        value = field->line->text().trimmed().toStdString();
    else if (field->combo)
        value = field->combo->currentText().trimmed().toStdString();
    if (field->setBox) {
        if (field->spin)
            field->spin->setEnabled(field->setBox->isChecked());
        if (field->number)
            field->number->setEnabled(field->setBox->isChecked());
        if (!field->setBox->isChecked())
            value = nullptr;
    }
    if (field->info.nullable && value.is_string() && value.get<std::string>().empty())
        value = nullptr;
    m_values[key] = value;
    // Unset Adam options follow the vision model's defaults.
    if (key == "vision_model") {
        m_populating = true;
        const config::TrainConfig current = config();
        const std::pair<const char*, double> adam[] = {{"lr", config::effectiveLr(current)},
                                                       {"beta1", config::effectiveBeta1(current)},
                                                       {"beta2", config::effectiveBeta2(current)},
                                                       {"eps", config::effectiveEps(current)}};
        for (const auto& [name, shown] : adam)
            if (m_values[name].is_null())
                m_fields.value(QLatin1String(name))->number->setValue(shown);
        m_populating = false;
    }
    setModified(!m_hasSaved || config() != m_saved);
    // Synchronous (a few file checks): isValid() must never lag behind an edit
    // when someone presses Start right after typing.
    revalidate();
    rememberState();
    Q_EMIT configChanged();
}

config::TrainConfig ConfigPage::config() const
{
    return config::fromJson(m_values, baseDir()).config;
}

void ConfigPage::setConfig(const config::TrainConfig& value)
{
    m_values = config::toJson(value);
    populate();
    setModified(!m_hasSaved || value != m_saved);
    revalidate();
    rememberState();
    Q_EMIT configChanged();
}

void ConfigPage::setResume(const fs::path& checkpoint)
{
    config::TrainConfig current = config();
    current.resume = fs::absolute(checkpoint).lexically_normal().string();
    setConfig(current);
}

fs::path ConfigPage::baseDir() const
{
    if (!m_filePath.isEmpty())
        return fs::path(QFileInfo(m_filePath).absolutePath().toStdString());
    return fs::current_path();
}

void ConfigPage::revalidate()
{
    const config::TrainConfig current = config();
    m_issues = config::validate(current);
    QHash<QString, QStringList> byKey;
    for (const config::ConfigIssue& issue : m_issues)
        byKey[qs(issue.key)] << qs(issue.message);
    for (Field* field : std::as_const(m_fields)) {
        const QStringList messages = byKey.value(qs(field->info.key));
        field->error->setText(messages.join(QLatin1Char('\n')));
        field->error->setVisible(!messages.isEmpty());
        QWidget* target = field->line     ? static_cast<QWidget*>(field->line)
                          : field->spin   ? static_cast<QWidget*>(field->spin)
                          : field->number ? static_cast<QWidget*>(field->number)
                          : field->combo  ? static_cast<QWidget*>(field->combo)
                                          : static_cast<QWidget*>(field->check);
        target->setStyleSheet(messages.isEmpty() ? QString() : QString::fromLatin1(kErrorStyle));
    }
    updateSummary();
    const bool valid = m_issues.empty();
    if (valid != m_wasValid) {
        m_wasValid = valid;
        Q_EMIT validityChanged(valid);
    }
}

void ConfigPage::updateSummary()
{
    if (m_issues.empty()) {
        m_summary->setText(tr("✔ Ready to train."));
        m_summary->setStyleSheet(QStringLiteral("color: #1e7e34; font-weight: bold;"));
    } else {
        QStringList keys;
        for (const config::ConfigIssue& issue : m_issues)
            if (!keys.contains(qs(issue.key)))
                keys << qs(issue.key);
        const QString count = m_issues.size() == 1 ? tr("1 problem") : tr("%1 problems").arg(m_issues.size());
        m_summary->setText(tr("✖ %1 to fix before training: %2").arg(count, keys.join(QStringLiteral(", "))));
        m_summary->setStyleSheet(QStringLiteral("color: #c0392b; font-weight: bold;"));
    }
    const config::TrainConfig current = config();
    QString steps;
    if (current.max_steps)
        steps = tr("%1 steps").arg(*current.max_steps);
    else if (current.max_epochs)
        steps = tr("%1 epochs").arg(*current.max_epochs);
    m_derived->setText(
        tr("Run folder: %1<br>Checkpoints: %2<br>Learning rate %3 (β %4, %5, ε %6), effective batch "
           "%7, %8")
            .arg(qs(config::runFolder(current).string()).toHtmlEscaped(),
                 qs(config::checkpointFolder(current).string()).toHtmlEscaped())
            .arg(config::effectiveLr(current))
            .arg(config::effectiveBeta1(current))
            .arg(config::effectiveBeta2(current))
            .arg(config::effectiveEps(current))
            .arg(current.batch_size * current.accum_freq)
            .arg(steps));
}

QWidget* ConfigPage::editor(const QString& key) const
{
    Field* field = m_fields.value(key);
    if (!field)
        return nullptr;
    if (field->line)
        return field->line;
    if (field->spin)
        return field->spin;
    if (field->number)
        return field->number;
    if (field->combo)
        return field->combo;
    return field->check;
}

QString ConfigPage::errorText(const QString& key) const
{
    Field* field = m_fields.value(key);
    return field ? field->error->text() : QString();
}

QString ConfigPage::bannerText() const
{
    return m_banner->isVisible() || !m_banner->text().isEmpty() ? m_banner->text() : QString();
}

void ConfigPage::setModified(bool modified)
{
    if (modified == m_modified)
        return;
    m_modified = modified;
    Q_EMIT modifiedChanged(modified);
}

void ConfigPage::setFilePath(const QString& path)
{
    m_filePath = path;
    m_fileLabel->setText(path.isEmpty() ? tr("untitled") : QDir::toNativeSeparators(path));
    m_fileLabel->setToolTip(m_fileLabel->text());
    Q_EMIT filePathChanged(path);
}

bool ConfigPage::loadFile(const QString& path)
{
    const QString absolute = QFileInfo(path).absoluteFilePath();
    const config::ConfigResult result = config::loadConfigFile(absolute.toStdString());
    const bool unreadable = !result.ok() && result.issues.front().key.empty();
    if (unreadable) {
        m_banner->setText(tr("Cannot open %1: %2")
                              .arg(QDir::toNativeSeparators(absolute), qs(result.issues.front().message)));
        m_banner->show();
        return false;
    }
    QStringList problems;
    for (const config::ConfigIssue& issue : result.issues)
        problems << qs(issue.text()).toHtmlEscaped();
    if (problems.isEmpty()) {
        m_banner->clear();
        m_banner->hide();
    } else {
        m_banner->setText(
            tr("<b>%1</b> has keys the form cannot show; they were ignored (saving drops them):<br>%2")
                .arg(QFileInfo(absolute).fileName().toHtmlEscaped(), problems.join(QStringLiteral("<br>"))));
        m_banner->show();
    }
    m_saved = result.config;
    m_hasSaved = true;
    setFilePath(absolute);
    m_values = config::toJson(result.config);
    populate();
    setModified(false);
    revalidate();
    addRecentFile(absolute);
    rememberState();
    Q_EMIT configChanged();
    return true;
}

bool ConfigPage::save()
{
    if (m_filePath.isEmpty()) {
        m_saveAsAction->trigger();
        return !m_filePath.isEmpty() && !m_modified;
    }
    return saveAs(m_filePath);
}

bool ConfigPage::saveAs(const QString& path)
{
    const QString absolute = QFileInfo(path).absoluteFilePath();
    const config::TrainConfig current = config();
    try {
        config::saveConfigFile(current, absolute.toStdString());
    } catch (const std::exception& e) {
        QMessageBox::warning(this, tr("Save failed"), qs(e.what()));
        return false;
    }
    m_saved = current;
    m_hasSaved = true;
    setFilePath(absolute);
    // Paths typed relative to the old folder now live as absolute values.
    m_values = config::toJson(current);
    setModified(false);
    addRecentFile(absolute);
    rememberState();
    return true;
}

void ConfigPage::applyPreset(const QString& name, const QString& baseDirectory)
{
    const config::ConfigResult preset =
        config::loadPreset(name.toStdString(), fs::path(baseDirectory.toStdString()));
    m_banner->setText(
        tr("Preset <b>%1</b>: %2")
            .arg(name.toHtmlEscaped(), qs(config::presetDescription(name.toStdString())).toHtmlEscaped()));
    m_banner->show();
    setFilePath(QString());
    m_hasSaved = false;
    setConfig(preset.config);
}

void ConfigPage::choosePreset(const QString& name)
{
    QString base;
    if (name == QLatin1String("demo")) {
        base =
            QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + QStringLiteral("/demo");
    } else {
        base = QFileDialog::getExistingDirectory(
            this, tr("Folder holding datasets/ and pretrained_weights/ (upstream's DATAPATH)"),
            QDir::homePath());
        if (base.isEmpty())
            return;
    }
    applyPreset(name, base);
}

void ConfigPage::chooseAndLoad()
{
    if (m_modified &&
        QMessageBox::question(this, tr("Unsaved changes"),
                              tr("Discard the unsaved changes to this configuration?")) != QMessageBox::Yes)
        return;
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open training config"),
        m_filePath.isEmpty() ? QDir::homePath() : QFileInfo(m_filePath).absolutePath(),
        tr("Training config (*.json);;All files (*)"));
    if (!path.isEmpty())
        loadFile(path);
}

void ConfigPage::copyCommandLine()
{
    QApplication::clipboard()->setText(qs(config::toCommandLine(config())));
    m_summary->setText(m_summary->text() + tr("  (Command line copied.)"));
}

QStringList ConfigPage::recentFiles() const
{
    return QSettings().value(QStringLiteral("config/recentFiles")).toStringList();
}

void ConfigPage::addRecentFile(const QString& path)
{
    QStringList files = recentFiles();
    files.removeAll(path);
    files.prepend(path);
    while (files.size() > kMaxRecentFiles)
        files.removeLast();
    QSettings().setValue(QStringLiteral("config/recentFiles"), files);
    updateRecentMenu();
}

void ConfigPage::updateRecentMenu()
{
    m_recentMenu->clear();
    const QStringList files = recentFiles();
    for (const QString& file : files) {
        QAction* action = m_recentMenu->addAction(QDir::toNativeSeparators(file));
        connect(action, &QAction::triggered, this, [this, file] { loadFile(file); });
    }
    if (files.isEmpty())
        m_recentMenu->addAction(tr("(none)"))->setEnabled(false);
    else {
        m_recentMenu->addSeparator();
        m_recentMenu->addAction(tr("Clear list"), this, [this] {
            QSettings().remove(QStringLiteral("config/recentFiles"));
            updateRecentMenu();
        });
    }
}

void ConfigPage::rememberState()
{
    QSettings settings;
    settings.setValue(QStringLiteral("config/file"), m_filePath);
    settings.setValue(QStringLiteral("config/modified"), m_modified);
    settings.setValue(QStringLiteral("config/values"), qs(config::toJsonText(config(), -1)));
}

void ConfigPage::restoreState()
{
    QSettings settings;
    const QString file = settings.value(QStringLiteral("config/file")).toString();
    const bool modified = settings.value(QStringLiteral("config/modified")).toBool();
    const QString values = settings.value(QStringLiteral("config/values")).toString();
    if (!file.isEmpty() && QFileInfo::exists(file))
        loadFile(file);
    if ((modified || file.isEmpty()) && !values.isEmpty()) {
        const json object = json::parse(values.toStdString(), nullptr, false);
        if (object.is_object()) {
            const config::ConfigResult restored = config::fromJson(object, {});
            if (restored.ok() && (!m_hasSaved || restored.config != config()))
                setConfig(restored.config);
        }
    }
    if (m_filePath.isEmpty())
        setFilePath(QString());
}

} // namespace clipwb::ui
