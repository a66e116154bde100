#pragma once
// The dashboard's retrieval recall chart: R@1/5/10 text→image and image→text
// (percent) against the step. The figures come from the run's validation
// records (the trainer records them at every validation) or, for runs without
// them, from evaluating the run's checkpoints (CheckpointRecallEvaluator).
// A click on a point asks to browse retrieval with the checkpoint nearest to
// that step (stepClicked).
#include "ui/training/MetricChart.h"

#include <array>
#include <functional>
#include <map>

namespace clipwb::run {
class MetricTable;
}

namespace clipwb::ui {

class RunData;

class RecallChart : public MetricChart {
    Q_OBJECT
public:
    /// Validation record keys, in series order.
    static const char* const kColumns[6];

    explicit RecallChart(QWidget* parent = nullptr);

    /// Where the run's records come from and whether the key axis is time.
    void setRunSource(std::function<const RunData*()> run, std::function<bool()> byTime);
    /// Recall of a checkpoint evaluated at step (t2i R@1/5/10, i2t R@1/5/10 in percent).
    void setCheckpointRecall(qint64 step, const std::array<double, 6>& values);
    void clearCheckpointRecall();
    int checkpointRecallCount() const { return static_cast<int>(m_checkpointRecall.size()); }
    /// True when the run's records carry recall: validation records (the trainer's), or
    /// records of another type with the same keys; they take precedence over checkpoints.
    bool hasValidationRecall() const { return recordTable() != nullptr; }
    bool hasPoints() const { return hasValidationRecall() || !m_checkpointRecall.empty(); }
    static bool isRecallColumn(const QString& name);
    /// The step of the plotted point nearest to a widget position (within a few pixels); -1 if none.
    qint64 stepAt(const QPoint& position) const;
    /// Where a point of series (0..5) at step is drawn, for tests; invalid when not drawn.
    QPoint pointPosition(int series, qint64 step) const;

Q_SIGNALS:
    void stepClicked(qint64 step);

protected:
    void mousePressEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;

private:
    SeriesView seriesView(int index) const;
    const run::MetricTable* recordTable() const;
    /// The step of point row of a series view (validation row or checkpoint entry).
    double stepOfRow(size_t row) const;
    void rebuildCheckpointColumns();

    std::function<const RunData*()> m_run;
    std::function<bool()> m_byTime;
    std::map<qint64, std::array<double, 6>> m_checkpointRecall;
    std::vector<double> m_checkpointSteps;
    mutable std::vector<double> m_checkpointKeys; ///< steps, or their elapsed time on the time axis
    std::vector<double> m_checkpointValues[6];
    QPoint m_pressPosition;
};

} // namespace clipwb::ui
