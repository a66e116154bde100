#include "train/RunControl.h"

#include <torch/torch.h>

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

void RunControl::togglePauseFromSignal()
{
    m_paused = !m_paused.load();
}

void RunControl::waitWhilePaused(TrainEvents& events)
{
    if (!m_paused.load())
        return;
    events.log(LogLevel::Info, "Paused");
    std::unique_lock<std::mutex> lock(m_mutex);
    // Woken by resume(), or within a second by a flag that a signal handler set.
    while (!m_condition.wait_for(lock, std::chrono::seconds(1), [&] { return !m_paused.load() || m_stop.load(); })) {
    }
    events.log(LogLevel::Info, "Continued");
}

RunControl::Decision RunControl::agree(TrainEvents& events, dist::Collectives& ranks)
{
    const bool leader = ranks.rank() == 0;
    bool announced = false;
    Decision d;
    for (;;) {
        // {stop asked on some rank, rank 0 paused, rank 0 asked to save}, summed over the ranks.
        torch::Tensor flags = torch::zeros({3}, torch::kInt);
        flags[0] = m_stop.load() ? 1 : 0;
        if (leader) {
            flags[1] = m_paused.load() && !m_stop.load() ? 1 : 0;
            flags[2] = m_save.exchange(false) ? 1 : 0;
        }
        ranks.allReduceSum(flags);
        d.stop = flags[0].item<int>() > 0;
        d.save = d.save || flags[2].item<int>() > 0;
        if (d.stop || flags[1].item<int>() == 0)
            break;
        if (!announced) {
            events.log(LogLevel::Info, "Paused");
            announced = true;
        }
        if (leader) {
            std::unique_lock<std::mutex> lock(m_mutex);
            m_condition.wait_for(lock, std::chrono::seconds(1),
                                 [&] { return !m_paused.load() || m_stop.load(); });
        }
    }
    if (announced)
        events.log(LogLevel::Info, "Continued");
    return d;
}

} // namespace clipwb::train
