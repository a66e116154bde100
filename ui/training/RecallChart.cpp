#include "ui/training/RecallChart.h"

#include "ui/training/RunData.h"

#include <QMouseEvent>

#include <algorithm>
#include <cmath>

namespace clipwb::ui {

const char* const RecallChart::kColumns[6] = {"t2i_r1", "t2i_r5", "t2i_r10", "i2t_r1", "i2t_r5", "i2t_r10"};

RecallChart::RecallChart(QWidget* parent) : MetricChart(tr("Retrieval recall"), tr("recall (%)"), parent)
{
    const QColor colors[3] = {QColor(31, 119, 180), QColor(255, 127, 14), QColor(44, 160, 44)};
    const QString names[6] = {tr("t2i R@1"), tr("t2i R@5"), tr("t2i R@10"),
                              tr("i2t R@1"), tr("i2t R@5"), tr("i2t R@10")};
    for (int i = 0; i < 6; ++i) {
        QPen pen(colors[i % 3], 1.5, i < 3 ? Qt::SolidLine : Qt::DashLine);
        const int index = addSeries(names[i], [this, i] { return seriesView(i); }, pen);
        seriesGraph(index)->setScatterStyle(
            QCPScatterStyle(i < 3 ? QCPScatterStyle::ssDisc : QCPScatterStyle::ssSquare, colors[i % 3], colors[i % 3], 6));
    }
    // Recall rises towards the top right: a compact legend (t2i column, i2t column) at the top left.
    legend->setWrap(3);
    legend->setFillOrder(QCPLayoutGrid::foRowsFirst, true);
    axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
    setToolTip(tr("Click a point to browse retrieval with the checkpoint nearest to that step"));
}

void RecallChart::setRunSource(std::function<const RunData*()> run, std::function<bool()> byTime)
{
    m_run = std::move(run);
    m_byTime = std::move(byTime);
}

const run::MetricTable* RecallChart::recordTable() const
{
    const RunData* run = m_run ? m_run() : nullptr;
    if (!run)
        return nullptr;
    for (const RunData::Table which : {RunData::Table::Validation, RunData::Table::Evaluation}) {
        const run::MetricTable& table = run->table(which);
        for (const char* key : kColumns) {
            const std::vector<double>* column = table.column(key);
            if (column && std::any_of(column->begin(), column->end(), [](double v) { return std::isfinite(v); }))
                return &table;
        }
    }
    return nullptr;
}

bool RecallChart::isRecallColumn(const QString& name)
{
    return std::any_of(std::begin(kColumns), std::end(kColumns), [&](const char* key) { return name == QLatin1String(key); });
}

void RecallChart::setCheckpointRecall(qint64 step, const std::array<double, 6>& values)
{
    m_checkpointRecall[step] = values;
    rebuildCheckpointColumns();
    setVisible(true);
    fitAll();
}

void RecallChart::clearCheckpointRecall()
{
    m_checkpointRecall.clear();
    rebuildCheckpointColumns();
    dataChanged();
}

void RecallChart::rebuildCheckpointColumns()
{
    m_checkpointSteps.clear();
    for (auto& column : m_checkpointValues)
        column.clear();
    for (const auto& [step, values] : m_checkpointRecall) {
        m_checkpointSteps.push_back(double(step));
        for (int i = 0; i < 6; ++i)
            m_checkpointValues[i].push_back(values[size_t(i)]);
    }
}

SeriesView RecallChart::seriesView(int index) const
{
    const RunData* run = m_run ? m_run() : nullptr;
    const bool byTime = m_byTime && m_byTime();
    if (const run::MetricTable* table = recordTable())
        return run->series(table == &run->table(RunData::Table::Validation) ? RunData::Table::Validation
                                                                           : RunData::Table::Evaluation,
                           kColumns[index], byTime);
    if (m_checkpointSteps.empty())
        return {};
    // Checkpoints carry steps; on the time axis they sit at the time their step was trained.
    auto& keys = m_checkpointKeys;
    keys = m_checkpointSteps;
    if (byTime && run) {
        const SeriesView steps = run->series(RunData::Table::Train, "step", true);
        for (double& key : keys) {
            const double* end = steps.y + steps.size;
            const double* it = std::lower_bound(steps.y, end, key);
            key = it == end ? (steps.size ? steps.x[steps.size - 1] : 0) : steps.x[it - steps.y];
        }
    }
    return {keys.data(), m_checkpointValues[index].data(), keys.size()};
}

double RecallChart::stepOfRow(size_t row) const
{
    if (const run::MetricTable* table = recordTable())
        return table->value("step", row);
    return row < m_checkpointSteps.size() ? m_checkpointSteps[row] : NAN;
}

qint64 RecallChart::stepAt(const QPoint& position) const
{
    constexpr double kMaxDistance = 12;
    double best = kMaxDistance * kMaxDistance;
    qint64 bestStep = -1;
    for (int s = 0; s < seriesCount(); ++s) {
        if (!isSeriesVisible(s))
            continue;
        const SeriesView view = seriesView(s);
        for (size_t row = 0; row < view.size; ++row) {
            if (!std::isfinite(view.y[row]))
                continue;
            const double dx = xAxis->coordToPixel(view.x[row]) - position.x();
            const double dy = yAxis->coordToPixel(view.y[row]) - position.y();
            const double step = stepOfRow(row);
            if (dx * dx + dy * dy <= best && std::isfinite(step)) {
                best = dx * dx + dy * dy;
                bestStep = static_cast<qint64>(step);
            }
        }
    }
    return bestStep;
}

QPoint RecallChart::pointPosition(int series, qint64 step) const
{
    const SeriesView view = seriesView(series);
    for (size_t row = 0; row < view.size; ++row)
        if (static_cast<qint64>(stepOfRow(row)) == step && std::isfinite(view.y[row]))
            return QPoint(int(std::lround(xAxis->coordToPixel(view.x[row]))),
                          int(std::lround(yAxis->coordToPixel(view.y[row]))));
    return {};
}

void RecallChart::mousePressEvent(QMouseEvent* event)
{
    m_pressPosition = event->pos();
    MetricChart::mousePressEvent(event);
}

void RecallChart::mouseReleaseEvent(QMouseEvent* event)
{
    MetricChart::mouseReleaseEvent(event);
    // A click, not the end of a drag.
    if (event->button() != Qt::LeftButton || (event->pos() - m_pressPosition).manhattanLength() > 3)
        return;
    const qint64 step = stepAt(event->pos());
    if (step >= 0)
        Q_EMIT stepClicked(step);
}

} // namespace clipwb::ui
