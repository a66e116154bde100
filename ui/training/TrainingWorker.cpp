#include "ui/training/TrainingWorker.h"

#include "train/Trainer.h"

#include <exception>

namespace clipwb::ui {

class TrainingWorker::Observer : public train::TrainerObserver {
public:
    explicit Observer(TrainingWorker* worker) : m_worker(worker) {}

    void onStarted(const train::RunInfo& info) override
    {
        Q_EMIT m_worker->started(QString::fromStdString(info.runDir.string()), info.maxSteps, info.startStep,
                                 QString::fromStdString(info.device));
    }
    void onStep(const train::StepMetrics& m) override
    {
        Q_EMIT m_worker->stepDone(m.step, m.maxSteps, m.loss, m.samplesPerSecond, m.etaSeconds);
    }
    void onValidation(const train::ValidationMetrics& m) override
    {
        Q_EMIT m_worker->validationDone(m.step, m.loss, m.i2t, m.t2i);
    }
    void onCheckpointSaved(const std::filesystem::path& path, int64_t epoch, int64_t step) override
    {
        Q_EMIT m_worker->checkpointSaved(QString::fromStdString(path.string()), epoch, step);
    }
    void onLog(train::LogLevel level, const std::string& text) override
    {
        const int value = level == train::LogLevel::Info ? 0 : level == train::LogLevel::Warning ? 1 : 2;
        Q_EMIT m_worker->logMessage(value, QString::fromStdString(text));
    }
    void onFinished(bool stopped) override { m_stopped = stopped; }
    void onFailed(const std::string& message) override { m_failure = message; }

    bool m_stopped = false;
    std::string m_failure;

private:
    TrainingWorker* m_worker;
};

TrainingWorker::TrainingWorker(QObject* parent) : QObject(parent) {}

TrainingWorker::~TrainingWorker() = default;

void TrainingWorker::train(const clipwb::config::TrainConfig& config)
{
    m_running = true;
    m_stopRequested = false;
    Observer observer(this);
    try {
        train::Trainer trainer(config, &observer);
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_trainer = &trainer;
        }
        if (m_stopRequested) // Stop pressed before the trainer existed
            trainer.requestStop();
        try {
            trainer.run();
        } catch (...) {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_trainer = nullptr;
            throw;
        }
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_trainer = nullptr;
        }
        m_running = false;
        Q_EMIT finished(observer.m_stopped);
    } catch (const std::exception& error) {
        m_running = false;
        Q_EMIT failed(QString::fromStdString(observer.m_failure.empty() ? error.what() : observer.m_failure));
    }
}

void TrainingWorker::requestStop()
{
    m_stopRequested = true;
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_trainer)
        m_trainer->requestStop();
}

void TrainingWorker::pause()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_trainer)
        m_trainer->pause();
}

void TrainingWorker::resume()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_trainer)
        m_trainer->resume();
}

void TrainingWorker::requestSave()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_trainer)
        m_trainer->requestSave();
}

} // namespace clipwb::ui
