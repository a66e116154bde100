#pragma once
// A run folder as the dashboard plots it: the RunFolder's columns plus what is
// derived from them (elapsed time, smoothed curves), updated incrementally.
#include "run/RunFolder.h"
#include "ui/training/MetricChart.h"

#include <map>
#include <memory>
#include <string>

namespace clipwb::ui {

class RunData {
public:
    enum class Table { Train, Validation, Evaluation };

    explicit RunData(const std::filesystem::path& dir);

    run::RunFolder& folder() { return m_folder; }
    const run::RunFolder& folder() const { return m_folder; }

    /// Reads what changed in the folder and updates the derived columns.
    run::RunFolder::Update refresh();
    /// Smoothing weight in [0, 1) of the smoothed series.
    void setSmoothing(double weight);
    double smoothing() const { return m_smoothing; }

    /// Whether the records carry a "time" (so the key axis can be elapsed time).
    bool hasTime() const;
    /// A column against step or elapsed seconds; smoothed for the train table when asked.
    SeriesView series(Table table, const std::string& column, bool byTime, bool smoothed = false) const;
    const run::MetricTable& table(Table table) const;

private:
    void updateElapsed(bool reset);
    void updateSmoothed();

    run::RunFolder m_folder;
    double m_smoothing = 0.6;
    double m_timeOrigin = 0;
    std::vector<double> m_elapsed[3];
    std::map<std::string, std::vector<double>> m_smoothed;
};

} // namespace clipwb::ui
