#include "train/TrainLog.h"

#include "common/Error.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

namespace clipwb::train {

TrainLog::TrainLog(const std::filesystem::path& path) : m_path(path)
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
    if (m_failed)
        return;
    errno = 0;
    if (std::fprintf(m_file, "%s | %s | %s\n", stamp, name, text.c_str()) < 0 || std::fflush(m_file) != 0) {
        const int err = errno;
        m_failed = true;
        std::clearerr(m_file);
        throw Error("cannot write " + m_path.string() + ": " + std::strerror(err ? err : EIO));
    }
}

} // namespace clipwb::train
