#include "train/TrainEvents.h"

#include <sstream>

namespace clipwb::train {

void TrainEvents::log(LogLevel level, const std::string& text)
{
    if (m_log)
        m_log->write(level, text);
    if (m_observer)
        m_observer->onLog(level, text);
}

void TrainEvents::logToFile(LogLevel level, const std::string& text)
{
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
