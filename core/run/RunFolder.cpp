#include "run/RunFolder.h"

#include "common/AtomicFile.h"
#include "run/MetricsLine.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <regex>
#include <sys/stat.h>

namespace clipwb::run {
namespace fs = std::filesystem;

namespace {

// Size and modification time in one number: enough to notice a rewrite.
int64_t fileStamp(const fs::path& path)
{
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0)
        return -1;
    return static_cast<int64_t>(info.st_mtim.tv_sec) * 1000000007LL + info.st_mtim.tv_nsec +
           static_cast<int64_t>(info.st_size) * 31 + static_cast<int64_t>(info.st_ino);
}

RunLogLine parseLogLine(const std::string& line)
{
    // TrainLog writes "YYYY-mm-dd HH:MM:SS | LEVEL | text".
    static const std::regex stamped(R"(^(\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d)[^|]*\|\s*([A-Za-z]+)\s*\|\s?(.*)$)");
    std::smatch match;
    if (std::regex_match(line, match, stamped)) {
        std::string level = match[2];
        std::transform(level.begin(), level.end(), level.begin(), ::toupper);
        if (level == "WARN")
            level = "WARNING";
        return {match[1], level, match[3]};
    }
    return {"", "INFO", line};
}

} // namespace

RunFolder::RunFolder(fs::path dir)
    : m_dir(std::move(dir)), m_metricsTail(m_dir / "metrics.jsonl"), m_logTail(m_dir / "train.log")
{
}

bool RunFolder::looksLikeRunFolder(const fs::path& dir)
{
    std::error_code ec;
    return fs::is_regular_file(dir / "config.json", ec) || fs::is_regular_file(dir / "metrics.jsonl", ec);
}

bool RunFolder::hasFinished(const fs::path& dir)
{
    std::error_code ec;
    if (!fs::exists(dir / "checkpoints" / "epoch_latest.pt", ec))
        return false;
    try {
        RunFolder folder(dir);
        folder.refresh();
        const MetricTable& rows = folder.train();
        if (folder.maxSteps() <= 0 || rows.rows() == 0)
            return false;
        const double step = rows.value("step", rows.rows() - 1);
        return std::isfinite(step) && step >= double(folder.maxSteps());
    } catch (const std::exception&) {
        return false; // an unreadable folder is reported when the trainer opens it
    }
}

RunFolder::Update RunFolder::refresh()
{
    Update update;
    readConfig(update);
    readMetrics(update);
    readLog(update);
    readCheckpoints(update);
    return update;
}

void RunFolder::readConfig(Update& update)
{
    const int64_t stamp = fileStamp(configPath());
    if (stamp == m_configStamp)
        return;
    m_configStamp = stamp;
    m_configText = stamp < 0 ? std::string() : readFile(configPath());
    update.configChanged = true;
}

std::optional<std::string> RunFolder::configValue(const std::string& key) const
{
    if (m_configText.empty())
        return std::nullopt;
    const auto json = nlohmann::json::parse(m_configText, nullptr, false);
    if (json.is_discarded() || !json.is_object() || !json.contains(key))
        return std::nullopt;
    const auto& value = json[key];
    if (value.is_null() || value.is_object() || value.is_array())
        return std::nullopt;
    if (value.is_string())
        return value.get<std::string>();
    return value.dump();
}

void RunFolder::readMetrics(Update& update)
{
    FileTail::Chunk chunk = m_metricsTail.poll();
    if (chunk.restarted) {
        m_train.clear();
        m_val.clear();
        m_eval.clear();
        m_malformedLines = 0;
        update.reset = true;
    }
    const size_t trainBefore = m_train.rows(), valBefore = m_val.rows(), evalBefore = m_eval.rows();
    MetricsLine record;
    for (const std::string& line : chunk.lines) {
        if (line.find_first_not_of(" \t") == std::string::npos)
            continue;
        if (!parseMetricsLine(line, record)) {
            ++update.malformedLines;
            continue;
        }
        if (record.type == "train" || record.type.empty())
            m_train.append(record.fields);
        else if (record.type == "val")
            m_val.append(record.fields);
        else
            m_eval.append(record.fields);
    }
    m_malformedLines += update.malformedLines;
    update.newTrainRows = m_train.rows() - trainBefore;
    update.newValRows = m_val.rows() - valBefore;
    update.newEvalRows = m_eval.rows() - evalBefore;
}

void RunFolder::readLog(Update& update)
{
    FileTail::Chunk chunk = m_logTail.poll();
    if (chunk.restarted)
        m_log.clear();
    for (const std::string& line : chunk.lines)
        m_log.push_back(parseLogLine(line));
    update.newLogLines = chunk.lines.size();
}

void RunFolder::readCheckpoints(Update& update)
{
    static const std::regex epochOnly(R"(^epoch(\d+)\.pt$)");
    static const std::regex epochStep(R"(^epoch_(\d+)_(\d+)\.pt$)");
    std::vector<CheckpointEntry> found;
    std::error_code ec;
    for (fs::directory_iterator it(checkpointsDir(), ec), end; !ec && it != end; it.increment(ec)) {
        const fs::path& path = it->path();
        if (path.extension() != ".pt" || !it->is_regular_file(ec))
            continue;
        struct stat info {};
        if (::stat(path.c_str(), &info) != 0)
            continue;
        CheckpointEntry entry;
        entry.path = path;
        entry.fileName = path.filename().string();
        entry.sizeBytes = static_cast<int64_t>(info.st_size);
        entry.modifiedUnixSeconds = static_cast<int64_t>(info.st_mtim.tv_sec);
        std::smatch match;
        if (std::regex_match(entry.fileName, match, epochStep)) {
            entry.epoch = std::stoll(match[1]);
            entry.step = std::stoll(match[2]);
        } else if (std::regex_match(entry.fileName, match, epochOnly)) {
            entry.epoch = std::stoll(match[1]);
            entry.step = lastStepOfEpoch(*entry.epoch);
        } else if (entry.fileName == "epoch_latest.pt") {
            entry.isLatest = true;
        }
        found.push_back(std::move(entry));
    }
    // Newest training state first: by step, then epoch; epoch_latest.pt on top.
    std::sort(found.begin(), found.end(), [](const CheckpointEntry& a, const CheckpointEntry& b) {
        if (a.isLatest != b.isLatest)
            return a.isLatest;
        const int64_t stepA = a.step.value_or(-1), stepB = b.step.value_or(-1);
        if (stepA != stepB)
            return stepA > stepB;
        if (a.epoch.value_or(-1) != b.epoch.value_or(-1))
            return a.epoch.value_or(-1) > b.epoch.value_or(-1);
        return a.fileName < b.fileName;
    });
    const auto same = [](const CheckpointEntry& a, const CheckpointEntry& b) {
        return a.path == b.path && a.sizeBytes == b.sizeBytes && a.modifiedUnixSeconds == b.modifiedUnixSeconds &&
               a.step == b.step;
    };
    if (found.size() != m_checkpoints.size() ||
        !std::equal(found.begin(), found.end(), m_checkpoints.begin(), same)) {
        m_checkpoints = std::move(found);
        update.checkpointsChanged = true;
    }
}

int64_t RunFolder::maxSteps() const
{
    if (const auto* column = m_train.column("max_steps"); column && !column->empty()) {
        const double last = column->back();
        if (std::isfinite(last) && last > 0)
            return static_cast<int64_t>(last);
    }
    if (const auto value = configValue("max_steps")) {
        try {
            return std::stoll(*value);
        } catch (...) {
        }
    }
    return 0;
}

std::optional<int64_t> RunFolder::lastStepOfEpoch(int64_t epoch) const
{
    const auto* epochs = m_train.column("epoch");
    const auto* steps = m_train.column("step");
    if (!epochs || !steps)
        return std::nullopt;
    for (size_t i = epochs->size(); i-- > 0;)
        if (std::floor((*epochs)[i]) == static_cast<double>(epoch) && std::isfinite((*steps)[i]))
            return static_cast<int64_t>((*steps)[i]);
    return std::nullopt;
}

} // namespace clipwb::run
