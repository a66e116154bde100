#pragma once
// Runs a Trainer on its own QThread and turns the TrainerObserver callbacks
// (called on that thread) into queued Qt signals for the dashboard. The
// control slots are thread-safe and never block the GUI thread.
#include "config/TrainConfig.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <memory>
#include <mutex>

namespace clipwb::train {
class Trainer;
}

namespace clipwb::ui {

class TrainingWorker : public QObject {
    Q_OBJECT
public:
    explicit TrainingWorker(QObject* parent = nullptr);
    ~TrainingWorker() override;

    bool isRunning() const { return m_running; }

public Q_SLOTS:
    /// Trains config to the end (blocking: invoke on the worker's thread).
    void train(const clipwb::config::TrainConfig& config);
    // Thread-safe: called from the GUI thread while train() runs.
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
    void finished(bool stopped);
    void failed(const QString& message);

private:
    class Observer;
    std::mutex m_mutex;
    clipwb::train::Trainer* m_trainer = nullptr; ///< valid while train() runs, guarded by m_mutex
    std::atomic<bool> m_running{false};
    std::atomic<bool> m_stopRequested{false};
};

} // namespace clipwb::ui
