#pragma once
// Where the parts of a training run report to: train.log (once the run folder is
// open) and the observer (the CLI's printer or the GUI's worker). One object so
// that every part logs the same way and a distributed rank can route its lines.
#include "train/TrainLog.h"
#include "train/TrainerObserver.h"

#include <memory>
#include <string>

namespace clipwb::train {

class TrainEvents {
public:
    explicit TrainEvents(TrainerObserver* observer) : m_observer(observer) {}

    /// Starts writing train.log (appending).
    void openLog(const std::filesystem::path& path) { m_log = std::make_unique<TrainLog>(path); }
    /// Ranks other than 0 of a data-parallel run write no train.log: their lines go
    /// to stderr, prefixed with the rank.
    void setRank(int rank) { m_rank = rank; }
    /// A line for train.log and the observer.
    void log(LogLevel level, const std::string& text);
    /// A line for train.log only (the failure path, which reports through onFailed()).
    void logToFile(LogLevel level, const std::string& text);
    /// May be null.
    TrainerObserver* observer() const { return m_observer; }

private:
    TrainerObserver* m_observer = nullptr;
    int m_rank = 0;
    std::unique_ptr<TrainLog> m_log;
};

/// v in fixed notation with the given decimals, as upstream's log lines print floats.
std::string formatFixed(double v, int decimals = 6);

} // namespace clipwb::train
