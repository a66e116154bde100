#pragma once
// A run folder {logs}/{name}/ read incrementally for the dashboard (torch-free):
// config.json, metrics.jsonl tailed as it grows, train.log, checkpoints/.
// Everything the dashboard shows can be rebuilt from here, so a run trained on
// a server and copied home looks the same as one trained in the app.
#include "run/FileTail.h"
#include "run/MetricTable.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace clipwb::run {

struct CheckpointEntry {
    std::filesystem::path path;
    std::string fileName;
    std::optional<int64_t> epoch; ///< from the name: epoch{E}.pt, epoch_{E}_{S}.pt
    std::optional<int64_t> step;  ///< from the name (epoch_{E}_{S}.pt) or the metrics (end of epoch E)
    bool isLatest = false;        ///< epoch_latest.pt
    int64_t sizeBytes = 0;
    int64_t modifiedUnixSeconds = 0;
};

struct RunLogLine {
    std::string time;  ///< "YYYY-mm-dd HH:MM:SS" (UTC) or "" when the line has no stamp
    std::string level; ///< INFO, WARNING, ERROR (INFO for unstamped lines)
    std::string text;
};

class RunFolder {
public:
    explicit RunFolder(std::filesystem::path dir);

    /// True when dir holds config.json or metrics.jsonl.
    static bool looksLikeRunFolder(const std::filesystem::path& dir);
    /// True when dir's metrics reach the planned last step and it has checkpoints/epoch_latest.pt:
    /// training it again would resume and end at once. False for a folder that cannot be read.
    static bool hasFinished(const std::filesystem::path& dir);

    const std::filesystem::path& dir() const { return m_dir; }
    std::filesystem::path configPath() const { return m_dir / "config.json"; }
    std::filesystem::path metricsPath() const { return m_dir / "metrics.jsonl"; }
    std::filesystem::path logPath() const { return m_dir / "train.log"; }
    std::filesystem::path checkpointsDir() const { return m_dir / "checkpoints"; }

    struct Update {
        bool reset = false;            ///< metrics were read again from the start (file replaced)
        size_t newTrainRows = 0;       ///< appended at the end of train()
        size_t newValRows = 0;
        size_t newEvalRows = 0;
        size_t newLogLines = 0;
        size_t malformedLines = 0;     ///< complete lines that were not JSON objects (skipped)
        bool configChanged = false;
        bool checkpointsChanged = false;
        bool any() const
        {
            return reset || newTrainRows || newValRows || newEvalRows || newLogLines || configChanged ||
                   checkpointsChanged;
        }
    };
    /// Reads what changed since the last call (the first call reads everything).
    /// Throws clipwb::Error naming the file when one exists but cannot be read.
    Update refresh();

    const MetricTable& train() const { return m_train; }
    const MetricTable& validation() const { return m_val; }
    /// Records of other types that carry a step (e.g. periodic retrieval evaluation).
    const MetricTable& evaluation() const { return m_eval; }
    const std::vector<RunLogLine>& log() const { return m_log; }
    const std::vector<CheckpointEntry>& checkpoints() const { return m_checkpoints; }
    /// The raw text of config.json ("" when absent).
    const std::string& configText() const { return m_configText; }
    /// A scalar of config.json as text (numbers as written, strings unquoted); nullopt when absent or null.
    std::optional<std::string> configValue(const std::string& key) const;
    size_t malformedLines() const { return m_malformedLines; }

    /// The planned number of steps: max_steps of the last train record, else config's max_steps; 0 if unknown.
    int64_t maxSteps() const;
    /// The last step of epoch (1-based) in the train records; nullopt when none.
    std::optional<int64_t> lastStepOfEpoch(int64_t epoch) const;
    /// The row of validation() at step, -1 when that step was not validated.
    long validationRowAtStep(int64_t step) const { return m_val.rowOfStep(static_cast<double>(step)); }

private:
    void readConfig(Update& update);
    void readMetrics(Update& update);
    void readLog(Update& update);
    void readCheckpoints(Update& update);

    std::filesystem::path m_dir;
    FileTail m_metricsTail;
    FileTail m_logTail;
    MetricTable m_train;
    MetricTable m_val;
    MetricTable m_eval;
    std::vector<RunLogLine> m_log;
    std::vector<CheckpointEntry> m_checkpoints;
    std::string m_configText;
    int64_t m_configStamp = -1;
    size_t m_malformedLines = 0;
};

} // namespace clipwb::run
