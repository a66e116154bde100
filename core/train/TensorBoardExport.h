#pragma once
// TensorBoard event files for a run folder that has only metrics.jsonl (a run
// trained before clipwb wrote them, or copied without them):
// clipwb-cli export-tensorboard RUN_DIR.
#include <cstddef>
#include <filesystem>

namespace clipwb::train {

struct TensorBoardExport {
    std::filesystem::path file; ///< the event file written
    size_t events = 0;          ///< records written as events
    size_t replacedFiles = 0;   ///< earlier event files of the folder, removed (they held the same curves)
    size_t skippedLines = 0;    ///< lines that were not JSON objects (a partial last line of a killed run)
    size_t restarts = 0;        ///< resumes found in metrics.jsonl whose repeated steps were dropped
};

/// Writes one event file with every record of runDir/metrics.jsonl, the same
/// events the trainer writes (TensorBoardWriter::eventOfMetricsRecord), and
/// then removes the folder's other event files. Steps repeated by a resume
/// that did not trim metrics.jsonl are kept once (the later ones, as the
/// trainer does). Throws clipwb::Error naming the file when metrics.jsonl is
/// missing or unreadable, or when a trainer holds the folder.
TensorBoardExport exportTensorBoard(const std::filesystem::path& runDir);

} // namespace clipwb::train
