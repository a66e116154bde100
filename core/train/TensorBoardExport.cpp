#include "train/TensorBoardExport.h"

#include "common/AtomicFile.h"
#include "common/Error.h"
#include "run/RunLock.h"
#include "train/TensorBoardWriter.h"
#include "train/TfRecord.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

namespace clipwb::train {

TensorBoardExport exportTensorBoard(const std::filesystem::path& runDir)
{
    const auto metricsPath = runDir / "metrics.jsonl";
    CLIPWB_CHECK(std::filesystem::is_regular_file(metricsPath), metricsPath.string(),
                 ": no such file (export-tensorboard needs a run folder with metrics.jsonl)");
    CLIPWB_CHECK(!run::RunLock::isHeld(runDir), runDir.string(),
                 ": a trainer is writing this run; it writes its own event files");
    TensorBoardExport result;
    std::istringstream in(readFile(metricsPath));
    std::vector<TensorBoardEvent> events;
    std::vector<std::pair<std::string, int64_t>> keys; // (type, step) of events[i]
    std::set<std::pair<std::string, int64_t>> seen;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty())
            continue;
        const auto record = nlohmann::json::parse(line, nullptr, false);
        if (record.is_discarded() || !record.is_object()) {
            ++result.skippedLines;
            continue;
        }
        auto event = TensorBoardWriter::eventOfMetricsRecord(record);
        if (!event)
            continue;
        std::pair<std::string, int64_t> key{record["type"].get<std::string>(), event->step};
        if (seen.count(key)) {
            // A (type, step) seen before: a resume re-trained the steps from here on
            // without trimming metrics.jsonl. Keep the later records, as the trainer does.
            ++result.restarts;
            size_t kept = 0;
            for (size_t i = 0; i < events.size(); ++i) {
                if (events[i].step >= key.second) {
                    seen.erase(keys[i]);
                    continue;
                }
                if (kept != i) {
                    events[kept] = std::move(events[i]);
                    keys[kept] = std::move(keys[i]);
                }
                ++kept;
            }
            events.resize(kept);
            keys.resize(kept);
        }
        seen.insert(key);
        keys.push_back(std::move(key));
        events.push_back(std::move(*event));
    }

    const double firstTime =
        events.empty()
            ? std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count()
            : events.front().wallTime;
    std::string bytes = frameTfRecord(TensorBoardWriter::fileVersionEvent(firstTime).encode());
    for (const TensorBoardEvent& event : events)
        bytes += frameTfRecord(event.encode());
    const auto earlier = TensorBoardWriter::eventFiles(runDir);
    result.file = TensorBoardWriter::newEventFilePath(runDir, firstTime);
    writeFileAtomic(result.file, bytes);
    result.events = events.size();
    for (const auto& file : earlier) {
        std::filesystem::remove(file);
        ++result.replacedFiles;
    }
    return result;
}

} // namespace clipwb::train
