#include "train/TensorBoardWriter.h"

#include "common/AtomicFile.h"
#include "common/Error.h"
#include "train/TfRecord.h"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace clipwb::train {
namespace {

double unixSeconds()
{
    using namespace std::chrono;
    return duration<double>(system_clock::now().time_since_epoch()).count();
}

std::string hostName()
{
    char name[256] = {};
    if (gethostname(name, sizeof(name) - 1) != 0 || !name[0])
        return "localhost";
    std::string host(name);
    // The name becomes part of a file name: keep it to characters every file system takes.
    for (char& c : host)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'))
            c = '_';
    return host;
}

bool isConstantOfRun(const std::string& key)
{
    return key == "step" || key == "time" || key == "type" || key == "max_steps" || key == "num_samples";
}

} // namespace

TensorBoardWriter::TensorBoardWriter(std::filesystem::path dir) : m_dir(std::move(dir))
{
}

TensorBoardWriter::~TensorBoardWriter()
{
    if (m_file)
        std::fclose(m_file);
}

std::filesystem::path TensorBoardWriter::newEventFilePath(const std::filesystem::path& dir, double wallTime)
{
    static std::atomic<int> counter{0};
    char seconds[32];
    std::snprintf(seconds, sizeof(seconds), "%010lld", static_cast<long long>(wallTime));
    for (;;) {
        const auto path = dir / ("events.out.tfevents." + std::string(seconds) + "." + hostName() + "." +
                                 std::to_string(getpid()) + "." + std::to_string(counter++));
        if (!std::filesystem::exists(path))
            return path;
    }
}

TensorBoardEvent TensorBoardWriter::fileVersionEvent(double wallTime)
{
    TensorBoardEvent event;
    event.wallTime = wallTime;
    event.fileVersion = "brain.Event:2";
    return event;
}

void TensorBoardWriter::open(double wallTime)
{
    std::filesystem::create_directories(m_dir);
    m_path = newEventFilePath(m_dir, wallTime);
    m_file = std::fopen(m_path.c_str(), "wbx");
    CLIPWB_CHECK(m_file, "cannot write ", m_path.string(), ": ", std::strerror(errno));
    const std::string header = frameTfRecord(fileVersionEvent(wallTime).encode());
    const bool ok = std::fwrite(header.data(), 1, header.size(), m_file) == header.size();
    CLIPWB_CHECK(ok, "cannot write ", m_path.string(), ": ", std::strerror(errno));
}

void TensorBoardWriter::write(const TensorBoardEvent& event)
{
    if (!m_file)
        open(event.wallTime);
    const std::string record = frameTfRecord(event.encode());
    const bool ok =
        std::fwrite(record.data(), 1, record.size(), m_file) == record.size() && std::fflush(m_file) == 0;
    CLIPWB_CHECK(ok, "cannot write ", m_path.string(), ": ", std::strerror(errno));
}

void TensorBoardWriter::writeMetricsRecord(const nlohmann::json& record)
{
    if (const auto event = eventOfMetricsRecord(record))
        write(*event);
}

std::optional<TensorBoardEvent> TensorBoardWriter::eventOfMetricsRecord(const nlohmann::json& record)
{
    if (!record.is_object() || !record.contains("type") || !record["type"].is_string() ||
        !record.contains("step") || !record["step"].is_number_integer())
        return std::nullopt;
    TensorBoardEvent event;
    event.step = record["step"].get<int64_t>();
    const auto time = record.find("time");
    event.wallTime = time != record.end() && time->is_number() ? time->get<double>() : unixSeconds();
    const std::string type = record["type"].get<std::string>();
    for (const auto& [key, value] : record.items()) {
        if (isConstantOfRun(key))
            continue;
        if (value.is_number())
            event.scalars.push_back({type + "/" + key, value.get<float>()});
        else if (value.is_boolean())
            event.scalars.push_back({type + "/" + key, value.get<bool>() ? 1.0f : 0.0f});
    }
    if (event.scalars.empty())
        return std::nullopt;
    return event;
}

std::vector<std::filesystem::path> TensorBoardWriter::eventFiles(const std::filesystem::path& dir)
{
    std::vector<std::filesystem::path> files;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
        const std::string name = entry.path().filename().string();
        // TensorBoard's own test (IsTensorFlowEventsFile) plus: not one of our temporary files.
        if (entry.is_regular_file() && name.find("tfevents") != std::string::npos &&
            name.find(".tmp-") == std::string::npos)
            files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

size_t TensorBoardWriter::dropStepsAfter(const std::filesystem::path& dir, int64_t keepUpToStep)
{
    size_t removed = 0;
    for (const auto& file : eventFiles(dir)) {
        const std::string bytes = readFile(file);
        const TfRecords records = readTfRecords(bytes);
        std::string kept;
        size_t keptContent = 0; // events other than the file_version header
        size_t droppedHere = 0;
        for (const std::string& record : records.records) {
            const auto event = TensorBoardEvent::decode(record);
            const bool isHeader = event && event->scalars.empty() && !event->fileVersion.empty();
            if (event && !isHeader && event->step > keepUpToStep) {
                droppedHere += event->scalars.empty() ? 0 : 1;
                continue;
            }
            keptContent += isHeader ? 0 : 1;
            kept += frameTfRecord(record);
        }
        removed += droppedHere;
        if (keptContent == 0) {
            std::filesystem::remove(file);
        } else if (kept.size() != bytes.size()) {
            writeFileAtomic(file, kept);
        }
    }
    return removed;
}

} // namespace clipwb::train
