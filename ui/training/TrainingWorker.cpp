#include "ui/training/TrainingWorker.h"

#include "train/Trainer.h"

#include <QMetaObject>
#include <QThread>

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
        post([dir, device, maxSteps, startStep](TrainingWorker& w) {
            w.m_device = device;
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
    if (!m_thread)
        return;
    // Owners are being destroyed around us (the page's members may already be gone):
    // stop quietly, no state signal to half-destroyed receivers.
    blockSignals(true);
    requestStop();
    m_thread->wait();
    delete m_thread;
}

bool TrainingWorker::start(const clipwb::config::TrainConfig& config)
{
    if (m_running)
        return false;
    m_running = true;
    m_paused = m_stopping = m_savePending = false;
    m_device.clear();
    m_lastStep = StepReport{};
    m_shared = std::make_shared<Shared>();
    const std::shared_ptr<Shared> shared = m_shared;
    m_thread = QThread::create([this, shared, config] {
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
    if (!m_running || !m_shared)
        return;
    m_stopping = true;
    m_paused = false; // a paused trainer wakes up to stop
    std::lock_guard<std::mutex> lock(m_shared->mutex);
    m_shared->stop = true;
    if (m_shared->trainer)
        m_shared->trainer->requestStop();
    Q_EMIT stateChanged();
}

void TrainingWorker::pause()
{
    if (!m_running || m_stopping || m_paused)
        return;
    m_paused = true;
    {
        std::lock_guard<std::mutex> lock(m_shared->mutex);
        m_shared->pause = true;
        if (m_shared->trainer)
            m_shared->trainer->pause();
    }
    Q_EMIT stateChanged();
}

void TrainingWorker::resume()
{
    if (!m_running || !m_paused)
        return;
    m_paused = false;
    {
        std::lock_guard<std::mutex> lock(m_shared->mutex);
        m_shared->pause = false;
        if (m_shared->trainer)
            m_shared->trainer->resume();
    }
    Q_EMIT stateChanged();
}

void TrainingWorker::requestSave()
{
    if (!m_running || m_stopping)
        return;
    std::lock_guard<std::mutex> lock(m_shared->mutex);
    if (!m_shared->trainer)
        return; // nothing trained yet: nothing to save
    m_shared->trainer->requestSave();
    // The trainer saves after its next step; while paused that waits for Continue.
    m_savePending = m_paused;
    Q_EMIT stateChanged();
}

} // namespace clipwb::ui
