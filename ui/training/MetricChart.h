#pragma once
// One dashboard chart: a QCustomPlot whose series read columns held elsewhere
// (no copies) and are decimated to the pixels on screen (min/max per pixel
// column) whenever the data or the visible range change, so a million points
// stay fluid. Drag pans, the wheel zooms, a double click fits everything,
// a click on a legend entry shows or hides its series, hovering shows values.
#include "ui/common/QCustomPlotInclude.h"

#include <functional>

namespace clipwb::ui {

struct SeriesView {
    const double* x = nullptr;
    const double* y = nullptr;
    size_t size = 0;
};

class MetricChart : public QCustomPlot {
    Q_OBJECT
public:
    using Source = std::function<SeriesView()>;
    enum class Style { Line, Markers };

    MetricChart(const QString& title, const QString& valueLabel, QWidget* parent = nullptr);

    /// Adds a series drawn from source(); returns its index.
    int addSeries(const QString& name, Source source, const QPen& pen, Style style = Style::Line);
    int seriesCount() const { return static_cast<int>(m_series.size()); }
    QCPGraph* seriesGraph(int index) const { return m_series[static_cast<size_t>(index)].graph; }
    /// Adds a series to the legend and shows it, or hides it and leaves it out of the legend.
    void setSeriesPresent(int index, bool present);
    /// Shows or hides a series (and greys its legend entry).
    void setSeriesVisible(int index, bool visible);
    bool isSeriesVisible(int index) const;
    /// Points drawn for a series after decimation (for tests).
    int drawnPoints(int index) const;

    void setLogScale(bool logarithmic);
    bool logScale() const { return m_logScale; }
    /// Key axis shows elapsed time (h:mm:ss) instead of steps.
    void setTimeAxis(bool time);
    /// Re-reads every source (data grew or was replaced) and redraws.
    void dataChanged();
    /// Fits all data and follows new data again until the user zooms or pans.
    void fitAll();
    bool isFollowing() const { return m_following; }
    /// The full key range over all series; false when there is no data.
    bool dataKeyRange(QCPRange& range) const;
    /// Values of the visible series nearest to key, for the hover tooltip.
    QString describeAt(double key) const;

Q_SIGNALS:
    /// The user changed the visible key range (to sync the other charts).
    void keyRangeChangedByUser(const QCPRange& range);

public Q_SLOTS:
    void setKeyRange(const QCPRange& range);

protected:
    void mouseMoveEvent(QMouseEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    struct Series {
        QString name;
        Source source;
        QCPGraph* graph = nullptr;
    };
    void redecimate();
    void rescaleValueAxis();

    std::vector<Series> m_series;
    bool m_logScale = false;
    bool m_timeAxis = false;
    bool m_following = true;
    bool m_updating = false;
    bool m_userChanging = false; ///< a drag or wheel of the user is moving the key axis
    QSharedPointer<QCPAxisTicker> m_linearTicker;
};

} // namespace clipwb::ui
