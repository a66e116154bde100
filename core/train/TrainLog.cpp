#include "train/TrainLog.h"

#include "common/Error.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

namespace clipwb::train {

TrainLog::TrainLog(const std::filesystem::path& path)
{
    m_file = std::fopen(path.c_str(), "a");
    CLIPWB_CHECK(m_file, "cannot write ", path.string(), ": ", std::strerror(errno));
}

TrainLog::~TrainLog()
{
    if (m_file)
        std::fclose(m_file);
}

void TrainLog::write(LogLevel level, const std::string& text)
{
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm utc{};
    gmtime_r(&now, &utc);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &utc);
    const char* name = level == LogLevel::Info ? "INFO" : level == LogLevel::Warning ? "WARNING" : "ERROR";
    std::lock_guard<std::mutex> lock(m_mutex);
    // A log that cannot be written must not stop training: metrics.jsonl is the record.
    std::fprintf(m_file, "%s | %s | %s\n", stamp, name, text.c_str());
    std::fflush(m_file);
}

} // namespace clipwb::train
