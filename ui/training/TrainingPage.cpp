#include "ui/training/TrainingPage.h"

#include "run/RunFolder.h"
#include "run/RunLock.h"
#include "ui/common/BackgroundJob.h"
#include "ui/training/MetricChart.h"
#include "ui/training/RecallChart.h"
#include "ui/training/RunData.h"
#include "ui/training/RunExport.h"
#include "ui/training/RunFolderWatcher.h"
#include "ui/training/RunLogPane.h"
#include "ui/training/RunProgressRow.h"
#include "ui/training/TrainingActions.h"
#include "ui/training/TrainingCharts.h"
#include "ui/training/TrainingWorker.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSlider>
#include <QSplitter>
#include <QTime>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include <cmath>
#include <filesystem>

namespace clipwb::ui {

TrainingPage::TrainingPage(QWidget* parent) : QWidget(parent)
{
    m_actions = new TrainingActions(this);
    m_worker = new TrainingWorker(this);
    m_loadJob = new BackgroundJob(this);
    m_folderWatcher = new RunFolderWatcher(this);
    connect(m_folderWatcher, &RunFolderWatcher::refreshDue, this, &TrainingPage::refreshNow);

    auto* toolbar = new QToolBar;
    toolbar->setObjectName(QStringLiteral("trainingToolbar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->addAction(m_actions->open);
    toolbar->addAction(m_actions->compare);
    toolbar->addSeparator();
    for (QAction* action :
         {m_actions->start, m_actions->pause, m_actions->stop, m_actions->saveNow, m_actions->resume})
        toolbar->addAction(action);

    m_runLabel =
        new QLabel(tr("No run open. Press Start (F5) to train the Configuration page's settings, or open a "
                      "run folder (Ctrl+R) to follow a run."));
    m_runLabel->setObjectName(QStringLiteral("runLabel"));
    m_runLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // A long run path must not widen the window: the label may be cut, its tooltip is whole.
    m_runLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_progressRow = new RunProgressRow;
    m_charts = new TrainingCharts;
    m_logPane = new RunLogPane;

    auto* splitter = new QSplitter(Qt::Vertical);
    splitter->setObjectName(QStringLiteral("trainingSplitter"));
    // Seven charts need more height than a laptop screen has: they scroll
    // rather than push the window past the screen.
    auto* chartScroll = new QScrollArea;
    chartScroll->setObjectName(QStringLiteral("chartScroll"));
    chartScroll->setWidgetResizable(true);
    chartScroll->setFrameShape(QFrame::NoFrame);
    chartScroll->setWidget(m_charts);
    splitter->addWidget(chartScroll);
    splitter->addWidget(m_logPane);
    splitter->setStretchFactor(0, 5);
    splitter->setStretchFactor(1, 1);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 0, 6, 6);
    layout->addWidget(toolbar);
    auto* runRow = new QHBoxLayout;
    runRow->addWidget(m_runLabel, 1);
    runRow->addWidget(buildViewBar());
    layout->addLayout(runRow);
    layout->addWidget(m_progressRow);
    layout->addWidget(splitter, 1);

    connectActions();
    connectWorker();
    updateControls();

    QSettings settings;
    m_smoothingSlider->setValue(settings.value(QStringLiteral("training/smoothing"), 60).toInt());
    // The last run comes back on start, unless something opened another first (--run).
    const QString lastRun = settings.value(QStringLiteral("training/lastRun")).toString();
    if (!lastRun.isEmpty())
        QTimer::singleShot(0, this, [this, lastRun] {
            if (!m_run && m_loadingDir.isEmpty() && run::RunFolder::looksLikeRunFolder(lastRun.toStdString()))
                openRun(lastRun);
        });
}

// The worker (a child) stops a running trainer and waits for it.
TrainingPage::~TrainingPage()
{
    // The worker stops and joins its thread while the page's widgets still exist.
    delete m_worker;
    m_worker = nullptr;
}

QWidget* TrainingPage::buildViewBar()
{
    // The chart controls sit on a second bar, right of the run's name: one bar
    // with everything overflows a 1280-pixel window.
    auto* viewBar = new QToolBar;
    viewBar->setObjectName(QStringLiteral("chartToolbar"));
    viewBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_xAxisCombo = new QComboBox;
    m_xAxisCombo->setObjectName(QStringLiteral("xAxis"));
    m_xAxisCombo->addItems({tr("By step"), tr("By time")});
    m_xAxisCombo->setToolTip(tr("Key axis of the charts"));
    viewBar->addWidget(m_xAxisCombo);
    m_logCheck = new QCheckBox(tr("Log scale"));
    m_logCheck->setObjectName(QStringLiteral("logScale"));
    viewBar->addWidget(m_logCheck);
    viewBar->addWidget(new QLabel(tr("  Smoothing ")));
    m_smoothingSlider = new QSlider(Qt::Horizontal);
    m_smoothingSlider->setObjectName(QStringLiteral("smoothing"));
    m_smoothingSlider->setRange(0, 99);
    m_smoothingSlider->setValue(60);
    m_smoothingSlider->setFixedWidth(110);
    m_smoothingSlider->setToolTip(tr("Weight of the exponential moving average of the smoothed curves"));
    viewBar->addWidget(m_smoothingSlider);
    m_smoothingLabel = new QLabel(QStringLiteral("0.60"));
    viewBar->addWidget(m_smoothingLabel);
    viewBar->addSeparator();
    viewBar->addAction(m_actions->fit);
    auto* exportButton = new QToolButton;
    exportButton->setObjectName(QStringLiteral("exportButton"));
    exportButton->setText(tr("Export"));
    exportButton->setIcon(style()->standardIcon(QStyle::SP_DialogSaveButton));
    exportButton->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    exportButton->setPopupMode(QToolButton::InstantPopup);
    auto* exportMenu = new QMenu(exportButton);
    exportMenu->addAction(m_actions->exportPng);
    exportMenu->addAction(m_actions->exportPdf);
    exportMenu->addAction(m_actions->exportCsv);
    exportButton->setMenu(exportMenu);
    viewBar->addWidget(exportButton);

    connect(m_xAxisCombo, qOverload<int>(&QComboBox::currentIndexChanged), this,
            [this](int index) { setTimeAxis(index == 1); });
    connect(m_logCheck, &QCheckBox::toggled, this, &TrainingPage::setLogScale);
    connect(m_smoothingSlider, &QSlider::valueChanged, this, &TrainingPage::setSmoothing);
    return viewBar;
}

void TrainingPage::connectActions()
{
    connect(m_actions->open, &QAction::triggered, this, [this] { chooseRun(false); });
    connect(m_actions->compare, &QAction::triggered, this, [this] { chooseRun(true); });
    connect(m_actions->start, &QAction::triggered, this, &TrainingPage::start);
    connect(m_actions->pause, &QAction::triggered, this, &TrainingPage::togglePause);
    connect(m_actions->stop, &QAction::triggered, this, &TrainingPage::stop);
    connect(m_actions->resume, &QAction::triggered, this, [this] {
        const QString checkpoint = resumableCheckpoint();
        if (!checkpoint.isEmpty() && !m_worker->isRunning())
            Q_EMIT resumeRequested(checkpoint, QString::fromStdString(m_run->folder().configPath().string()));
    });
    connect(m_actions->saveNow, &QAction::triggered, this, [this] {
        if (!m_worker->isRunning())
            return;
        m_worker->requestSave();
        m_logPane->append(QString(), QStringLiteral("INFO"),
                          m_worker->isPaused() ? tr("A checkpoint will be saved when training continues.")
                                               : tr("A checkpoint will be saved after this step."));
    });
    connect(m_actions->fit, &QAction::triggered, m_charts, &TrainingCharts::fitAll);
    const auto exportTo = [this](const QString& filter, const QString& suffix, auto writer) {
        const QString base = m_run ? QFileInfo(runDir()).fileName() : QStringLiteral("training");
        const QString path = QFileDialog::getSaveFileName(this, tr("Export"), base + suffix, filter);
        if (path.isEmpty())
            return;
        QString error;
        if (!writer(path, &error))
            QMessageBox::warning(this, tr("Export failed"),
                                 error.isEmpty() ? tr("Cannot write %1.").arg(path) : error);
    };
    connect(m_actions->exportPng, &QAction::triggered, this, [this, exportTo] {
        exportTo(tr("PNG images (*.png)"), QStringLiteral(".png"),
                 [this](const QString& p, QString*) { return exportPng(p); });
    });
    connect(m_actions->exportPdf, &QAction::triggered, this, [this, exportTo] {
        exportTo(tr("PDF documents (*.pdf)"), QStringLiteral(".pdf"),
                 [this](const QString& p, QString*) { return exportPdf(p); });
    });
    connect(m_actions->exportCsv, &QAction::triggered, this, [this, exportTo] {
        exportTo(tr("CSV files (*.csv)"), QStringLiteral(".csv"),
                 [this](const QString& p, QString* e) { return exportCsv(p, e); });
    });
}

void TrainingPage::connectWorker()
{
    connect(m_worker, &TrainingWorker::started, this,
            [this](const QString& dir, qint64, qint64 startStep, const QString&) {
                m_progressRow->setState(trainingText());
                if (QDir(dir) != QDir(runDir()) || !m_run)
                    openRun(dir);
                if (startStep > 0)
                    m_logPane->append(QString(), QStringLiteral("INFO"),
                                      tr("Resumed after step %1").arg(startStep));
            });
    // The trainer's reports say when the run folder has news; the figures come from there,
    // except the step and ETA, which the trainer knows before the file does.
    connect(m_worker, &TrainingWorker::stepDone, this, [this] {
        m_folderWatcher->poke();
        if (m_run)
            m_progressRow->showRun(*m_run, *m_worker);
    });
    connect(m_worker, &TrainingWorker::validationDone, m_folderWatcher, &RunFolderWatcher::poke);
    connect(m_worker, &TrainingWorker::logMessage, m_folderWatcher, &RunFolderWatcher::poke);
    // The other ranks' warnings and errors and the launcher's notes: train.log has rank 0's only.
    connect(m_worker, &TrainingWorker::rankOutput, this, [this](int level, const QString& text) {
        m_logPane->append(QTime::currentTime().toString(QStringLiteral("HH:mm:ss")),
                          level == 2   ? QStringLiteral("ERROR")
                          : level == 1 ? QStringLiteral("WARNING")
                                       : QStringLiteral("INFO"),
                          text);
    });
    connect(m_worker, &TrainingWorker::stateChanged, this, [this] {
        updateStateLabel();
        updateControls();
    });
    connect(m_worker, &TrainingWorker::checkpointSaved, this, [this] {
        refreshNow();
        updateStateLabel(); // a save asked for while paused is done
        Q_EMIT checkpointsChanged();
    });
    connect(m_worker, &TrainingWorker::finished, this, [this](bool stopped) {
        refreshNow();
        updateProgress(); // the live memory figures go
        m_progressRow->setState(stopped ? tr("Stopped (saved)") : tr("Finished"));
        updateControls();
        Q_EMIT trainingStateChanged(false);
        Q_EMIT checkpointsChanged();
        if (m_closeWhenStopped)
            Q_EMIT readyToClose();
    });
    connect(m_worker, &TrainingWorker::failed, this, [this](const QString& message) {
        m_progressRow->setState(tr("Failed"));
        m_logPane->addError(message);
        refreshNow();
        updateControls();
        Q_EMIT trainingStateChanged(false);
        if (m_closeWhenStopped)
            Q_EMIT readyToClose();
        else
            QMessageBox::warning(this, tr("Training failed"), message);
    });
}

QList<MetricChart*> TrainingPage::charts() const
{
    return m_charts->charts();
}

RecallChart* TrainingPage::recallChart() const
{
    return m_charts->recallChart();
}

QAction* TrainingPage::openRunAction() const
{
    return m_actions->open;
}
QAction* TrainingPage::compareAction() const
{
    return m_actions->compare;
}
QAction* TrainingPage::startAction() const
{
    return m_actions->start;
}
QAction* TrainingPage::pauseAction() const
{
    return m_actions->pause;
}
QAction* TrainingPage::stopAction() const
{
    return m_actions->stop;
}
QAction* TrainingPage::saveNowAction() const
{
    return m_actions->saveNow;
}
QAction* TrainingPage::resumeAction() const
{
    return m_actions->resume;
}

QString TrainingPage::runDir() const
{
    return m_run ? QString::fromStdString(m_run->folder().dir().string()) : QString();
}

QString TrainingPage::overlayDir() const
{
    return m_overlay ? QString::fromStdString(m_overlay->folder().dir().string()) : QString();
}

void TrainingPage::chooseRun(bool overlay)
{
    QSettings settings;
    const QString start =
        settings.value(QStringLiteral("training/lastRunParent"), QDir::homePath()).toString();
    const QString dir = QFileDialog::getExistingDirectory(
        this, overlay ? tr("Compare with run folder") : tr("Open run folder"), start);
    if (dir.isEmpty())
        return;
    settings.setValue(QStringLiteral("training/lastRunParent"), QFileInfo(dir).absolutePath());
    QString error;
    if (!(overlay ? openOverlay(dir, &error) : openRun(dir, &error)))
        QMessageBox::warning(this, tr("Not a run folder"), error);
}

bool TrainingPage::openRun(const QString& dir, QString* error)
{
    const std::filesystem::path path = QDir(dir).absolutePath().toStdString();
    if (!m_worker->isRunning() && !run::RunFolder::looksLikeRunFolder(path)) {
        if (error)
            *error = tr("%1 holds neither config.json nor metrics.jsonl.").arg(dir);
        return false;
    }
    m_loadingDir = QString::fromStdString(path.string());
    m_runLabel->setText(tr("Loading %1…").arg(m_loadingDir));
    // A finished run may hold millions of steps: read it off the GUI thread. Latest wins:
    // opening another run meanwhile drops this one.
    auto data = std::make_shared<RunData>(path);
    data->setSmoothing(m_smoothingSlider->value() / 100.0);
    m_loadJob->run([data](const ProgressCallback&) { data->refresh(); },
                   [this, data] { installRun(data, false); },
                   [this, data](const QString& failure) {
                       installRun(data, false); // what could be read is shown, with what went wrong
                       m_logPane->addError(failure);
                   });
    return true;
}

bool TrainingPage::openOverlay(const QString& dir, QString* error)
{
    if (dir.isEmpty()) {
        m_overlay.reset();
        m_charts->setRuns(m_run.get(), nullptr);
        applyUpdate(true);
        return true;
    }
    const std::filesystem::path path = QDir(dir).absolutePath().toStdString();
    if (!run::RunFolder::looksLikeRunFolder(path)) {
        if (error)
            *error = tr("%1 holds neither config.json nor metrics.jsonl.").arg(dir);
        return false;
    }
    auto data = std::make_shared<RunData>(path);
    data->setSmoothing(m_smoothingSlider->value() / 100.0);
    try {
        data->refresh();
    } catch (const std::exception& e) {
        if (error)
            *error = QString::fromStdString(e.what());
        return false;
    }
    installRun(data, true);
    return true;
}

void TrainingPage::installRun(std::shared_ptr<RunData> data, bool overlay)
{
    if (overlay) {
        m_overlay = std::move(data);
    } else {
        m_run = std::move(data);
        m_loadingDir.clear();
        m_logPane->clear();
        QSettings().setValue(QStringLiteral("training/lastRun"), runDir());
        m_folderWatcher->watch(runDir());
    }
    m_charts->setRuns(m_run.get(), m_overlay.get());
    applyUpdate(true);
    if (!overlay) {
        Q_EMIT runChanged(runDir());
        Q_EMIT runLoaded(runDir());
        Q_EMIT checkpointsChanged();
    }
}

void TrainingPage::refreshNow()
{
    if (!m_run)
        return;
    bool structural = false, changed = false, checkpoints = false;
    try {
        const auto update = m_run->refresh();
        changed = update.any();
        structural = update.reset;
        checkpoints = update.checkpointsChanged;
        if (m_overlay) {
            const auto other = m_overlay->refresh();
            changed = changed || other.any();
            structural = structural || other.reset;
        }
    } catch (const std::exception& e) {
        m_progressRow->setState(tr("Cannot read the run"), QString::fromStdString(e.what()));
        return;
    }
    m_folderWatcher->watchNewFiles();
    if (changed)
        applyUpdate(structural);
    if (checkpoints) {
        updateControls();
        Q_EMIT checkpointsChanged();
    }
    if (m_worker->isRunning())
        updateProgress(); // process memory moves even between steps
}

void TrainingPage::applyUpdate(bool structural)
{
    m_charts->dataChanged(structural);
    // Elapsed time needs "time" in the records; offer it only then.
    const bool timeAvailable = m_run && m_run->hasTime();
    m_xAxisCombo->setEnabled(timeAvailable || m_charts->timeAxis());
    updateProgress();
    if (m_run)
        m_logPane->showRun(*m_run, false);
    updateControls();
}

void TrainingPage::updateProgress()
{
    if (!m_run)
        return;
    m_runLabel->setText(
        tr("Run: %1%2").arg(runDir(), m_overlay ? tr("   compared with: %1").arg(overlayDir()) : QString()));
    m_runLabel->setToolTip(m_runLabel->text());
    m_progressRow->showRun(*m_run, *m_worker);
}

void TrainingPage::setTimeAxis(bool byTime)
{
    if (m_xAxisCombo->currentIndex() != (byTime ? 1 : 0))
        m_xAxisCombo->setCurrentIndex(byTime ? 1 : 0);
    m_charts->setTimeAxis(byTime);
}

void TrainingPage::setLogScale(bool logarithmic)
{
    if (m_logCheck->isChecked() != logarithmic)
        m_logCheck->setChecked(logarithmic);
    m_charts->setLogScale(logarithmic);
}

void TrainingPage::setSmoothing(int percent)
{
    if (m_smoothingSlider->value() != percent)
        m_smoothingSlider->setValue(percent);
    m_smoothingLabel->setText(QString::number(percent / 100.0, 'f', 2));
    QSettings().setValue(QStringLiteral("training/smoothing"), percent);
    for (auto* data : {m_run.get(), m_overlay.get()})
        if (data)
            data->setSmoothing(percent / 100.0);
    m_charts->dataChanged(false);
}

bool TrainingPage::exportPng(const QString& path)
{
    return exportWidgetPng(m_charts, path);
}

bool TrainingPage::exportPdf(const QString& path)
{
    return exportWidgetPdf(m_charts, path, m_run ? QFileInfo(runDir()).fileName() : tr("Training"));
}

bool TrainingPage::exportCsv(const QString& path, QString* error)
{
    if (!m_run) {
        if (error)
            *error = tr("No run is open.");
        return false;
    }
    return exportRunCsv(*m_run, path, error);
}

bool TrainingPage::isTraining() const
{
    return m_worker->isRunning();
}

bool TrainingPage::startTraining(const config::TrainConfig& config)
{
    const dist::LaunchOptions launch = m_launchProvider ? m_launchProvider() : dist::LaunchOptions{};
    if (!m_worker->start(config, launch))
        return false;
    m_closeWhenStopped = false;
    m_progressRow->setState(tr("Starting…"));
    m_logPane->clearErrors();
    // The run folder is known from the config: show it while the model loads.
    const QString dir =
        QDir(QString::fromStdString(config.logs)).filePath(QString::fromStdString(config.name));
    if (run::RunFolder::looksLikeRunFolder(dir.toStdString()))
        openRun(dir);
    updateControls();
    Q_EMIT trainingStateChanged(true);
    return true;
}

void TrainingPage::start()
{
    if (m_worker->isRunning())
        return;
    if (!m_configProvider) {
        QMessageBox::information(this, tr("Training"),
                                 tr("Set up a configuration on the Configuration page first."));
        return;
    }
    QString error;
    auto config = m_configProvider(&error);
    if (!config) {
        QMessageBox::warning(this, tr("The configuration is not valid"), error);
        return;
    }
    if (!config->resume && !offerNewRunIfFinished(*config))
        return;
    startTraining(*config);
}

bool TrainingPage::offerNewRunIfFinished(config::TrainConfig& config)
{
    const std::filesystem::path logs(config.logs);
    if (!run::RunFolder::hasFinished(logs / config.name))
        return true;
    std::string fresh;
    for (int n = 2;; ++n) {
        fresh = config.name + "-" + std::to_string(n);
        if (!std::filesystem::exists(logs / fresh))
            break;
    }
    QMessageBox box(
        QMessageBox::Question, tr("The run has finished"),
        tr("The run “%1” has already trained all its steps: starting it again would resume from its "
           "last checkpoint and end at once.\n\nStart a new run “%2” with this configuration from "
           "the beginning?")
            .arg(QString::fromStdString(config.name), QString::fromStdString(fresh)),
        QMessageBox::NoButton, this);
    box.setObjectName(QStringLiteral("finishedRunBox"));
    QPushButton* newRun =
        box.addButton(tr("Start “%1”").arg(QString::fromStdString(fresh)), QMessageBox::AcceptRole);
    newRun->setObjectName(QStringLiteral("newRunButton"));
    QPushButton* resume = box.addButton(tr("Resume “%1” anyway").arg(QString::fromStdString(config.name)),
                                        QMessageBox::ActionRole);
    resume->setObjectName(QStringLiteral("resumeAnywayButton"));
    resume->setToolTip(tr("For a run whose configuration now plans more steps than it trained."));
    QPushButton* cancel = box.addButton(QMessageBox::Cancel);
    cancel->setObjectName(QStringLiteral("cancelButton"));
    box.setDefaultButton(newRun);
    box.exec();
    if (box.clickedButton() == resume)
        return true;
    if (box.clickedButton() != newRun)
        return false;
    config.name = fresh;
    m_logPane->append(QString(), QStringLiteral("INFO"),
                      tr("The run folder of the configuration had finished: training a new run “%1”.")
                          .arg(QString::fromStdString(fresh)));
    return true;
}

void TrainingPage::togglePause()
{
    if (m_worker->isPaused())
        m_worker->resume(); // stateChanged updates the label and the controls
    else
        m_worker->pause();
}

void TrainingPage::updateStateLabel()
{
    if (!m_worker->isRunning())
        return; // finished and failed say how it ended
    const QString device = m_worker->device();
    const QString key = m_actions->pause->shortcut().toString(QKeySequence::NativeText);
    if (m_worker->isStopping())
        m_progressRow->setState(m_closeWhenStopped
                                    ? tr("Stopping: the window closes once the checkpoint is saved…")
                                    : tr("Stopping after this step…"));
    else if (m_worker->isPaused())
        m_progressRow->setState(
            m_worker->isSavePending()
                ? tr("Paused: the checkpoint is saved when training continues (%1)").arg(key)
                : tr("Paused (Continue with %1)").arg(key));
    else
        m_progressRow->setState(device.isEmpty() ? tr("Starting…") : trainingText());
}

QString TrainingPage::trainingText() const
{
    const QString device = m_worker->device();
    const int ranks = m_worker->worldSize();
    if (ranks <= 1)
        return tr("Training on %1").arg(device);
    if (m_worker->processes() == ranks)
        return tr("Training on %1, %2 ranks").arg(device).arg(ranks);
    return tr("Training on %1, %2 ranks (%3 on this machine)")
        .arg(device)
        .arg(ranks)
        .arg(m_worker->processes());
}

void TrainingPage::stop()
{
    if (!m_worker->isRunning() || m_worker->isStopping())
        return;
    m_worker->requestStop();
    m_logPane->append(QString(), QStringLiteral("INFO"),
                      tr("Stopping: a checkpoint to resume from will be saved."));
}

QString TrainingPage::resumableCheckpoint() const
{
    if (!m_run)
        return QString();
    const auto& folder = m_run->folder();
    const QString latest = QString::fromStdString((folder.checkpointsDir() / "epoch_latest.pt").string());
    if (!QFileInfo::exists(latest))
        return QString();
    const auto& train = folder.train();
    const double step = train.rows() ? train.value("step", train.rows() - 1) : NAN;
    if (folder.maxSteps() > 0 && std::isfinite(step) && step >= double(folder.maxSteps()))
        return QString(); // finished: nothing left to train
    return latest;
}

bool TrainingPage::confirmClose()
{
    if (!m_worker->isRunning())
        return true;
    if (m_closeWhenStopped) {
        // Asked already: the window closes by itself once the trainer is done.
        m_progressRow->setState(m_worker->isStopping()
                                    ? tr("Stopping: the window closes once the checkpoint is saved…")
                                    : tr("Training: the window closes when it finishes…"));
        return false;
    }
    QMessageBox box(QMessageBox::Question, tr("Training is running"),
                    tr("Training is running. What should happen to it?"), QMessageBox::NoButton, this);
    box.setObjectName(QStringLiteral("closeDuringTrainingBox"));
    box.setInformativeText(
        tr("<b>Stop and save</b> finishes the current step, saves epoch_latest.pt (Resume "
           "continues from it) and closes.<br><b>Keep training</b> closes the window when the "
           "run finishes."));
    QPushButton* stopButton = box.addButton(tr("Stop and save"), QMessageBox::AcceptRole);
    stopButton->setObjectName(QStringLiteral("stopAndSaveButton"));
    QPushButton* keepButton = box.addButton(tr("Keep training"), QMessageBox::ActionRole);
    keepButton->setObjectName(QStringLiteral("keepTrainingButton"));
    QPushButton* cancelButton = box.addButton(QMessageBox::Cancel);
    cancelButton->setObjectName(QStringLiteral("cancelButton"));
    box.setDefaultButton(stopButton);
    box.setEscapeButton(cancelButton);
    box.exec(); // a nested event loop: training and the charts go on meanwhile
    if (!m_worker->isRunning())
        return box.clickedButton() != cancelButton; // it ended while the question was open
    if (box.clickedButton() == stopButton) {
        m_closeWhenStopped = true;
        stop();
    } else if (box.clickedButton() == keepButton) {
        m_closeWhenStopped = true;
        m_progressRow->setState(tr("Training: the window closes when it finishes…"));
        m_logPane->append(QString(), QStringLiteral("INFO"),
                          tr("The window will close when training finishes."));
    }
    return false;
}

void TrainingPage::updateControls()
{
    TrainingActions::State state;
    state.training = m_worker->isRunning();
    state.paused = m_worker->isPaused();
    state.stopping = m_worker->isStopping();
    state.hasRun = m_run != nullptr;
    // A run followed live while another process (a clipwb-cli on a server, a second window) trains it.
    state.trainedElsewhere = !state.training && m_run && run::RunLock::isHeld(m_run->folder().dir());
    state.resumable = resumableCheckpoint();
    m_actions->update(state);
}

} // namespace clipwb::ui
