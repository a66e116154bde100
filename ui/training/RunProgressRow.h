#pragma once
// The dashboard's progress row: what the trainer is doing, the step of max
// steps, epoch, ETA, throughput, the share of time waiting for data and
// memory. The figures come from the run folder; while this process trains,
// the trainer's own step reports (fresher than the file) and the live memory.
#include <QWidget>

class QLabel;
class QProgressBar;

namespace clipwb::ui {

class RunData;
class TrainingWorker;

class RunProgressRow : public QWidget {
    Q_OBJECT
public:
    explicit RunProgressRow(QWidget* parent = nullptr);

    /// Shows run's figures; worker tells whether this process trains it.
    void showRun(const RunData& run, const TrainingWorker& worker);
    /// The state on the left ("Training on cpu", "Paused", "Finished").
    void setState(const QString& text, const QString& toolTip = QString());
    QString state() const;

private:
    QLabel* m_stateLabel;
    QProgressBar* m_progress;
    QLabel* m_epochLabel;
    QLabel* m_etaLabel;
    QLabel* m_speedLabel;
    QLabel* m_waitLabel;
    QLabel* m_memoryLabel;
};

} // namespace clipwb::ui
