#include "ui/training/MetricChart.h"

#include "ui/training/SeriesMath.h"

#include <QToolTip>

#include <cmath>
#include <limits>

namespace clipwb::ui {

MetricChart::MetricChart(const QString& title, const QString& valueLabel, QWidget* parent) : QCustomPlot(parent)
{
    setMinimumSize(260, 170);
    setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    axisRect()->setRangeDrag(Qt::Horizontal);
    axisRect()->setRangeZoom(Qt::Horizontal);
    setNoAntialiasingOnDrag(true);
    plotLayout()->insertRow(0);
    auto* heading = new QCPTextElement(this, title, QFont(font().family(), font().pointSize() + 1, QFont::Bold));
    plotLayout()->addElement(0, 0, heading);
    yAxis->setLabel(valueLabel);
    xAxis->setLabel(tr("step"));
    legend->setVisible(true);
    legend->setFont(QFont(font().family(), font().pointSize() - 2));
    legend->setBrush(QColor(255, 255, 255, 170));
    legend->setBorderPen(QPen(QColor(200, 200, 200)));
    legend->setRowSpacing(0);
    legend->setIconSize(18, 8);
    legend->setMargins(QMargins(4, 2, 4, 2));
    legend->setSelectableParts(QCPLegend::spItems);
    axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    m_linearTicker = xAxis->ticker();
    setMouseTracking(true);

    connect(xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, [this](const QCPRange& range) {
        if (m_updating)
            return;
        redecimate();
        rescaleValueAxis();
        replot(QCustomPlot::rpQueuedReplot);
        if (m_userChanging) {
            m_following = false;
            Q_EMIT keyRangeChangedByUser(range);
        }
    });
    connect(this, &QCustomPlot::legendClick, this, [this](QCPLegend*, QCPAbstractLegendItem* item, QMouseEvent*) {
        auto* plItem = qobject_cast<QCPPlottableLegendItem*>(item);
        if (!plItem)
            return;
        for (int i = 0; i < seriesCount(); ++i)
            if (m_series[static_cast<size_t>(i)].graph == plItem->plottable())
                setSeriesVisible(i, !isSeriesVisible(i));
    });
}

int MetricChart::addSeries(const QString& name, Source source, const QPen& pen, Style style)
{
    QCPGraph* graph = addGraph();
    graph->setName(name);
    graph->setPen(pen);
    graph->setAdaptiveSampling(false); // decimated here already
    if (style == Style::Markers) {
        graph->setLineStyle(QCPGraph::lsNone);
        graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, pen.color(), pen.color(), 7));
    }
    m_series.push_back({name, std::move(source), graph});
    return seriesCount() - 1;
}

void MetricChart::setSeriesPresent(int index, bool present)
{
    QCPGraph* graph = seriesGraph(index);
    if (present)
        graph->addToLegend();
    else
        graph->removeFromLegend();
    setSeriesVisible(index, present);
}

void MetricChart::setSeriesVisible(int index, bool visible)
{
    QCPGraph* graph = seriesGraph(index);
    graph->setVisible(visible);
    if (auto* item = legend->itemWithPlottable(graph))
        item->setTextColor(visible ? Qt::black : QColor(160, 160, 160));
    rescaleValueAxis();
    replot(QCustomPlot::rpQueuedReplot);
}

bool MetricChart::isSeriesVisible(int index) const
{
    return seriesGraph(index)->visible();
}

int MetricChart::drawnPoints(int index) const
{
    return seriesGraph(index)->data()->size();
}

void MetricChart::setLogScale(bool logarithmic)
{
    m_logScale = logarithmic;
    yAxis->setScaleType(logarithmic ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    if (logarithmic)
        yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    else
        yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    rescaleValueAxis();
    replot(QCustomPlot::rpQueuedReplot);
}

void MetricChart::setTimeAxis(bool time)
{
    m_timeAxis = time;
    if (time) {
        auto ticker = QSharedPointer<QCPAxisTickerTime>(new QCPAxisTickerTime);
        ticker->setTimeFormat(QStringLiteral("%h:%m:%s"));
        xAxis->setTicker(ticker);
        xAxis->setLabel(tr("elapsed time"));
    } else {
        xAxis->setTicker(m_linearTicker);
        xAxis->setLabel(tr("step"));
    }
    fitAll();
}

bool MetricChart::dataKeyRange(QCPRange& range) const
{
    bool found = false;
    for (const Series& series : m_series) {
        const SeriesView view = series.source();
        if (view.size == 0)
            continue;
        // Keys are sorted: the first and last finite keys bound the series.
        size_t first = 0, last = view.size;
        while (first < view.size && !std::isfinite(view.x[first]))
            ++first;
        while (last > first && !std::isfinite(view.x[last - 1]))
            --last;
        if (first >= last)
            continue;
        if (!found) {
            range = QCPRange(view.x[first], view.x[last - 1]);
            found = true;
        } else {
            range.expand(view.x[first]);
            range.expand(view.x[last - 1]);
        }
    }
    return found;
}

void MetricChart::dataChanged()
{
    if (m_following) {
        fitAll();
        return;
    }
    redecimate();
    rescaleValueAxis();
    replot(QCustomPlot::rpQueuedReplot);
}

void MetricChart::fitAll()
{
    m_following = true;
    QCPRange range;
    if (dataKeyRange(range)) {
        if (range.size() <= 0)
            range = QCPRange(range.lower - 1, range.upper + 1);
        m_updating = true;
        xAxis->setRange(range);
        m_updating = false;
    }
    redecimate();
    rescaleValueAxis();
    replot(QCustomPlot::rpQueuedReplot);
}

void MetricChart::setKeyRange(const QCPRange& range)
{
    m_following = false;
    m_updating = true;
    xAxis->setRange(range);
    m_updating = false;
    redecimate();
    rescaleValueAxis();
    replot(QCustomPlot::rpQueuedReplot);
}

void MetricChart::redecimate()
{
    const QCPRange range = xAxis->range();
    const int buckets = std::max(50, axisRect()->width());
    QVector<double> keys, values;
    for (Series& series : m_series) {
        const SeriesView view = series.source();
        decimateMinMax(view.x, view.y, view.size, range.lower, range.upper, buckets, keys, values);
        series.graph->setData(keys, values, true);
    }
}

void MetricChart::rescaleValueAxis()
{
    bool found = false;
    QCPRange total;
    for (const Series& series : m_series) {
        if (!series.graph->visible())
            continue;
        bool ok = false;
        const QCPRange r = series.graph->getValueRange(ok, m_logScale ? QCP::sdPositive : QCP::sdBoth,
                                                       xAxis->range());
        if (!ok)
            continue;
        if (!found)
            total = r;
        else
            total.expand(r);
        found = true;
    }
    if (!found)
        return;
    if (m_logScale) {
        total = QCPRange(total.lower / 1.3, total.upper * 1.3);
    } else {
        const double margin = total.size() > 0 ? total.size() * 0.06 : std::max(1e-9, std::abs(total.upper) * 0.05);
        total = QCPRange(total.lower - margin, total.upper + margin);
    }
    yAxis->setRange(total);
}

QString MetricChart::describeAt(double key) const
{
    QStringList lines;
    for (const Series& series : m_series) {
        if (!series.graph->visible() || series.graph->data()->isEmpty())
            continue;
        auto it = series.graph->data()->findBegin(key, true);
        auto best = it;
        if (it != series.graph->data()->constEnd() && it + 1 != series.graph->data()->constEnd() &&
            std::abs((it + 1)->key - key) < std::abs(it->key - key))
            best = it + 1;
        if (best == series.graph->data()->constEnd())
            continue;
        const QString where = m_timeAxis ? QStringLiteral("%1 s").arg(best->key, 0, 'f', 0)
                                         : tr("step %1").arg(static_cast<qint64>(best->key));
        lines << tr("%1: %2 (%3)").arg(series.name).arg(best->value, 0, 'g', 5).arg(where);
    }
    return lines.join(QLatin1Char('\n'));
}

void MetricChart::mouseMoveEvent(QMouseEvent* event)
{
    QCustomPlot::mouseMoveEvent(event);
    if (event->buttons() != Qt::NoButton || !axisRect()->rect().contains(event->pos())) {
        QToolTip::hideText();
        return;
    }
    const QString text = describeAt(xAxis->pixelToCoord(event->pos().x()));
    if (!text.isEmpty())
        QToolTip::showText(event->globalPosition().toPoint(), text, this);
}

void MetricChart::mousePressEvent(QMouseEvent* event)
{
    m_userChanging = true;
    QCustomPlot::mousePressEvent(event);
}

void MetricChart::mouseReleaseEvent(QMouseEvent* event)
{
    QCustomPlot::mouseReleaseEvent(event);
    m_userChanging = false;
}

void MetricChart::wheelEvent(QWheelEvent* event)
{
    m_userChanging = true;
    QCustomPlot::wheelEvent(event);
    m_userChanging = false;
}

void MetricChart::mouseDoubleClickEvent(QMouseEvent* event)
{
    QCustomPlot::mouseDoubleClickEvent(event);
    fitAll();
    Q_EMIT keyRangeChangedByUser(xAxis->range());
}

void MetricChart::resizeEvent(QResizeEvent* event)
{
    QCustomPlot::resizeEvent(event);
    redecimate();
}

} // namespace clipwb::ui
