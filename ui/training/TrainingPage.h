#pragma once
// The training dashboard: live charts of a run folder (opened, or being
// trained in this process), progress, the run's log, and the controls that
// drive the Trainer on a worker thread. The page wires its parts together:
// TrainingActions (controls), TrainingCharts, RunProgressRow, RunLogPane,
// RunFolderWatcher, RunExport and TrainingWorker (the trainer and its state);
// what is left here is opening runs and the close policy.
#include "config/TrainConfig.h"
#include "dist/RankLauncher.h"

#include <QWidget>

#include <functional>
#include <memory>
#include <optional>

class QAction;
class QCheckBox;
class QComboBox;
class QLabel;
class QSlider;

namespace clipwb::ui {

class BackgroundJob;
class MetricChart;
class RecallChart;
class RunData;
class RunFolderWatcher;
class RunLogPane;
class RunProgressRow;
class TrainingActions;
class TrainingCharts;
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
    /// How Start and Resume launch (processes on this machine, machines); unset: one process.
    using LaunchProvider = std::function<dist::LaunchOptions()>;
    void setLaunchProvider(LaunchProvider provider) { m_launchProvider = std::move(provider); }

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

    QList<MetricChart*> charts() const;
    /// R@1/5/10 against the step (validation records, else evaluated checkpoints).
    RecallChart* recallChart() const;
    void setTimeAxis(bool byTime);
    void setLogScale(bool logarithmic);
    void setSmoothing(int percent);

    bool exportPng(const QString& path);
    bool exportPdf(const QString& path);
    bool exportCsv(const QString& path, QString* error = nullptr);

    /// Training started here (in this process, or as ranks it launched).
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

    /// The dashboard's actions; the menu bar shows them too.
    QAction* openRunAction() const;
    QAction* compareAction() const;
    QAction* startAction() const;
    QAction* pauseAction() const;
    QAction* stopAction() const;
    QAction* saveNowAction() const;
    QAction* resumeAction() const;

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
    QWidget* buildViewBar();
    void connectActions();
    void connectWorker();
    void installRun(std::shared_ptr<RunData> data, bool overlay);
    void applyUpdate(bool structural);
    void updateProgress();
    void updateControls();
    void chooseRun(bool overlay);
    void togglePause();
    void updateStateLabel();
    /// "Training on cpu", "Training on cpu, 2 ranks", ...
    QString trainingText() const;
    void stop();

    std::shared_ptr<RunData> m_run;
    std::shared_ptr<RunData> m_overlay;
    QString m_loadingDir;
    ConfigProvider m_configProvider;
    LaunchProvider m_launchProvider;

    TrainingActions* m_actions = nullptr;
    TrainingCharts* m_charts = nullptr;
    RunProgressRow* m_progressRow = nullptr;
    RunLogPane* m_logPane = nullptr;
    RunFolderWatcher* m_folderWatcher = nullptr;
    QLabel* m_runLabel = nullptr;
    QComboBox* m_xAxisCombo = nullptr;
    QCheckBox* m_logCheck = nullptr;
    QSlider* m_smoothingSlider = nullptr;
    QLabel* m_smoothingLabel = nullptr;

    BackgroundJob* m_loadJob = nullptr; ///< reads a run folder off the GUI thread
    TrainingWorker* m_worker = nullptr;  ///< owns the training state (running, paused, stopping, device)
    bool m_closeWhenStopped = false;     ///< the close policy: the window closes when training ends
};

} // namespace clipwb::ui
