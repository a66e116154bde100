#pragma once
// The human-readable train.log of a run folder (appended, flushed per line,
// each line stamped with UTC time and level). A write error stops the run.
#include "train/TrainerObserver.h"

#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>

namespace clipwb::train {

class TrainLog {
public:
    explicit TrainLog(const std::filesystem::path& path);
    ~TrainLog();
    TrainLog(const TrainLog&) = delete;
    TrainLog& operator=(const TrainLog&) = delete;

    /// Appends one line. Throws clipwb::Error naming the file and the cause ("No space left on
    /// device", "File too large") when it cannot: a run whose log cannot be written stops instead
    /// of going on unrecorded. After that failure, later lines are dropped without an error, so
    /// the failure report itself can still reach the other channels (observer, stderr).
    void write(LogLevel level, const std::string& text);

private:
    std::mutex m_mutex;
    std::FILE* m_file = nullptr;
    std::filesystem::path m_path;
    bool m_failed = false;
};

} // namespace clipwb::train
