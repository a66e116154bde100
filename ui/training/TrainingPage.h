#pragma once
// The training dashboard: live charts of a run folder (opened, or being
// trained in this process), progress, the run's log, and the controls that
// drive the Trainer on a worker thread.
#include "config/TrainConfig.h"

#include <QPointer>
#include <QWidget>

#include <functional>
#include <memory>
#include <optional>

class QAction;
class QCheckBox;
class QComboBox;
class QFileSystemWatcher;
class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QSlider;
class QTimer;

namespace clipwb::ui {

class MetricChart;
class RecallChart;
class BackgroundJob;
class RunData;
class TrainingWorker;

class TrainingPage : public QWidget {
    Q_OBJECT
public:
    explicit TrainingPage(QWidget* parent = nullptr);
    ~TrainingPage() override;

    /// Where Start takes its config from (the configuration page); returns
    /// nullopt and fills error when the config is not valid.
    using ConfigProvider = std::function<std::optional<config::TrainConfig>(QString* error)>;
    void setConfigProvider(ConfigProvider provider) { m_configProvider = std::move(provider); }

    /// Opens a run folder (live or finished) and follows it. Loading happens in
    /// the background; runLoaded() follows. False (and error) when dir is no run folder.
    bool openRun(const QString& dir, QString* error = nullptr);
    /// Overlays another run's curves (dashed) to compare; empty closes the overlay.
    bool openOverlay(const QString& dir, QString* error = nullptr);
    QString runDir() const;
    QString overlayDir() const;
    bool hasRun() const { return m_run != nullptr; }
    const RunData* run() const { return m_run.get(); }
    /// Reads what changed in the run folders now (the timer and the watcher do it too).
    void refreshNow();

    QList<MetricChart*> charts() const { return m_charts; }
    /// R@1/5/10 against the step (validation records, else evaluated checkpoints).
    RecallChart* recallChart() const { return m_recallChart; }
    void setTimeAxis(bool byTime);
    void setLogScale(bool logarithmic);
    void setSmoothing(int percent);

    bool exportPng(const QString& path);
    bool exportPdf(const QString& path);
    bool exportCsv(const QString& path, QString* error = nullptr);

    /// Training in this process.
    bool isTraining() const;
    bool startTraining(const config::TrainConfig& config);
    /// Starts training with the config provider's config (the Start action).
    void start();
    /// Asks what to do when the window closes during training: stop and save
    /// (readyToClose() follows the saved stop), keep training and close when it
    /// finishes, or cancel. True only when nothing is training (close now).
    bool confirmClose();
    /// Whether the window will close once training has stopped.
    bool closesWhenStopped() const { return m_closeWhenStopped; }
    /// The run's checkpoints/epoch_latest.pt when it exists and the run is not finished.
    QString resumableCheckpoint() const;

    QAction* openRunAction() const { return m_openAction; }
    QAction* compareAction() const { return m_compareAction; }
    QAction* startAction() const { return m_startAction; }
    QAction* pauseAction() const { return m_pauseAction; }
    QAction* stopAction() const { return m_stopAction; }
    QAction* saveNowAction() const { return m_saveAction; }
    QAction* resumeAction() const { return m_resumeAction; }

Q_SIGNALS:
    void runLoaded(const QString& dir);
    void runChanged(const QString& dir);
    void checkpointsChanged();
    void trainingStateChanged(bool running);
    void readyToClose();
    /// Resume Latest: continue the run from checkpoint with the run's own config.
    void resumeRequested(const QString& checkpoint, const QString& runConfig);

private:
    /// When config's run folder has finished, asks whether to train a new run
    /// "{name}-N" (renames config), resume anyway, or cancel (false).
    bool offerNewRunIfFinished(config::TrainConfig& config);
    void buildCharts();
    void buildToolbarActions();
    void installRun(std::shared_ptr<RunData> data, bool overlay);
    void applyUpdate(bool structural);
    void updateProgress();
    void updateLogPane(bool rebuild);
    void appendLog(const QString& time, const QString& level, const QString& text);
    void updateEvalChart();
    void updateControls();
    void watchRun();
    void chooseRun(bool overlay);
    void togglePause();
    void updateStateLabel();
    void stop();

    std::shared_ptr<RunData> m_run;
    std::shared_ptr<RunData> m_overlay;
    QString m_loadingDir;
    ConfigProvider m_configProvider;
    bool m_byTime = false;
    size_t m_logShown = 0;
    QStringList m_extraLog; ///< worker messages not in train.log (e.g. a failure before the run folder exists)
    QStringList m_evalColumns;

    QList<MetricChart*> m_charts;
    MetricChart* m_lossChart = nullptr;
    MetricChart* m_accuracyChart = nullptr;
    MetricChart* m_lrChart = nullptr;
    MetricChart* m_scaleChart = nullptr;
    MetricChart* m_speedChart = nullptr;
    MetricChart* m_timingChart = nullptr;
    MetricChart* m_evalChart = nullptr;
    RecallChart* m_recallChart = nullptr;
    QList<int> m_overlaySeries[7];
    QWidget* m_chartArea = nullptr;

    QLabel* m_runLabel = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_epochLabel = nullptr;
    QLabel* m_etaLabel = nullptr;
    QLabel* m_speedLabel = nullptr;
    QLabel* m_waitLabel = nullptr;
    QLabel* m_memoryLabel = nullptr;
    QLabel* m_stateLabel = nullptr;
    QComboBox* m_xAxisCombo = nullptr;
    QCheckBox* m_logCheck = nullptr;
    QSlider* m_smoothingSlider = nullptr;
    QLabel* m_smoothingLabel = nullptr;
    QComboBox* m_logLevelCombo = nullptr;
    QPlainTextEdit* m_logView = nullptr;

    QAction* m_openAction = nullptr;
    QAction* m_compareAction = nullptr;
    QAction* m_startAction = nullptr;
    QAction* m_pauseAction = nullptr;
    QAction* m_stopAction = nullptr;
    QAction* m_saveAction = nullptr;
    QAction* m_resumeAction = nullptr;
    QAction* m_exportPngAction = nullptr;
    QAction* m_exportPdfAction = nullptr;
    QAction* m_exportCsvAction = nullptr;
    QAction* m_fitAction = nullptr;

    QFileSystemWatcher* m_watcher = nullptr;
    QTimer* m_pollTimer = nullptr;
    QTimer* m_coalesceTimer = nullptr;

    BackgroundJob* m_loadJob = nullptr; ///< reads a run folder off the GUI thread
    TrainingWorker* m_worker = nullptr;  ///< owns the training state (running, paused, stopping, device)
    bool m_closeWhenStopped = false;     ///< the close policy: the window closes when training ends
};

} // namespace clipwb::ui
