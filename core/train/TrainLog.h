#pragma once
// The human-readable train.log of a run folder (appended, flushed per line,
// each line stamped with UTC time and level).
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

    void write(LogLevel level, const std::string& text);

private:
    std::mutex m_mutex;
    std::FILE* m_file = nullptr;
};

} // namespace clipwb::train
