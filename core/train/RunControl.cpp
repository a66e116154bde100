#include "train/RunControl.h"

namespace clipwb::train {

void RunControl::requestStop()
{
    m_stop = true;
    m_condition.notify_all();
}

void RunControl::pause()
{
    m_paused = true;
}

void RunControl::resume()
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_paused = false;
    }
    m_condition.notify_all();
}

void RunControl::requestSave()
{
    m_save = true;
}

void RunControl::waitWhilePaused(TrainEvents& events)
{
    if (!m_paused.load())
        return;
    events.log(LogLevel::Info, "Paused");
    std::unique_lock<std::mutex> lock(m_mutex);
    m_condition.wait(lock, [&] { return !m_paused.load() || m_stop.load(); });
    events.log(LogLevel::Info, "Continued");
}

} // namespace clipwb::train
