#pragma once
// The dashboard's charts of one run (and, dashed, of a run it is compared
// with): loss, batch accuracy, learning rate, logit scale, throughput, step
// time and retrieval recall or other evaluation records, in a grid. Zooming or
// panning one chart moves the others along.
#include <QList>
#include <QStringList>
#include <QWidget>

namespace clipwb::ui {

class MetricChart;
class RecallChart;
class RunData;

class TrainingCharts : public QWidget {
    Q_OBJECT
public:
    explicit TrainingCharts(QWidget* parent = nullptr);

    /// The runs plotted (either may be null); the charts read them at each redraw.
    void setRuns(const RunData* run, const RunData* overlay);
    /// New records arrived (structural: read again from the start).
    void dataChanged(bool structural);
    void fitAll();
    void setTimeAxis(bool byTime);
    bool timeAxis() const { return m_byTime; }
    /// Logarithmic loss and learning rate (they span decades; the others stay linear).
    void setLogScale(bool logarithmic);

    QList<MetricChart*> charts() const { return m_charts; }
    RecallChart* recallChart() const { return m_recallChart; }

private:
    /// Adds a series per new evaluation column (records other than train/validation).
    void updateEvalChart();

    const RunData* m_run = nullptr;
    const RunData* m_overlay = nullptr;
    bool m_byTime = false;
    QStringList m_evalColumns;
    QList<MetricChart*> m_charts;
    MetricChart* m_lossChart = nullptr;
    MetricChart* m_lrChart = nullptr;
    RecallChart* m_recallChart = nullptr;
    QList<int> m_overlaySeries[7];
};

} // namespace clipwb::ui
