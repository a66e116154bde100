#include "ui/training/RunData.h"

#include "ui/training/SeriesMath.h"

#include <cmath>

namespace clipwb::ui {
namespace {
const char* const kSmoothedColumns[] = {"loss", "i2t", "t2i"};
}

RunData::RunData(const std::filesystem::path& dir) : m_folder(dir) {}

const run::MetricTable& RunData::table(Table table) const
{
    switch (table) {
    case Table::Validation:
        return m_folder.validation();
    case Table::Evaluation:
        return m_folder.evaluation();
    case Table::Train:
    default:
        return m_folder.train();
    }
}

run::RunFolder::Update RunData::refresh()
{
    const run::RunFolder::Update update = m_folder.refresh();
    if (update.reset || update.newTrainRows || update.newValRows || update.newEvalRows) {
        updateElapsed(update.reset);
        if (update.reset || update.newTrainRows)
            updateSmoothed();
    }
    return update;
}

void RunData::setSmoothing(double weight)
{
    m_smoothing = weight;
    updateSmoothed();
}

bool RunData::hasTime() const
{
    return m_folder.train().column("time") != nullptr;
}

void RunData::updateElapsed(bool reset)
{
    if (reset)
        for (auto& column : m_elapsed)
            column.clear();
    if (const auto* times = m_folder.train().column("time"); times && m_elapsed[0].empty()) {
        for (double t : *times)
            if (std::isfinite(t)) {
                m_timeOrigin = t;
                break;
            }
    }
    for (int t = 0; t < 3; ++t) {
        const auto& source = table(static_cast<Table>(t));
        const auto* times = source.column("time");
        auto& elapsed = m_elapsed[t];
        if (!times) {
            elapsed.clear();
            continue;
        }
        for (size_t i = elapsed.size(); i < times->size(); ++i)
            elapsed.push_back((*times)[i] - m_timeOrigin);
    }
}

void RunData::updateSmoothed()
{
    for (const char* name : kSmoothedColumns) {
        if (const auto* column = m_folder.train().column(name))
            smoothExponential(*column, m_smoothing, m_smoothed[name]);
        else
            m_smoothed.erase(name);
    }
}

SeriesView RunData::series(Table which, const std::string& column, bool byTime, bool smoothed) const
{
    const auto& source = table(which);
    const std::vector<double>* values = source.column(column);
    if (smoothed && which == Table::Train) {
        const auto it = m_smoothed.find(column);
        values = it == m_smoothed.end() ? nullptr : &it->second;
    }
    const std::vector<double>* keys = nullptr;
    if (byTime && hasTime())
        keys = &m_elapsed[static_cast<int>(which)];
    else
        keys = source.column("step");
    if (!values || !keys)
        return {};
    return {keys->data(), values->data(), std::min(keys->size(), values->size())};
}

} // namespace clipwb::ui
