#include "ui/training/TrainingPage.h"

#include "run/RunFolder.h"
#include "run/RunLock.h"
#include "ui/common/BackgroundJob.h"
#include "ui/training/MemoryUsage.h"
#include "ui/training/MetricChart.h"
#include "ui/training/RecallChart.h"
#include "ui/training/RunData.h"
#include "ui/training/TrainingWorker.h"

#include <QAction>
#include <filesystem>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPainter>
#include <QPdfWriter>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QScrollArea>
#include <QSettings>
#include <QSlider>
#include <QSplitter>
#include <QTimer>
#include <QMenu>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include <cmath>
#include <fstream>

namespace clipwb::ui {
namespace {

using Table = RunData::Table;

QPen penOf(const QColor& color, qreal width = 1.6, Qt::PenStyle style = Qt::SolidLine)
{
    QPen pen(color, width, style);
    pen.setCosmetic(true);
    return pen;
}

QString formatDuration(double seconds)
{
    if (!std::isfinite(seconds) || seconds < 0)
        return QStringLiteral("—");
    const qint64 s = static_cast<qint64>(seconds + 0.5);
    if (s >= 3600)
        return QStringLiteral("%1:%2:%3").arg(s / 3600).arg(s / 60 % 60, 2, 10, QLatin1Char('0')).arg(s % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}

// Mean of the last `count` finite values of a column.
double recentMean(const std::vector<double>* column, size_t count)
{
    if (!column)
        return NAN;
    double sum = 0;
    size_t n = 0;
    for (size_t i = column->size(); i-- > 0 && n < count;)
        if (std::isfinite((*column)[i])) {
            sum += (*column)[i];
            ++n;
        }
    return n ? sum / n : NAN;
}

double recentSum(const std::vector<double>* column, size_t count)
{
    const double mean = recentMean(column, count);
    return std::isfinite(mean) ? mean * std::min(count, column->size()) : NAN;
}

int levelRank(const QString& level)
{
    if (level == QLatin1String("ERROR") || level == QLatin1String("CRITICAL"))
        return 2;
    if (level == QLatin1String("WARNING"))
        return 1;
    return 0;
}

const QColor kBlue(31, 119, 180), kOrange(255, 127, 14), kGreen(44, 160, 44), kRed(214, 39, 40),
    kPurple(148, 103, 189), kBrown(140, 86, 75), kGrey(127, 127, 127);

} // namespace

TrainingPage::TrainingPage(QWidget* parent) : QWidget(parent)
{
    buildToolbarActions();

    auto* toolbar = new QToolBar;
    toolbar->setObjectName(QStringLiteral("trainingToolbar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->addAction(m_openAction);
    toolbar->addAction(m_compareAction);
    toolbar->addSeparator();
    toolbar->addAction(m_startAction);
    toolbar->addAction(m_pauseAction);
    toolbar->addAction(m_stopAction);
    toolbar->addAction(m_saveAction);
    toolbar->addAction(m_resumeAction);
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
    auto* smoothingTitle = new QLabel(tr("  Smoothing "));
    viewBar->addWidget(smoothingTitle);
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
    viewBar->addAction(m_fitAction);
    auto* exportButton = new QToolButton;
    exportButton->setObjectName(QStringLiteral("exportButton"));
    exportButton->setText(tr("Export"));
    exportButton->setIcon(style()->standardIcon(QStyle::SP_DialogSaveButton));
    exportButton->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    exportButton->setPopupMode(QToolButton::InstantPopup);
    auto* exportMenu = new QMenu(exportButton);
    exportMenu->addAction(m_exportPngAction);
    exportMenu->addAction(m_exportPdfAction);
    exportMenu->addAction(m_exportCsvAction);
    exportButton->setMenu(exportMenu);
    viewBar->addWidget(exportButton);

    // Progress row.
    m_runLabel = new QLabel(tr("No run open. Press Start (F5) to train the Configuration page's settings, or open a "
                               "run folder (Ctrl+R) to follow a run."));
    m_runLabel->setObjectName(QStringLiteral("runLabel"));
    m_runLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_progress = new QProgressBar;
    m_progress->setObjectName(QStringLiteral("stepProgress"));
    m_progress->setFormat(tr("step %v of %m"));
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setMinimumWidth(240);
    const auto makeLabel = [](const char* name) {
        auto* label = new QLabel(QStringLiteral("—"));
        label->setObjectName(QLatin1String(name));
        label->setMinimumWidth(90);
        return label;
    };
    m_stateLabel = makeLabel("stateLabel");
    m_epochLabel = makeLabel("epochLabel");
    m_etaLabel = makeLabel("etaLabel");
    m_speedLabel = makeLabel("speedLabel");
    m_waitLabel = makeLabel("dataWaitLabel");
    m_memoryLabel = makeLabel("memoryLabel");
    m_stateLabel->setText(tr("Idle"));
    auto* progressRow = new QHBoxLayout;
    progressRow->addWidget(m_stateLabel);
    progressRow->addWidget(m_progress, 2);
    progressRow->addWidget(m_epochLabel);
    progressRow->addWidget(m_etaLabel);
    progressRow->addWidget(m_speedLabel);
    progressRow->addWidget(m_waitLabel);
    progressRow->addWidget(m_memoryLabel, 1);

    buildCharts();

    // Log pane.
    auto* logPane = new QWidget;
    auto* logLayout = new QVBoxLayout(logPane);
    logLayout->setContentsMargins(0, 0, 0, 0);
    auto* logHeader = new QHBoxLayout;
    logHeader->addWidget(new QLabel(tr("<b>Log</b>")));
    logHeader->addStretch();
    logHeader->addWidget(new QLabel(tr("Show:")));
    m_logLevelCombo = new QComboBox;
    m_logLevelCombo->setObjectName(QStringLiteral("logLevel"));
    m_logLevelCombo->addItems({tr("Everything"), tr("Warnings and errors"), tr("Errors only")});
    logHeader->addWidget(m_logLevelCombo);
    logLayout->addLayout(logHeader);
    m_logView = new QPlainTextEdit;
    m_logView->setObjectName(QStringLiteral("logView"));
    m_logView->setReadOnly(true);
    m_logView->setMaximumBlockCount(20000);
    m_logView->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    logLayout->addWidget(m_logView);

    auto* splitter = new QSplitter(Qt::Vertical);
    splitter->setObjectName(QStringLiteral("trainingSplitter"));
    // Seven charts need more height than a laptop screen has: they scroll
    // rather than push the window past the screen.
    auto* chartScroll = new QScrollArea;
    chartScroll->setObjectName(QStringLiteral("chartScroll"));
    chartScroll->setWidgetResizable(true);
    chartScroll->setFrameShape(QFrame::NoFrame);
    chartScroll->setWidget(m_chartArea);
    splitter->addWidget(chartScroll);
    splitter->addWidget(logPane);
    splitter->setStretchFactor(0, 5);
    splitter->setStretchFactor(1, 1);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 0, 6, 6);
    layout->addWidget(toolbar);
    auto* runRow = new QHBoxLayout;
    // A long run path must not widen the window: the label may be cut, its tooltip is whole.
    m_runLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    runRow->addWidget(m_runLabel, 1);
    runRow->addWidget(viewBar);
    layout->addLayout(runRow);
    layout->addLayout(progressRow);
    layout->addWidget(splitter, 1);

    connect(m_xAxisCombo, qOverload<int>(&QComboBox::currentIndexChanged), this,
            [this](int index) { setTimeAxis(index == 1); });
    connect(m_logCheck, &QCheckBox::toggled, this, &TrainingPage::setLogScale);
    connect(m_smoothingSlider, &QSlider::valueChanged, this, &TrainingPage::setSmoothing);
    connect(m_logLevelCombo, qOverload<int>(&QComboBox::currentIndexChanged), this,
            [this] { updateLogPane(true); });

    m_watcher = new QFileSystemWatcher(this);
    m_coalesceTimer = new QTimer(this);
    m_coalesceTimer->setSingleShot(true);
    m_coalesceTimer->setInterval(150);
    connect(m_coalesceTimer, &QTimer::timeout, this, &TrainingPage::refreshNow);
    connect(m_watcher, &QFileSystemWatcher::fileChanged, m_coalesceTimer, qOverload<>(&QTimer::start));
    connect(m_watcher, &QFileSystemWatcher::directoryChanged, m_coalesceTimer, qOverload<>(&QTimer::start));
    // Watchers miss appends on some file systems (network mounts): poll as well.
    m_pollTimer = new QTimer(this);
    m_pollTimer->setInterval(1000);
    connect(m_pollTimer, &QTimer::timeout, this, &TrainingPage::refreshNow);
    m_pollTimer->start();

    m_loadJob = new BackgroundJob(this);

    // The trainer runs on the worker's thread: a long-lived run driven by controls (pause, save,
    // stop), not a one-shot job, so it is not a BackgroundJob. The worker owns the training state.
    m_worker = new TrainingWorker(this);
    connect(m_worker, &TrainingWorker::started, this,
            [this](const QString& dir, qint64, qint64 startStep, const QString& device) {
                m_stateLabel->setText(tr("Training on %1").arg(device));
                if (QDir(dir) != QDir(runDir()) || !m_run)
                    openRun(dir);
                if (startStep > 0)
                    appendLog(QString(), QStringLiteral("INFO"), tr("Resumed after step %1").arg(startStep));
            });
    // The trainer's reports say when the run folder has news; the figures come from there.
    const auto refreshSoon = [this] {
        if (!m_coalesceTimer->isActive())
            m_coalesceTimer->start();
    };
    connect(m_worker, &TrainingWorker::stepDone, this, refreshSoon);
    connect(m_worker, &TrainingWorker::validationDone, this, refreshSoon);
    connect(m_worker, &TrainingWorker::logMessage, this, refreshSoon);
    connect(m_worker, &TrainingWorker::stateChanged, this, [this] {
        updateStateLabel();
        updateControls();
    });
    connect(m_worker, &TrainingWorker::checkpointSaved, this, [this] {
        refreshNow();
        Q_EMIT checkpointsChanged();
    });
    connect(m_worker, &TrainingWorker::finished, this, [this](bool stopped) {
        refreshNow();
        updateProgress(); // the live memory figures go
        m_stateLabel->setText(stopped ? tr("Stopped (saved)") : tr("Finished"));
        updateControls();
        Q_EMIT trainingStateChanged(false);
        Q_EMIT checkpointsChanged();
        if (m_closeWhenStopped)
            Q_EMIT readyToClose();
    });
    connect(m_worker, &TrainingWorker::failed, this, [this](const QString& message) {
        m_stateLabel->setText(tr("Failed"));
        m_extraLog << message;
        appendLog(QString(), QStringLiteral("ERROR"), message);
        refreshNow();
        updateControls();
        Q_EMIT trainingStateChanged(false);
        if (m_closeWhenStopped)
            Q_EMIT readyToClose();
        else
            QMessageBox::warning(this, tr("Training failed"), message);
    });
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
TrainingPage::~TrainingPage() = default;

void TrainingPage::buildToolbarActions()
{
    const auto make = [this](const QString& text, QStyle::StandardPixmap icon, const QKeySequence& key,
                             const QString& tip) {
        auto* action = new QAction(style()->standardIcon(icon), text, this);
        action->setShortcut(key);
        action->setToolTip(QStringLiteral("%1 (%2)").arg(tip, key.toString(QKeySequence::NativeText)));
        addAction(action);
        return action;
    };
    m_openAction = make(tr("&Open run folder…"), QStyle::SP_DirOpenIcon, QKeySequence(tr("Ctrl+R")),
                        tr("Open a run folder, live or finished"));
    m_compareAction = make(tr("&Compare with…"), QStyle::SP_FileDialogListView, QKeySequence(tr("Ctrl+Shift+R")),
                           tr("Overlay another run's curves"));
    m_startAction = make(tr("&Start"), QStyle::SP_MediaPlay, QKeySequence(tr("F5")),
                         tr("Train with the configuration page's settings"));
    m_pauseAction = make(tr("&Pause"), QStyle::SP_MediaPause, QKeySequence(tr("F6")),
                         tr("Pause training after the current step, or continue"));
    m_stopAction = make(tr("S&top"), QStyle::SP_MediaStop, QKeySequence(tr("Shift+F5")),
                        tr("Stop after the current step and save a checkpoint to resume from"));
    m_saveAction = make(tr("Save &now"), QStyle::SP_DialogSaveButton, QKeySequence(tr("Ctrl+Alt+S")),
                        tr("Save a checkpoint after the current step"));
    m_resumeAction = make(tr("&Resume"), QStyle::SP_MediaSeekForward, QKeySequence(tr("Ctrl+F5")),
                          tr("Continue this run exactly where its epoch_latest.pt left it"));
    m_fitAction = make(tr("Fit"), QStyle::SP_BrowserReload, QKeySequence(tr("Ctrl+0")),
                       tr("Show all data and follow new steps"));
    m_exportPngAction = make(tr("Charts as PNG…"), QStyle::SP_DialogSaveButton, QKeySequence(tr("Ctrl+E")),
                             tr("Export the charts as a PNG image"));
    m_exportPdfAction = make(tr("Charts as PDF…"), QStyle::SP_DialogSaveButton, QKeySequence(tr("Ctrl+Shift+E")),
                             tr("Export the charts as a PDF document"));
    m_exportCsvAction = make(tr("Metrics as CSV…"), QStyle::SP_DialogSaveButton, QKeySequence(tr("Ctrl+Alt+E")),
                             tr("Export every metric record as CSV"));
    m_openAction->setObjectName(QStringLiteral("openRunAction"));
    m_startAction->setObjectName(QStringLiteral("startAction"));
    m_stopAction->setObjectName(QStringLiteral("stopAction"));
    m_pauseAction->setObjectName(QStringLiteral("pauseAction"));
    m_saveAction->setObjectName(QStringLiteral("saveNowAction"));
    m_resumeAction->setObjectName(QStringLiteral("resumeAction"));

    connect(m_openAction, &QAction::triggered, this, [this] { chooseRun(false); });
    connect(m_compareAction, &QAction::triggered, this, [this] { chooseRun(true); });
    connect(m_startAction, &QAction::triggered, this, &TrainingPage::start);
    connect(m_pauseAction, &QAction::triggered, this, &TrainingPage::togglePause);
    connect(m_stopAction, &QAction::triggered, this, &TrainingPage::stop);
    connect(m_resumeAction, &QAction::triggered, this, [this] {
        const QString checkpoint = resumableCheckpoint();
        if (!checkpoint.isEmpty() && !m_worker->isRunning())
            Q_EMIT resumeRequested(checkpoint, QString::fromStdString(m_run->folder().configPath().string()));
    });
    connect(m_saveAction, &QAction::triggered, this, [this] {
        if (m_worker->isRunning()) {
            m_worker->requestSave();
            appendLog(QString(), QStringLiteral("INFO"),
                      m_worker->isPaused() ? tr("A checkpoint will be saved when training continues.")
                                           : tr("A checkpoint will be saved after this step."));
        }
    });
    connect(m_fitAction, &QAction::triggered, this, [this] {
        for (MetricChart* chart : m_charts)
            chart->fitAll();
    });
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
    connect(m_exportPngAction, &QAction::triggered, this, [this, exportTo] {
        exportTo(tr("PNG images (*.png)"), QStringLiteral(".png"),
                 [this](const QString& p, QString*) { return exportPng(p); });
    });
    connect(m_exportPdfAction, &QAction::triggered, this, [this, exportTo] {
        exportTo(tr("PDF documents (*.pdf)"), QStringLiteral(".pdf"),
                 [this](const QString& p, QString*) { return exportPdf(p); });
    });
    connect(m_exportCsvAction, &QAction::triggered, this, [this, exportTo] {
        exportTo(tr("CSV files (*.csv)"), QStringLiteral(".csv"),
                 [this](const QString& p, QString* e) { return exportCsv(p, e); });
    });
}

void TrainingPage::buildCharts()
{
    m_chartArea = new QWidget;
    m_chartArea->setObjectName(QStringLiteral("chartArea"));
    auto* grid = new QGridLayout(m_chartArea);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setSpacing(4);

    // Each source reads the current run at call time: opening another run
    // needs no rewiring.
    const auto main = [this](Table table, const char* column, bool smoothed = false) {
        return [this, table, column, smoothed]() -> SeriesView {
            return m_run ? m_run->series(table, column, m_byTime, smoothed) : SeriesView{};
        };
    };
    const auto other = [this](Table table, const char* column, bool smoothed = false) {
        return [this, table, column, smoothed]() -> SeriesView {
            return m_overlay ? m_overlay->series(table, column, m_byTime, smoothed) : SeriesView{};
        };
    };
    using Style = MetricChart::Style;

    m_lossChart = new MetricChart(tr("Loss"), tr("loss"));
    m_lossChart->addSeries(tr("train"), main(Table::Train, "loss"), penOf(kBlue.lighter(160), 1));
    m_lossChart->addSeries(tr("train (smoothed)"), main(Table::Train, "loss", true), penOf(kBlue, 2));
    m_lossChart->addSeries(tr("validation"), main(Table::Validation, "loss"), penOf(kRed), Style::Markers);
    m_overlaySeries[0] << m_lossChart->addSeries(tr("compared (smoothed)"), other(Table::Train, "loss", true),
                                                 penOf(kGrey, 2, Qt::DashLine))
                       << m_lossChart->addSeries(tr("compared validation"), other(Table::Validation, "loss"),
                                                 penOf(kGrey), Style::Markers);

    m_accuracyChart = new MetricChart(tr("Batch accuracy"), tr("accuracy"));
    m_accuracyChart->addSeries(tr("i2t"), main(Table::Train, "i2t", true), penOf(kGreen, 2));
    m_accuracyChart->addSeries(tr("t2i"), main(Table::Train, "t2i", true), penOf(kOrange, 2));
    m_accuracyChart->addSeries(tr("val i2t"), main(Table::Validation, "i2t"), penOf(kGreen.darker(140)),
                               Style::Markers);
    m_accuracyChart->addSeries(tr("val t2i"), main(Table::Validation, "t2i"), penOf(kOrange.darker(140)),
                               Style::Markers);
    m_overlaySeries[1] << m_accuracyChart->addSeries(tr("compared i2t"), other(Table::Train, "i2t", true),
                                                     penOf(kGreen.lighter(130), 1.5, Qt::DashLine))
                       << m_accuracyChart->addSeries(tr("compared t2i"), other(Table::Train, "t2i", true),
                                                     penOf(kOrange.lighter(130), 1.5, Qt::DashLine));

    // Accuracy rises towards the top right: keep the legend out of its way.
    m_accuracyChart->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignRight);

    m_lrChart = new MetricChart(tr("Learning rate"), tr("lr"));
    m_lrChart->addSeries(tr("lr"), main(Table::Train, "lr"), penOf(kPurple, 2));
    m_overlaySeries[2] << m_lrChart->addSeries(tr("compared lr"), other(Table::Train, "lr"),
                                               penOf(kGrey, 1.5, Qt::DashLine));

    m_scaleChart = new MetricChart(tr("Logit scale"), tr("logit scale"));
    m_scaleChart->addSeries(tr("logit scale"), main(Table::Train, "logit_scale"), penOf(kBrown, 2));
    m_overlaySeries[3] << m_scaleChart->addSeries(tr("compared"), other(Table::Train, "logit_scale"),
                                                  penOf(kGrey, 1.5, Qt::DashLine));

    m_speedChart = new MetricChart(tr("Throughput"), tr("samples/s"));
    m_speedChart->addSeries(tr("samples/s"), main(Table::Train, "samples_per_s"), penOf(kBlue, 1.5));
    m_overlaySeries[4] << m_speedChart->addSeries(tr("compared"), other(Table::Train, "samples_per_s"),
                                                  penOf(kGrey, 1.5, Qt::DashLine));

    m_timingChart = new MetricChart(tr("Step time"), tr("seconds"));
    m_timingChart->addSeries(tr("step"), main(Table::Train, "step_time_s"), penOf(kBlue, 1.5));
    m_timingChart->addSeries(tr("waiting for data"), main(Table::Train, "data_wait_s"), penOf(kRed, 1.5));

    m_recallChart = new RecallChart;
    m_recallChart->setRunSource([this] { return m_run.get(); }, [this] { return m_byTime; });
    m_evalChart = m_recallChart;
    m_evalChart->setVisible(false);

    m_charts = {m_lossChart, m_accuracyChart, m_lrChart, m_scaleChart, m_speedChart, m_timingChart, m_evalChart};
    const char* names[] = {"lossChart", "accuracyChart", "lrChart", "logitScaleChart",
                           "throughputChart", "stepTimeChart", "recallChart"};
    for (int i = 0; i < m_charts.size(); ++i) {
        MetricChart* chart = m_charts[i];
        chart->setObjectName(QLatin1String(names[i]));
        grid->addWidget(chart, i / 2, i % 2);
        for (int s : m_overlaySeries[i])
            chart->setSeriesPresent(s, false);
        // Zooming or panning one chart moves the others along.
        connect(chart, &MetricChart::keyRangeChangedByUser, this, [this, chart](const QCPRange& range) {
            for (MetricChart* otherChart : m_charts)
                if (otherChart != chart)
                    otherChart->setKeyRange(range);
        });
    }
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
    const QString start = settings.value(QStringLiteral("training/lastRunParent"), QDir::homePath()).toString();
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
    // A finished run may hold millions of steps: read it off the GUI thread.
    auto data = std::make_shared<RunData>(path);
    data->setSmoothing(m_smoothingSlider->value() / 100.0);
    // Latest wins: opening another run meanwhile drops this one.
    m_loadJob->run([data](const ProgressCallback&) { data->refresh(); }, [this, data] { installRun(data, false); },
                   [this, data](const QString& failure) {
                       appendLog(QString(), QStringLiteral("ERROR"), failure); // what could be read is shown
                       installRun(data, false);
                   });
    return true;
}

bool TrainingPage::openOverlay(const QString& dir, QString* error)
{
    if (dir.isEmpty()) {
        m_overlay.reset();
        for (int i = 0; i < m_charts.size(); ++i)
            for (int s : m_overlaySeries[i])
                m_charts[i]->setSeriesPresent(s, false);
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
        m_logShown = 0;
        m_extraLog.clear();
        m_logView->clear();
        QSettings().setValue(QStringLiteral("training/lastRun"), runDir());
        watchRun();
    }
    for (int i = 0; i < m_charts.size(); ++i)
        for (int s : m_overlaySeries[i])
            m_charts[i]->setSeriesPresent(s, m_overlay != nullptr);
    for (MetricChart* chart : m_charts)
        chart->fitAll();
    applyUpdate(true);
    if (!overlay) {
        Q_EMIT runChanged(runDir());
        Q_EMIT runLoaded(runDir());
        Q_EMIT checkpointsChanged();
    }
}

void TrainingPage::watchRun()
{
    if (!m_watcher->files().isEmpty())
        m_watcher->removePaths(m_watcher->files());
    if (!m_watcher->directories().isEmpty())
        m_watcher->removePaths(m_watcher->directories());
    if (!m_run)
        return;
    const auto& folder = m_run->folder();
    QStringList paths = {QString::fromStdString(folder.dir().string())};
    for (const auto& file : {folder.metricsPath(), folder.logPath(), folder.checkpointsDir()})
        if (std::filesystem::exists(file))
            paths << QString::fromStdString(file.string());
    m_watcher->addPaths(paths);
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
        m_stateLabel->setText(tr("Cannot read the run"));
        m_stateLabel->setToolTip(QString::fromStdString(e.what()));
        return;
    }
    // New files (metrics.jsonl, checkpoints/) appear after the run starts.
    if (m_watcher->files().size() + m_watcher->directories().size() < 4)
        watchRun();
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
    updateEvalChart();
    for (MetricChart* chart : m_charts) {
        if (structural)
            chart->fitAll();
        else
            chart->dataChanged();
    }
    // Elapsed time needs "time" in the records; offer it only then.
    const bool timeAvailable = m_run && m_run->hasTime();
    m_xAxisCombo->setEnabled(timeAvailable || m_byTime);
    updateProgress();
    updateLogPane(false);
    updateControls();
}

void TrainingPage::updateEvalChart()
{
    if (!m_run)
        return;
    const auto& table = m_run->table(Table::Evaluation);
    static const QStringList skipped = {QStringLiteral("step"), QStringLiteral("epoch"), QStringLiteral("time"),
                                        QStringLiteral("seconds"), QStringLiteral("num_samples")};
    static const QColor colors[] = {kBlue, kOrange, kGreen, kRed, kPurple, kBrown, kGrey};
    for (const std::string& name : table.names()) {
        const QString column = QString::fromStdString(name);
        if (skipped.contains(column) || m_evalColumns.contains(column) || RecallChart::isRecallColumn(column))
            continue;
        const QColor color = colors[m_evalColumns.size() % 7];
        m_evalColumns << column;
        m_evalChart->addSeries(column,
                               [this, name]() -> SeriesView {
                                   return m_run ? m_run->series(Table::Evaluation, name, m_byTime) : SeriesView{};
                               },
                               penOf(color, 1.5));
        m_evalChart->seriesGraph(m_evalChart->seriesCount() - 1)
            ->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, color, color, 6));
    }
    m_evalChart->setVisible(table.rows() > 0 || m_recallChart->hasPoints());
}

void TrainingPage::updateProgress()
{
    if (!m_run)
        return;
    const auto& folder = m_run->folder();
    const auto& train = folder.train();
    m_runLabel->setText(tr("Run: %1%2")
                            .arg(runDir(), m_overlay ? tr("   compared with: %1").arg(overlayDir()) : QString()));
    m_runLabel->setToolTip(m_runLabel->text());
    const size_t rows = train.rows();
    const int64_t maxSteps = folder.maxSteps();
    const double step = rows ? train.value("step", rows - 1) : 0;
    const int64_t lastStep = std::isfinite(step) ? static_cast<int64_t>(step) : 0;
    m_progress->setRange(0, static_cast<int>(std::max<int64_t>(1, std::max(maxSteps, lastStep))));
    m_progress->setValue(static_cast<int>(lastStep));
    m_progress->setFormat(maxSteps > 0 ? tr("step %1 of %2").arg(lastStep).arg(maxSteps) : tr("step %1").arg(lastStep));
    const double epoch = rows ? train.value("epoch", rows - 1) : NAN;
    m_epochLabel->setText(std::isfinite(epoch) ? tr("epoch %1").arg(static_cast<qint64>(epoch)) : tr("epoch —"));

    constexpr size_t kWindow = 50;
    const double samples = recentMean(train.column("samples_per_s"), 20);
    m_speedLabel->setText(std::isfinite(samples) ? tr("%1 samples/s").arg(samples, 0, 'f', 1) : tr("— samples/s"));

    // Seconds per step over the recent window, from wall time when recorded.
    double secondsPerStep = NAN;
    const auto* times = train.column("time");
    const auto* steps = train.column("step");
    if (times && steps && rows >= 2) {
        const size_t first = rows - std::min(rows, kWindow + 1);
        const double dt = (*times)[rows - 1] - (*times)[first];
        const double ds = (*steps)[rows - 1] - (*steps)[first];
        if (std::isfinite(dt) && ds > 0)
            secondsPerStep = dt / ds;
    }
    if (!std::isfinite(secondsPerStep))
        secondsPerStep = recentMean(train.column("step_time_s"), kWindow);
    const bool done = maxSteps > 0 && lastStep >= maxSteps;
    if (done)
        m_etaLabel->setText(tr("done"));
    else if (maxSteps > 0 && std::isfinite(secondsPerStep))
        m_etaLabel->setText(tr("ETA %1").arg(formatDuration(secondsPerStep * (maxSteps - lastStep))));
    else
        m_etaLabel->setText(tr("ETA —"));

    const double wait = recentSum(train.column("data_wait_s"), kWindow);
    const double total = recentSum(train.column("step_time_s"), kWindow);
    if (std::isfinite(wait) && std::isfinite(total) && total > 0)
        m_waitLabel->setText(tr("data wait %1%").arg(100.0 * wait / total, 0, 'f', 0));
    else
        m_waitLabel->setText(tr("data wait —"));
    m_waitLabel->setToolTip(tr("Share of the step time spent waiting for the data loader (last %1 steps)").arg(kWindow));

    // Live figures while this process trains; otherwise what the run recorded.
    QStringList memory;
    QStringList tips;
    const QString trainingDevice = m_worker->device();
    if (m_worker->isRunning()) {
        if (trainingDevice.startsWith(QLatin1String("cuda"))) {
            const int index = trainingDevice.section(QLatin1Char(':'), 1).toInt();
            const DeviceMemory device = cudaDeviceMemory(index);
            if (device.available) {
                memory << tr("GPU %1 / %2 MiB").arg(device.usedBytes >> 20).arg(device.totalBytes >> 20);
                tips << tr("Memory in use on %1 (%2), by every process").arg(trainingDevice, device.name);
            } else {
                memory << tr("GPU memory unknown");
                tips << tr("The NVIDIA management library (libnvidia-ml) is not available to read %1's memory.")
                            .arg(trainingDevice);
            }
        } else if (!trainingDevice.isEmpty()) {
            memory << tr("%1, no GPU").arg(trainingDevice.toUpper());
            tips << tr("Training runs on the CPU: the model lives in the process memory.");
        }
        const qint64 rss = processResidentBytes();
        if (rss >= 0) {
            memory << tr("process %1 MiB").arg(rss >> 20);
            tips << tr("Resident memory of clipwb (model, optimizer, data loader and the workbench)");
        }
    }
    for (const std::string& name : train.names()) {
        const QString column = QString::fromStdString(name);
        if (!column.contains(QLatin1String("mem")))
            continue;
        const double value = train.value(name, rows - 1);
        if (!std::isfinite(value))
            continue;
        QString label = column;
        label.replace(QLatin1Char('_'), QLatin1Char(' '));
        memory << QStringLiteral("%1 %2").arg(label).arg(value, 0, 'f', value < 100 ? 2 : 0);
    }
    m_memoryLabel->setText(memory.isEmpty() ? tr("memory —") : memory.join(QStringLiteral(" · ")));
    m_memoryLabel->setToolTip(memory.isEmpty() ? tr("Memory is shown while this window trains.")
                                               : tips.join(QLatin1Char('\n')));
    if (!m_worker->isRunning() && rows > 0)
        m_stateLabel->setText(done ? tr("Finished") : tr("Following"));
}

void TrainingPage::appendLog(const QString& time, const QString& level, const QString& text)
{
    if (levelRank(level) < m_logLevelCombo->currentIndex())
        return;
    m_logView->appendPlainText(
        QStringLiteral("%1%2 %3").arg(time.isEmpty() ? QString() : time + QLatin1Char(' '), level.leftJustified(7), text));
}

void TrainingPage::updateLogPane(bool rebuild)
{
    if (!m_run)
        return;
    const auto& log = m_run->folder().log();
    if (rebuild || m_logShown > log.size()) {
        m_logView->clear();
        m_logShown = 0;
        for (const QString& message : m_extraLog)
            appendLog(QString(), QStringLiteral("ERROR"), message);
    }
    for (; m_logShown < log.size(); ++m_logShown) {
        const auto& line = log[m_logShown];
        appendLog(QString::fromStdString(line.time), QString::fromStdString(line.level),
                  QString::fromStdString(line.text));
    }
}

void TrainingPage::setTimeAxis(bool byTime)
{
    m_byTime = byTime;
    if (m_xAxisCombo->currentIndex() != (byTime ? 1 : 0))
        m_xAxisCombo->setCurrentIndex(byTime ? 1 : 0);
    for (MetricChart* chart : m_charts)
        chart->setTimeAxis(byTime);
}

void TrainingPage::setLogScale(bool logarithmic)
{
    if (m_logCheck->isChecked() != logarithmic)
        m_logCheck->setChecked(logarithmic);
    // Loss and learning rate span decades; the other charts stay linear.
    m_lossChart->setLogScale(logarithmic);
    m_lrChart->setLogScale(logarithmic);
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
    for (MetricChart* chart : m_charts)
        chart->dataChanged();
}

bool TrainingPage::exportPng(const QString& path)
{
    return m_chartArea->grab().save(path, "PNG");
}

bool TrainingPage::exportPdf(const QString& path)
{
    QPdfWriter writer(path);
    writer.setCreator(QStringLiteral("clipwb"));
    writer.setTitle(m_run ? QFileInfo(runDir()).fileName() : tr("Training"));
    writer.setPageSize(QPageSize(QSizeF(m_chartArea->width(), m_chartArea->height()), QPageSize::Point));
    writer.setPageMargins(QMarginsF(0, 0, 0, 0));
    writer.setResolution(72);
    QPainter painter;
    if (!painter.begin(&writer))
        return false;
    m_chartArea->render(&painter);
    return painter.end();
}

bool TrainingPage::exportCsv(const QString& path, QString* error)
{
    if (!m_run) {
        if (error)
            *error = tr("No run is open.");
        return false;
    }
    // One table: a "type" column, then the union of every record's keys.
    std::vector<std::string> columns;
    const Table tables[] = {Table::Train, Table::Validation, Table::Evaluation};
    const char* typeNames[] = {"train", "val", "eval"};
    for (Table t : tables)
        for (const std::string& name : m_run->table(t).names())
            if (std::find(columns.begin(), columns.end(), name) == columns.end())
                columns.push_back(name);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) {
        if (error)
            *error = tr("Cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    std::string text = "type";
    for (const std::string& name : columns)
        (text += ',') += name;
    text += '\n';
    char number[40];
    for (int t = 0; t < 3; ++t) {
        const auto& table = m_run->table(tables[t]);
        std::vector<const std::vector<double>*> sources;
        for (const std::string& name : columns)
            sources.push_back(table.column(name));
        for (size_t row = 0; row < table.rows(); ++row) {
            text += typeNames[t];
            for (const auto* source : sources) {
                text += ',';
                if (source && std::isfinite((*source)[row])) {
                    std::snprintf(number, sizeof number, "%.10g", (*source)[row]);
                    text += number;
                }
            }
            text += '\n';
        }
        if (text.size() > (8u << 20)) {
            file.write(text.data(), static_cast<qint64>(text.size()));
            text.clear();
        }
    }
    file.write(text.data(), static_cast<qint64>(text.size()));
    if (!file.commit()) {
        if (error)
            *error = tr("Cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

bool TrainingPage::isTraining() const
{
    return m_worker->isRunning();
}

bool TrainingPage::startTraining(const config::TrainConfig& config)
{
    if (!m_worker->start(config))
        return false;
    m_closeWhenStopped = false;
    m_stateLabel->setText(tr("Starting…"));
    m_extraLog.clear();
    // The run folder is known from the config: show it while the model loads.
    const QString dir = QDir(QString::fromStdString(config.logs)).filePath(QString::fromStdString(config.name));
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
        QMessageBox::information(this, tr("Training"), tr("Set up a configuration on the Configuration page first."));
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

namespace {

/// True when dir's metrics reach the planned last step: restarting would resume and end at once.
bool runHasFinished(const std::filesystem::path& dir)
{
    if (!std::filesystem::exists(dir / "checkpoints" / "epoch_latest.pt"))
        return false;
    try {
        run::RunFolder folder(dir);
        folder.refresh();
        const auto& rows = folder.train();
        if (folder.maxSteps() <= 0 || rows.rows() == 0)
            return false;
        const double step = rows.value("step", rows.rows() - 1);
        return std::isfinite(step) && step >= double(folder.maxSteps());
    } catch (const std::exception&) {
        return false; // an unreadable folder is reported when the trainer opens it
    }
}

} // namespace

bool TrainingPage::offerNewRunIfFinished(config::TrainConfig& config)
{
    const std::filesystem::path logs(config.logs);
    if (!runHasFinished(logs / config.name))
        return true;
    std::string fresh;
    for (int n = 2;; ++n) {
        fresh = config.name + "-" + std::to_string(n);
        if (!std::filesystem::exists(logs / fresh))
            break;
    }
    QMessageBox box(QMessageBox::Question, tr("The run has finished"),
                    tr("The run “%1” has already trained all its steps: starting it again would resume from its "
                       "last checkpoint and end at once.\n\nStart a new run “%2” with this configuration from "
                       "the beginning?")
                        .arg(QString::fromStdString(config.name), QString::fromStdString(fresh)),
                    QMessageBox::NoButton, this);
    box.setObjectName(QStringLiteral("finishedRunBox"));
    QPushButton* newRun = box.addButton(tr("Start “%1”").arg(QString::fromStdString(fresh)), QMessageBox::AcceptRole);
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
    appendLog(QString(), QStringLiteral("INFO"),
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
    if (m_worker->isStopping())
        m_stateLabel->setText(m_closeWhenStopped ? tr("Stopping: the window closes once the checkpoint is saved…")
                                                 : tr("Stopping after this step…"));
    else if (m_worker->isPaused())
        m_stateLabel->setText(
            m_worker->isSavePending()
                ? tr("Paused: the checkpoint is saved when training continues (%1)")
                      .arg(m_pauseAction->shortcut().toString(QKeySequence::NativeText))
                : tr("Paused (Continue with %1)").arg(m_pauseAction->shortcut().toString(QKeySequence::NativeText)));
    else
        m_stateLabel->setText(device.isEmpty() ? tr("Starting…") : tr("Training on %1").arg(device));
}

void TrainingPage::stop()
{
    if (!m_worker->isRunning() || m_worker->isStopping())
        return;
    m_worker->requestStop();
    appendLog(QString(), QStringLiteral("INFO"), tr("Stopping: a checkpoint to resume from will be saved."));
    updateControls();
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
        m_stateLabel->setText(m_worker->isStopping() ? tr("Stopping: the window closes once the checkpoint is saved…")
                                         : tr("Training: the window closes when it finishes…"));
        return false;
    }
    QMessageBox box(QMessageBox::Question, tr("Training is running"),
                    tr("Training is running. What should happen to it?"), QMessageBox::NoButton, this);
    box.setObjectName(QStringLiteral("closeDuringTrainingBox"));
    box.setInformativeText(tr("<b>Stop and save</b> finishes the current step, saves epoch_latest.pt (Resume "
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
        m_stateLabel->setText(tr("Training: the window closes when it finishes…"));
        appendLog(QString(), QStringLiteral("INFO"), tr("The window will close when training finishes."));
    }
    return false;
}

void TrainingPage::updateControls()
{
    const bool training = m_worker->isRunning();
    const bool stopping = m_worker->isStopping();
    const bool paused = m_worker->isPaused();
    m_startAction->setEnabled(!training);
    m_pauseAction->setEnabled(training && !stopping);
    m_pauseAction->setText(paused ? tr("&Continue") : tr("&Pause"));
    m_pauseAction->setIcon(style()->standardIcon(paused ? QStyle::SP_MediaPlay : QStyle::SP_MediaPause));
    m_stopAction->setEnabled(training && !stopping);
    m_saveAction->setEnabled(training && !stopping);
    const QString resumable = resumableCheckpoint();
    // A run followed live while another process (a clipwb-cli on a server, a second window) trains it.
    const bool trainedElsewhere = !training && m_run && run::RunLock::isHeld(m_run->folder().dir());
    m_resumeAction->setEnabled(!training && !trainedElsewhere && !resumable.isEmpty());
    const QString key = m_resumeAction->shortcut().toString(QKeySequence::NativeText);
    if (training)
        m_resumeAction->setToolTip(tr("Training is running (%1)").arg(key));
    else if (trainedElsewhere)
        m_resumeAction->setToolTip(
            tr("Another process is training this run now: the dashboard follows it (%1)").arg(key));
    else if (!m_run)
        m_resumeAction->setToolTip(tr("Open or train a run first: Resume continues its epoch_latest.pt (%1)").arg(key));
    else if (resumable.isEmpty())
        m_resumeAction->setToolTip(
            tr("Nothing to resume: this run has no epoch_latest.pt or it has finished (%1)").arg(key));
    else
        m_resumeAction->setToolTip(tr("Continue this run exactly where %1 left it (%2)").arg(resumable, key));
}

} // namespace clipwb::ui
