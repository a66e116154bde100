#include "ui/training/TrainingCharts.h"

#include "ui/training/MetricChart.h"
#include "ui/training/RecallChart.h"
#include "ui/training/RunData.h"

#include <QGridLayout>

namespace clipwb::ui {
namespace {

using Table = RunData::Table;

QPen penOf(const QColor& color, qreal width = 1.6, Qt::PenStyle style = Qt::SolidLine)
{
    QPen pen(color, width, style);
    pen.setCosmetic(true);
    return pen;
}

const QColor kBlue(31, 119, 180), kOrange(255, 127, 14), kGreen(44, 160, 44), kRed(214, 39, 40),
    kPurple(148, 103, 189), kBrown(140, 86, 75), kGrey(127, 127, 127);

} // namespace

TrainingCharts::TrainingCharts(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("chartArea"));
    auto* grid = new QGridLayout(this);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setSpacing(4);

    // Each source reads the current run at call time: opening another run
    // needs no rewiring.
    const auto main = [this](Table table, const char* column, bool smoothed = false) {
        return [this, table, column, smoothed]() -> SeriesView {
            return m_run ? m_run->series(table, column, m_byTime, smoothed) : SeriesView{};
        };
    };
    const auto other = [this](Table table, const char* column, bool smoothed = false) {
        return [this, table, column, smoothed]() -> SeriesView {
            return m_overlay ? m_overlay->series(table, column, m_byTime, smoothed) : SeriesView{};
        };
    };
    using Style = MetricChart::Style;

    m_lossChart = new MetricChart(tr("Loss"), tr("loss"));
    m_lossChart->addSeries(tr("train"), main(Table::Train, "loss"), penOf(kBlue.lighter(160), 1));
    m_lossChart->addSeries(tr("train (smoothed)"), main(Table::Train, "loss", true), penOf(kBlue, 2));
    m_lossChart->addSeries(tr("validation"), main(Table::Validation, "loss"), penOf(kRed), Style::Markers);
    m_overlaySeries[0] << m_lossChart->addSeries(tr("compared (smoothed)"), other(Table::Train, "loss", true),
                                                 penOf(kGrey, 2, Qt::DashLine))
                       << m_lossChart->addSeries(tr("compared validation"), other(Table::Validation, "loss"),
                                                 penOf(kGrey), Style::Markers);

    auto* accuracyChart = new MetricChart(tr("Batch accuracy"), tr("accuracy"));
    accuracyChart->addSeries(tr("i2t"), main(Table::Train, "i2t", true), penOf(kGreen, 2));
    accuracyChart->addSeries(tr("t2i"), main(Table::Train, "t2i", true), penOf(kOrange, 2));
    accuracyChart->addSeries(tr("val i2t"), main(Table::Validation, "i2t"), penOf(kGreen.darker(140)),
                             Style::Markers);
    accuracyChart->addSeries(tr("val t2i"), main(Table::Validation, "t2i"), penOf(kOrange.darker(140)),
                             Style::Markers);
    m_overlaySeries[1] << accuracyChart->addSeries(tr("compared i2t"), other(Table::Train, "i2t", true),
                                                   penOf(kGreen.lighter(130), 1.5, Qt::DashLine))
                       << accuracyChart->addSeries(tr("compared t2i"), other(Table::Train, "t2i", true),
                                                   penOf(kOrange.lighter(130), 1.5, Qt::DashLine));
    // Accuracy rises towards the top right: keep the legend out of its way.
    accuracyChart->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignRight);

    m_lrChart = new MetricChart(tr("Learning rate"), tr("lr"));
    m_lrChart->addSeries(tr("lr"), main(Table::Train, "lr"), penOf(kPurple, 2));
    m_overlaySeries[2] << m_lrChart->addSeries(tr("compared lr"), other(Table::Train, "lr"),
                                               penOf(kGrey, 1.5, Qt::DashLine));

    auto* scaleChart = new MetricChart(tr("Logit scale"), tr("logit scale"));
    scaleChart->addSeries(tr("logit scale"), main(Table::Train, "logit_scale"), penOf(kBrown, 2));
    m_overlaySeries[3] << scaleChart->addSeries(tr("compared"), other(Table::Train, "logit_scale"),
                                                penOf(kGrey, 1.5, Qt::DashLine));

    auto* speedChart = new MetricChart(tr("Throughput"), tr("samples/s"));
    speedChart->addSeries(tr("samples/s"), main(Table::Train, "samples_per_s"), penOf(kBlue, 1.5));
    m_overlaySeries[4] << speedChart->addSeries(tr("compared"), other(Table::Train, "samples_per_s"),
                                                penOf(kGrey, 1.5, Qt::DashLine));

    auto* timingChart = new MetricChart(tr("Step time"), tr("seconds"));
    timingChart->addSeries(tr("step"), main(Table::Train, "step_time_s"), penOf(kBlue, 1.5));
    timingChart->addSeries(tr("waiting for data"), main(Table::Train, "data_wait_s"), penOf(kRed, 1.5));

    m_recallChart = new RecallChart;
    m_recallChart->setRunSource([this] { return m_run; }, [this] { return m_byTime; });
    m_recallChart->setVisible(false);

    m_charts = {m_lossChart, accuracyChart, m_lrChart, scaleChart, speedChart, timingChart, m_recallChart};
    const char* names[] = {"lossChart",       "accuracyChart", "lrChart",    "logitScaleChart",
                           "throughputChart", "stepTimeChart", "recallChart"};
    for (int i = 0; i < m_charts.size(); ++i) {
        MetricChart* chart = m_charts[i];
        chart->setObjectName(QLatin1String(names[i]));
        grid->addWidget(chart, i / 2, i % 2);
        for (int s : m_overlaySeries[i])
            chart->setSeriesPresent(s, false);
        connect(chart, &MetricChart::keyRangeChangedByUser, this, [this, chart](const QCPRange& range) {
            for (MetricChart* otherChart : m_charts)
                if (otherChart != chart)
                    otherChart->setKeyRange(range);
        });
    }
}

void TrainingCharts::setRuns(const RunData* run, const RunData* overlay)
{
    m_run = run;
    m_overlay = overlay;
    for (int i = 0; i < m_charts.size(); ++i)
        for (int s : m_overlaySeries[i])
            m_charts[i]->setSeriesPresent(s, m_overlay != nullptr);
    fitAll();
}

void TrainingCharts::dataChanged(bool structural)
{
    updateEvalChart();
    for (MetricChart* chart : m_charts) {
        if (structural)
            chart->fitAll();
        else
            chart->dataChanged();
    }
}

void TrainingCharts::fitAll()
{
    for (MetricChart* chart : m_charts)
        chart->fitAll();
}

void TrainingCharts::setTimeAxis(bool byTime)
{
    m_byTime = byTime;
    for (MetricChart* chart : m_charts)
        chart->setTimeAxis(byTime);
}

void TrainingCharts::setLogScale(bool logarithmic)
{
    m_lossChart->setLogScale(logarithmic);
    m_lrChart->setLogScale(logarithmic);
}

void TrainingCharts::updateEvalChart()
{
    if (!m_run)
        return;
    const auto& table = m_run->table(Table::Evaluation);
    static const QStringList skipped = {QStringLiteral("step"), QStringLiteral("epoch"),
                                        QStringLiteral("time"), QStringLiteral("seconds"),
                                        QStringLiteral("num_samples")};
    static const QColor colors[] = {kBlue, kOrange, kGreen, kRed, kPurple, kBrown, kGrey};
    for (const std::string& name : table.names()) {
        const QString column = QString::fromStdString(name);
        if (skipped.contains(column) || m_evalColumns.contains(column) || RecallChart::isRecallColumn(column))
            continue;
        const QColor color = colors[m_evalColumns.size() % 7];
        m_evalColumns << column;
        m_recallChart->addSeries(
            column,
            [this, name]() -> SeriesView {
                return m_run ? m_run->series(Table::Evaluation, name, m_byTime) : SeriesView{};
            },
            penOf(color, 1.5));
        m_recallChart->seriesGraph(m_recallChart->seriesCount() - 1)
            ->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, color, color, 6));
    }
    m_recallChart->setVisible(table.rows() > 0 || m_recallChart->hasPoints());
}

} // namespace clipwb::ui
