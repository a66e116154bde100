#include "ui/training/TrainingWorker.h"

#include "common/SignalDispatcher.h"
#include "train/Trainer.h"
#include "ui/training/RankProcesses.h"

#include <QMetaObject>
#include <QThread>

#include <algorithm>
#include <csignal>
#include <exception>
#include <mutex>

namespace clipwb::ui {

/// What the GUI thread and the training thread share: the trainer while it
/// exists, and the controls asked for before it did.
struct TrainingWorker::Shared {
    std::mutex mutex;
    train::Trainer* trainer = nullptr;
    bool stop = false;
    bool pause = false;
};

/// On the training thread: hands every callback to the worker on the GUI thread.
class TrainingWorker::Observer : public train::TrainerObserver {
public:
    explicit Observer(TrainingWorker* worker) : m_worker(worker) {}

    template <typename Function> void post(Function function)
    {
        TrainingWorker* worker = m_worker;
        // The worker outlives the thread (its destructor joins it).
        QMetaObject::invokeMethod(
            worker, [worker, function] { function(*worker); }, Qt::QueuedConnection);
    }

    void onStarted(const train::RunInfo& info) override
    {
        const QString dir = QString::fromStdString(info.runDir.string());
        const QString device = QString::fromStdString(info.device);
        const qint64 maxSteps = info.maxSteps, startStep = info.startStep;
        const int worldSize = int(info.worldSize);
        post([dir, device, maxSteps, startStep, worldSize](TrainingWorker& w) {
            w.m_device = device;
            w.m_worldSize = worldSize;
            w.m_runDir = dir;
            w.m_lastStep = StepReport{startStep, maxSteps, 0, 0, -1};
            Q_EMIT w.started(dir, maxSteps, startStep, device);
        });
    }
    void onStep(const train::StepMetrics& m) override
    {
        const StepReport report{m.step, m.maxSteps, m.loss, m.samplesPerSecond, m.etaSeconds};
        post([report](TrainingWorker& w) {
            w.m_lastStep = report;
            Q_EMIT w.stepDone(report.step, report.maxSteps, report.loss, report.samplesPerSecond,
                              report.etaSeconds);
        });
    }
    void onValidation(const train::ValidationMetrics& m) override
    {
        const qint64 step = m.step;
        const double loss = m.loss, i2t = m.i2t, t2i = m.t2i;
        post([step, loss, i2t, t2i](TrainingWorker& w) { Q_EMIT w.validationDone(step, loss, i2t, t2i); });
    }
    void onCheckpointSaved(const std::filesystem::path& path, int64_t epoch, int64_t step) override
    {
        const QString file = QString::fromStdString(path.string());
        post([file, epoch, step](TrainingWorker& w) {
            w.m_savePending = false;
            Q_EMIT w.checkpointSaved(file, epoch, step);
        });
    }
    void onLog(train::LogLevel level, const std::string& text) override
    {
        const int value = level == train::LogLevel::Info ? 0 : level == train::LogLevel::Warning ? 1 : 2;
        const QString line = QString::fromStdString(text);
        post([value, line](TrainingWorker& w) { Q_EMIT w.logMessage(value, line); });
    }
    void onFinished(bool stopped) override { m_stopped = stopped; }
    void onFailed(const std::string& message) override { m_failure = message; }

    bool m_stopped = false;
    std::string m_failure;

private:
    TrainingWorker* m_worker;
};

TrainingWorker::TrainingWorker(QObject* parent) : QObject(parent)
{
}

TrainingWorker::~TrainingWorker()
{
    // Owners are being destroyed around us (the page's members may already be gone):
    // stop quietly, no state signal to half-destroyed receivers.
    blockSignals(true);
    // The ranks get SIGTERM: they finish the step, save and end (RankProcesses waits for them).
    delete m_ranks;
    m_ranks = nullptr;
    if (!m_thread)
        return;
    requestStop();
    m_thread->wait();
    delete m_thread;
}

bool TrainingWorker::start(const clipwb::config::TrainConfig& config, const dist::LaunchOptions& launch)
{
    if (m_running)
        return false;
    m_running = true;
    m_paused = m_stopping = m_savePending = false;
    m_device.clear();
    m_lastStep = StepReport{};
    m_processes = std::max(1, launch.nprocPerNode);
    m_worldSize = m_processes * std::max(1, launch.nnodes);
    if (m_worldSize > 1)
        return startProcesses(config, launch);
    m_shared = std::make_shared<Shared>();
    const std::shared_ptr<Shared> shared = m_shared;
    m_thread = QThread::create([this, shared, config] {
        // No signal handler may interrupt the training thread's products (oneDNN's sgemm);
        // the GUI thread takes the process's signals.
        SignalDispatcher::shieldThisThread();
        Observer observer(this);
        try {
            train::Trainer trainer(config, &observer);
            {
                std::lock_guard<std::mutex> lock(shared->mutex);
                shared->trainer = &trainer;
                // Controls asked for while the model loaded.
                if (shared->stop)
                    trainer.requestStop();
                else if (shared->pause)
                    trainer.pause();
            }
            try {
                trainer.run();
            } catch (...) {
                std::lock_guard<std::mutex> lock(shared->mutex);
                shared->trainer = nullptr;
                throw;
            }
            {
                std::lock_guard<std::mutex> lock(shared->mutex);
                shared->trainer = nullptr;
            }
            const bool stopped = observer.m_stopped;
            observer.post([stopped](TrainingWorker& w) {
                w.endRun();
                Q_EMIT w.finished(stopped);
            });
        } catch (const std::exception& error) {
            const QString message =
                QString::fromStdString(observer.m_failure.empty() ? error.what() : observer.m_failure);
            observer.post([message](TrainingWorker& w) {
                w.endRun();
                Q_EMIT w.failed(message);
            });
        }
    });
    m_thread->setObjectName(QStringLiteral("clipwb-training"));
    m_thread->start();
    return true;
}

bool TrainingWorker::startProcesses(const clipwb::config::TrainConfig& config,
                                    const dist::LaunchOptions& launch)
{
    m_processObserver = std::make_unique<Observer>(this);
    m_ranks = new RankProcesses(*m_processObserver, this);
    connect(m_ranks, &RankProcesses::textLine, this, &TrainingWorker::rankOutput);
    connect(m_ranks, &RankProcesses::ended, this, &TrainingWorker::processesEnded);
    // Controls asked for while the ranks loaded their models; their signal handlers are in place now.
    connect(this, &TrainingWorker::started, m_ranks, [this] {
        if (m_ranks && m_paused && !m_stopping)
            m_ranks->sendSignal(SIGUSR2);
    });
    QString error;
    if (!m_ranks->start(config, launch, &error)) {
        // Reported like a trainer that failed at once, after start() returned.
        QMetaObject::invokeMethod(
            this, [this, error] { processesEnded(-1, error); }, Qt::QueuedConnection);
    }
    return true;
}

void TrainingWorker::processesEnded(int exitCode, const QString& failure)
{
    if (!m_running || !m_ranks)
        return;
    const bool stopped = m_processObserver->m_stopped;
    const bool reportedEnd = m_ranks->reportedEnd();
    m_ranks->deleteLater();
    m_ranks = nullptr;
    m_running = m_paused = m_stopping = m_savePending = false;
    if (exitCode == 0 && reportedEnd) {
        Q_EMIT finished(stopped);
        return;
    }
    Q_EMIT failed(failure.isEmpty() ? tr("The ranks ended without finishing (exit code %1).").arg(exitCode)
                                    : failure);
}

void TrainingWorker::endRun()
{
    if (m_thread) {
        m_thread->wait(); // it posted this as its last act
        delete m_thread;
        m_thread = nullptr;
    }
    m_shared.reset();
    m_running = m_paused = m_stopping = m_savePending = false;
}

void TrainingWorker::requestStop()
{
    if (!m_running || m_stopping)
        return;
    m_stopping = true;
    m_paused = false; // a paused trainer (or rank) wakes up to stop
    if (m_ranks) {
        // Started: every rank finishes the step, rank 0 saves. Before that nothing is
        // trained yet and the ranks simply end.
        m_ranks->sendSignal(m_ranks->hasStarted() ? SIGINT : SIGTERM);
    } else if (m_shared) {
        std::lock_guard<std::mutex> lock(m_shared->mutex);
        m_shared->stop = true; // kept for a trainer still loading its model
        if (m_shared->trainer)
            m_shared->trainer->requestStop();
    }
    Q_EMIT stateChanged();
}

void TrainingWorker::pause()
{
    if (m_running && !m_stopping && !m_paused)
        setPaused(true);
}

void TrainingWorker::resume()
{
    if (m_running && m_paused)
        setPaused(false);
}

void TrainingWorker::setPaused(bool paused)
{
    m_paused = paused;
    if (m_ranks) {
        // SIGUSR2 toggles; rank 0 holds every rank at the next step boundary. Ranks still
        // loading get it once they have started (see startProcesses).
        if (m_ranks->hasStarted())
            m_ranks->sendSignal(SIGUSR2);
    } else {
        std::lock_guard<std::mutex> lock(m_shared->mutex);
        m_shared->pause = paused; // kept for a trainer still loading its model
        if (m_shared->trainer && paused)
            m_shared->trainer->pause();
        else if (m_shared->trainer)
            m_shared->trainer->resume();
    }
    Q_EMIT stateChanged();
}

void TrainingWorker::requestSave()
{
    if (!m_running || m_stopping)
        return;
    if (m_ranks) {
        if (!m_ranks->hasStarted())
            return; // nothing trained yet: nothing to save
        m_ranks->sendSignal(SIGUSR1);
    } else {
        std::lock_guard<std::mutex> lock(m_shared->mutex);
        if (!m_shared->trainer)
            return; // nothing trained yet: nothing to save
        m_shared->trainer->requestSave();
    }
    // Saved after the next step; while paused that waits for Continue.
    m_savePending = m_paused;
    Q_EMIT stateChanged();
}

} // namespace clipwb::ui
