#pragma once
// metrics.jsonl of a run folder: one JSON object a line, flushed after every
// line so a dashboard tailing the file sees each step at once. The same
// records go to TensorBoard event files in the same folder (TensorBoardWriter).
#include "train/TensorBoardWriter.h"
#include "train/TrainerObserver.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdio>
#include <filesystem>
#include <memory>

namespace clipwb::train {

class MetricsWriter {
public:
    /// Opens path for appending. keepUpToStep >= 0 first drops every record with a
    /// larger step (a resumed run repeats the steps done after its checkpoint),
    /// from metrics.jsonl and from the folder's event files. tensorBoard: also
    /// write each record to a new event file in path's folder.
    explicit MetricsWriter(const std::filesystem::path& path, int64_t keepUpToStep = -1,
                           bool tensorBoard = true);
    ~MetricsWriter();
    MetricsWriter(const MetricsWriter&) = delete;
    MetricsWriter& operator=(const MetricsWriter&) = delete;

    void writeStep(const StepMetrics& m);
    void writeValidation(const ValidationMetrics& m);

private:
    void writeRecord(const nlohmann::json& record);
    std::filesystem::path m_path;
    std::FILE* m_file = nullptr;
    std::unique_ptr<TensorBoardWriter> m_tensorBoard;
};

} // namespace clipwb::train
