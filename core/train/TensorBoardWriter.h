#pragma once
// TensorBoard event files of a run folder, written next to metrics.jsonl
// (events.out.tfevents.{seconds}.{host}.{pid}.{n}): every scalar of every
// metrics.jsonl record as tag "{type}/{key}" (train/loss, val/t2i_r1, ...) at
// the record's step and time, flushed record by record so that a TensorBoard
// watching the folder sees each step at once. Each training session writes
// its own file, as TensorBoard expects of a resumed run; the steps a resumed
// run trains again are first dropped from the earlier files (dropStepsAfter),
// so that no step appears twice.
#include "train/TensorBoardEvent.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdio>
#include <filesystem>
#include <optional>
#include <vector>

namespace clipwb::train {

class TensorBoardWriter {
public:
    /// The file is created in dir at the first write.
    explicit TensorBoardWriter(std::filesystem::path dir);
    ~TensorBoardWriter();
    TensorBoardWriter(const TensorBoardWriter&) = delete;
    TensorBoardWriter& operator=(const TensorBoardWriter&) = delete;

    /// Appends one event and flushes; throws clipwb::Error naming the file when it cannot.
    void write(const TensorBoardEvent& event);
    /// Writes the scalars of one metrics.jsonl record (nothing for a record without them).
    void writeMetricsRecord(const nlohmann::json& record);
    /// The file written so far; empty before the first write.
    const std::filesystem::path& path() const { return m_path; }

    /// The event of a metrics.jsonl record: its step, its "time" as wall time
    /// (now when absent), and each number except step, time and the run's
    /// constants max_steps and num_samples as "{type}/{key}"; booleans as 0/1.
    /// nullopt for a record without type, step or any scalar.
    static std::optional<TensorBoardEvent> eventOfMetricsRecord(const nlohmann::json& record);
    /// The first event of every file: file_version "brain.Event:2".
    static TensorBoardEvent fileVersionEvent(double wallTime);
    /// A new file name in dir that no file has yet.
    static std::filesystem::path newEventFilePath(const std::filesystem::path& dir, double wallTime);
    /// The event files in dir (names containing "tfevents", as TensorBoard finds them), sorted by name.
    static std::vector<std::filesystem::path> eventFiles(const std::filesystem::path& dir);
    /// Removes every event with a step above keepUpToStep from the event files
    /// in dir, and a damaged tail (a record cut short by kill -9); a file left
    /// without scalars is deleted. Files are rewritten atomically. Returns the
    /// number of scalar events removed.
    static size_t dropStepsAfter(const std::filesystem::path& dir, int64_t keepUpToStep);

private:
    void open(double wallTime);

    std::filesystem::path m_dir;
    std::filesystem::path m_path;
    std::FILE* m_file = nullptr;
};

} // namespace clipwb::train
