#pragma once
// Runs a Trainer on a thread of its own for the dashboard, and is the one owner
// of the training state the GUI shows: running, paused, stopping, the device,
// the last step the trainer reported. It lives on the GUI thread: its controls
// never block (a pause or stop asked for before the trainer exists is applied
// as soon as it does), and the TrainerObserver callbacks, called on the
// training thread, come back as signals on the GUI thread. The charts still
// read the run folder, the single source of truth; the signals say when.
// Several processes (data-parallel ranks) run as `clipwb-cli train
// --nproc-per-node N` children (RankProcesses) behind the same interface.
#include "config/TrainConfig.h"
#include "dist/RankLauncher.h"

#include <QObject>
#include <QString>

#include <memory>

class QThread;

namespace clipwb::ui {

class RankProcesses;

class TrainingWorker : public QObject {
    Q_OBJECT
public:
    /// The trainer's latest step report (stepDone).
    struct StepReport {
        qint64 step = 0;
        qint64 maxSteps = 0;
        double loss = 0;
        double samplesPerSecond = 0;
        double etaSeconds = -1; ///< < 0: unknown
    };

    explicit TrainingWorker(QObject* parent = nullptr);
    /// Asks a running trainer to stop (it saves epoch_latest.pt) and waits for it.
    ~TrainingWorker() override;

    /// Starts training config on the training thread; false while a run is in progress.
    /// With launch.nprocPerNode > 1 or launch.nnodes > 1 the ranks run as processes
    /// started by clipwb-cli's launcher instead (this machine is launch.nodeRank).
    bool start(const clipwb::config::TrainConfig& config, const dist::LaunchOptions& launch = {});
    /// From start() until finished or failed was emitted.
    bool isRunning() const { return m_running; }
    bool isPaused() const { return m_paused; }
    /// Stop was asked for; the trainer finishes the step and saves.
    bool isStopping() const { return m_stopping; }
    /// A checkpoint was asked for while paused: it is written when training continues.
    bool isSavePending() const { return m_savePending; }
    /// "cpu", "cuda:0", ... once the trainer started; empty before.
    QString device() const { return m_device; }
    /// Ranks of the run in progress (all machines; 1 without data parallelism), known
    /// once it started; processes() of them run on this machine.
    int worldSize() const { return m_worldSize; }
    int processes() const { return m_processes; }
    /// The run folder of the latest run started here, also once it ended; empty before.
    QString runDir() const { return m_runDir; }
    /// The latest step report of this run (step 0 before the first).
    const StepReport& lastStep() const { return m_lastStep; }

public Q_SLOTS:
    void requestStop();
    void pause();
    void resume();
    void requestSave();

Q_SIGNALS:
    void started(const QString& runDir, qint64 maxSteps, qint64 startStep, const QString& device);
    void stepDone(qint64 step, qint64 maxSteps, double loss, double samplesPerSecond, double etaSeconds);
    void validationDone(qint64 step, double loss, double i2t, double t2i);
    void checkpointSaved(const QString& path, qint64 epoch, qint64 step);
    void logMessage(int level, const QString& text); ///< 0 info, 1 warning, 2 error
    /// A line the ranks other than 0 or the launcher wrote (train.log has rank 0's); level as logMessage.
    void rankOutput(int level, const QString& text);
    /// The state (paused, stopping) changed through a control.
    void stateChanged();
    void finished(bool stopped);
    void failed(const QString& message);

private:
    class Observer;
    struct Shared;
    /// Ends the run on the GUI thread: joins the thread, clears the state.
    void endRun();
    /// Pauses or continues the trainer thread or the ranks (state checks done by the caller).
    void setPaused(bool paused);
    bool startProcesses(const clipwb::config::TrainConfig& config, const dist::LaunchOptions& launch);
    void processesEnded(int exitCode, const QString& failure);

    std::shared_ptr<Shared> m_shared; ///< with the training thread
    QThread* m_thread = nullptr;
    std::unique_ptr<Observer> m_processObserver; ///< rank 0's events of a multi-process run
    RankProcesses* m_ranks = nullptr;
    bool m_running = false;
    bool m_paused = false;
    bool m_stopping = false;
    bool m_savePending = false;
    QString m_device;
    int m_worldSize = 1;
    int m_processes = 1;
    QString m_runDir;
    StepReport m_lastStep;
};

} // namespace clipwb::ui
