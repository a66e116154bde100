#include "train/TrainEvents.h"

#include <cstdio>
#include <sstream>

namespace clipwb::train {

void TrainEvents::log(LogLevel level, const std::string& text)
{
    if (m_rank > 0) {
        const char* name = level == LogLevel::Info      ? "INFO"
                           : level == LogLevel::Warning ? "WARNING"
                                                        : "ERROR";
        std::fprintf(stderr, "[rank %d] %s | %s\n", m_rank, name, text.c_str());
        return;
    }
    if (m_log)
        m_log->write(level, text);
    if (m_observer)
        m_observer->onLog(level, text);
}

void TrainEvents::logToFile(LogLevel level, const std::string& text)
{
    if (m_rank > 0)
        return; // no train.log; the command that ran the trainer prints the failure
    if (m_log)
        m_log->write(level, text);
}

std::string formatFixed(double v, int decimals)
{
    std::ostringstream out;
    out.setf(std::ios::fixed);
    out.precision(decimals);
    out << v;
    return out.str();
}

} // namespace clipwb::train
