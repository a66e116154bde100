#pragma once
// The Statistics tab of the Dataset page: counts, a histogram of caption
// lengths in wordpieces (with the context_length cut marked) and histograms of
// image widths and heights. The figures are computed elsewhere, in a worker
// thread (data::computeDatasetStatistics); this view only draws them.
#include <QWidget>

#include <memory>

class QCustomPlot;
class QLabel;
class QProgressBar;

namespace clipwb::data {
struct DatasetStatistics;
}

namespace clipwb::ui {


class DatasetStatsView : public QWidget {
    Q_OBJECT
public:
    explicit DatasetStatsView(QWidget* parent = nullptr);

    /// Clears the view and shows progress (0..1) of a computation under way.
    void showProgress(double fraction);
    void setStatistics(std::shared_ptr<const data::DatasetStatistics> statistics);
    void showMessage(const QString& message);
    /// The counts as shown (tests read it).
    QString summaryText() const;

private:
    void drawTokenLengths(const data::DatasetStatistics& statistics);
    void drawImageSizes(const data::DatasetStatistics& statistics);

    QLabel* m_summary;
    QProgressBar* m_progress;
    QCustomPlot* m_tokenPlot;
    QCustomPlot* m_sizePlot;
};

} // namespace clipwb::ui
