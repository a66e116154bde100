#pragma once
// metrics.jsonl of a run folder: one JSON object a line, flushed after every
// line so a dashboard tailing the file sees each step at once.
#include "train/TrainerObserver.h"

#include <cstdio>
#include <filesystem>

namespace clipwb::train {

class MetricsWriter {
public:
    /// Opens path for appending. keepUpToStep >= 0 first drops every record with a
    /// larger step (a resumed run repeats the steps done after its checkpoint).
    explicit MetricsWriter(const std::filesystem::path& path, int64_t keepUpToStep = -1);
    ~MetricsWriter();
    MetricsWriter(const MetricsWriter&) = delete;
    MetricsWriter& operator=(const MetricsWriter&) = delete;

    void writeStep(const StepMetrics& m);
    void writeValidation(const ValidationMetrics& m);

private:
    void writeLine(const std::string& line);
    std::filesystem::path m_path;
    std::FILE* m_file = nullptr;
};

} // namespace clipwb::train
