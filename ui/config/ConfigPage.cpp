#include "ui/config/ConfigPage.h"

#include "config/RunScriptFlags.h"
#include "model/CudaDevices.h"
#include "models/ModelCatalog.h"
#include "models/ModelStore.h"
#include "ui/common/CoreMessages.h"
#include "ui/config/LaunchOptionsView.h"
#include "ui/config/MemoryEstimateView.h"
#include "ui/config/OptionEditor.h"
#include "ui/config/OptionLabels.h"
#include "ui/config/RecentFilesMenu.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QScrollArea>
#include <QSettings>
#include <QStandardPaths>
#include <QToolButton>
#include <QVBoxLayout>

#include <cmath>

namespace clipwb::ui {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

QString qs(const std::string& text)
{
    return QString::fromStdString(text);
}

/// What an unset number shows: upstream's default for it (the Adam options follow the vision model).
double unsetNumber(const std::string& key, const config::TrainConfig& current)
{
    if (key == "lr")
        return config::effectiveLr(current);
    if (key == "beta1")
        return config::effectiveBeta1(current);
    if (key == "beta2")
        return config::effectiveBeta2(current);
    if (key == "eps")
        return config::effectiveEps(current);
    return NAN;
}

/// What the trainer will do differently on this machine than the config says, or empty.
QString deviceNote(const config::TrainConfig& current)
{
    // fp16 asks for half precision outright; amp (upstream's default) is documented to fall back.
    const bool halfPrecision = current.precision == "fp16";
    const bool mayUseCpu = current.device == "auto" || current.device == "cpu";
    if (!halfPrecision || !mayUseCpu)
        return {};
    // Asked once: LibTorch's answer does not change while the app runs.
    static const bool hasCuda = model::cudaDeviceCount() > 0;
    if (hasCuda && current.device == "auto")
        return {};
    return QCoreApplication::translate("ConfigPage", "precision %1 needs CUDA; %2 trains in fp32 on the CPU.")
        .arg(qs(current.precision),
             hasCuda ? QCoreApplication::translate("ConfigPage", "device cpu")
                     : QCoreApplication::translate("ConfigPage", "this machine has no CUDA device, so it"));
}

} // namespace

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
    m_recentMenu = new RecentFilesMenu(tr("Open &recent"), this);
    connect(m_recentMenu, &RecentFilesMenu::fileChosen, this,
            [this](const QString& file) { loadFile(file); });
    m_presetMenu = new QMenu(tr("&Presets"), this);
    for (const std::string& name : config::presetNames()) {
        QAction* action = m_presetMenu->addAction(qs(name));
        action->setToolTip(
            QCoreApplication::translate("clipwb::config", config::presetDescription(name).c_str()));
        action->setStatusTip(action->toolTip());
        connect(action, &QAction::triggered, this, [this, name] { choosePreset(qs(name)); });
    }
    m_presetMenu->setToolTipsVisible(true);

    buildForm();
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
        auto* box = new QGroupBox(QCoreApplication::translate("clipwb::config", group.c_str()));
        box->setObjectName(QStringLiteral("group_") + qs(group));
        auto* grid = new QGridLayout(box);
        grid->setColumnStretch(1, 1);
        grid->setVerticalSpacing(3);
        int row = 0;
        for (const config::OptionInfo& info : config::options()) {
            if (info.group != group)
                continue;
            auto* editor = new OptionEditor(info, [this] { return baseDir(); });
            const std::string key = info.key;
            connect(editor, &OptionEditor::edited, this, [this, key] { readEditor(key); });
            connect(editor, &OptionEditor::pretrainedModelChosen, this,
                    [this, key](const QString& vision, const QString& text) {
                        startFromPretrained(qs(key), vision, text);
                    });
            const QString tip =
                QStringLiteral("<b>%1</b> &nbsp;<code>%2</code><br>%3")
                    .arg(qs(info.key), qs(config::flagFor(info.key)),
                         QCoreApplication::translate("clipwb::config", info.help.c_str()).toHtmlEscaped());
            auto* label = new QLabel(optionLabel(info.key));
            label->setMinimumWidth(170); // the editors of all groups line up
            label->setToolTip(tip);
            label->setBuddy(editor);
            editor->setToolTip(tip);
            grid->addWidget(label, row, 0);
            grid->addWidget(editor, row, 1);
            grid->addWidget(editor->errorLabel(), row + 1, 1);
            row += 2;
            m_fields.insert(qs(info.key), editor);
        }
        if (group == "Run") {
            m_derived = new QLabel;
            m_derived->setObjectName(QStringLiteral("derived"));
            m_derived->setWordWrap(true);
            m_derived->setTextInteractionFlags(Qt::TextSelectableByMouse);
            m_derived->setStyleSheet(QStringLiteral("color: palette(mid);"));
            grid->addWidget(m_derived, row, 0, 1, 2);
        }
        if (group == "Distributed") {
            // How many ranks Start launches: the launch, not the config file.
            m_launch = new LaunchOptionsView;
            m_launch->setObjectName(QStringLiteral("launchOptions"));
            grid->addWidget(m_launch, row, 0, 1, 2);
        }
        (rightGroups.contains(qs(group)) ? right : left)->addWidget(box);
    }
    // What the run needs against the device's memory, at the top: it changes with most edits.
    m_memory = new MemoryEstimateView;
    right->insertWidget(0, m_memory);
    left->addStretch(1);
    right->addStretch(1);
    scroll->setWidget(content);
    outer->addWidget(scroll, 1);
}

void ConfigPage::populate()
{
    m_populating = true;
    const config::TrainConfig current = config();
    for (OptionEditor* editor : std::as_const(m_fields))
        editor->setValue(m_values[editor->info().key], unsetNumber(editor->info().key, current));
    m_populating = false;
}

void ConfigPage::readEditor(const std::string& key)
{
    if (m_populating)
        return;
    m_values[key] = m_fields.value(qs(key))->value();
    // Unset Adam options follow the vision model's defaults.
    if (key == "vision_model") {
        const config::TrainConfig current = config();
        for (const char* name : {"lr", "beta1", "beta2", "eps"})
            m_fields.value(QLatin1String(name))->showUnsetNumber(unsetNumber(name, current));
    }
    setModified(!m_hasSaved || config() != m_saved);
    // Synchronous (a few file checks): isValid() must never lag behind an edit
    // when someone presses Start right after typing.
    revalidate();
    rememberState();
    Q_EMIT configChanged();
}

dist::LaunchOptions ConfigPage::launchOptions() const
{
    return m_launch->launchOptions();
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

void ConfigPage::startFromPretrained(const QString& key, const QString& visionModel, const QString& textModel)
{
    config::TrainConfig current = config();
    const bool resume = key == QLatin1String("resume");
    if (!visionModel.isEmpty() && key != QLatin1String("bert_weight_path"))
        current.vision_model = visionModel.toStdString();
    if (!textModel.isEmpty() && key != QLatin1String("clip_weight_path"))
        current.text_model = textModel.toStdString();
    if (resume) {
        current.reset_data_offset = true;
        current.reset_optimizer = true;
    }
    setConfig(current);
    Q_EMIT statusMessage(resume
                             ? tr("Fine-tuning from the pretrained %1 + %2: data offset and optimizer reset.")
                                   .arg(visionModel, textModel)
                         : key == QLatin1String("clip_weight_path")
                             ? tr("The vision tower starts from the pretrained %1.").arg(visionModel)
                             : tr("The text tower starts from the pretrained %1.").arg(textModel));
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
        byKey[qs(issue.key)] << CoreMessages::translate(issue.message);
    for (OptionEditor* editor : std::as_const(m_fields))
        editor->setErrors(byKey.value(qs(editor->info().key)));
    updateSummary();
    m_memory->setConfig(current);
    const bool valid = m_issues.empty();
    if (valid != m_wasValid) {
        m_wasValid = valid;
        Q_EMIT validityChanged(valid);
    }
}

void ConfigPage::updateSummary()
{
    const QString note = deviceNote(config());
    if (m_issues.empty() && !note.isEmpty()) {
        m_summary->setText(tr("✔ Ready to train. Note: %1").arg(note));
        m_summary->setStyleSheet(QStringLiteral("color: #9a5b00; font-weight: bold;"));
    } else if (m_issues.empty()) {
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
    OptionEditor* editor = m_fields.value(key);
    return editor ? editor->input() : nullptr;
}

QString ConfigPage::errorText(const QString& key) const
{
    OptionEditor* editor = m_fields.value(key);
    return editor ? editor->errorText() : QString();
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
    m_launch->setConfigFile(path);
    Q_EMIT filePathChanged(path);
}

bool ConfigPage::loadFile(const QString& path)
{
    const QString absolute = QFileInfo(path).absoluteFilePath();
    const config::ConfigResult result = config::loadConfigFile(absolute.toStdString());
    const bool unreadable = !result.ok() && result.issues.front().key.empty();
    if (unreadable) {
        // The message names the file (once) and, for bad JSON, the line and column.
        m_banner->setText(tr("Cannot open the configuration: %1")
                              .arg(CoreMessages::translate(result.issues.front().message)));
        m_banner->show();
        return false;
    }
    QStringList problems;
    for (const config::ConfigIssue& issue : result.issues)
        problems << CoreMessages::translateIssue(issue).toHtmlEscaped();
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
    m_recentMenu->add(absolute);
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
    m_recentMenu->add(absolute);
    rememberState();
    return true;
}

void ConfigPage::applyPreset(const QString& name, const QString& baseDirectory)
{
    const config::ConfigResult preset =
        config::loadPreset(name.toStdString(), fs::path(baseDirectory.toStdString()));
    config::TrainConfig chosen = preset.config;
    // The pretrained checkpoint a preset starts from (DATAPATH/pretrained_weights/clip_cn_*.pt):
    // the model manager's download of it when DATAPATH has none.
    QString pretrained;
    std::error_code error;
    if (chosen.resume && !fs::exists(*chosen.resume, error)) {
        const std::string file = fs::path(*chosen.resume).filename().string();
        try {
            const models::ModelStore store;
            for (const models::CatalogModel& model : models::officialModels())
                if (model.file == file)
                    if (const auto installed = store.installedPath(model.name)) {
                        chosen.resume = installed->string();
                        pretrained = qs(model.name);
                    }
        } catch (const std::exception&) {
            // an unreadable model manifest: the preset keeps DATAPATH's path (and says it is missing)
        }
    }
    m_banner->setText(tr("Preset <b>%1</b>: %2")
                          .arg(name.toHtmlEscaped(),
                               QCoreApplication::translate(
                                   "clipwb::config", config::presetDescription(name.toStdString()).c_str())
                                   .toHtmlEscaped()) +
                      (pretrained.isEmpty()
                           ? QString()
                           : tr(" It starts from the downloaded %1 model.").arg(pretrained.toHtmlEscaped())));
    m_banner->show();
    setFilePath(QString());
    m_hasSaved = false;
    setConfig(chosen);
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
    Q_EMIT statusMessage(tr("Command line copied."));
}

QMenu* ConfigPage::recentMenu() const
{
    return m_recentMenu;
}

QStringList ConfigPage::recentFiles() const
{
    return m_recentMenu->files();
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
