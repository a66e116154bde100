#pragma once
// Stop, pause and save-now requests from other threads (the GUI, a signal
// handler); the training loop polls them between optimizer steps.
#include "train/TrainEvents.h"

#include <atomic>
#include <condition_variable>
#include <mutex>

namespace clipwb::train {

class RunControl {
public:
    void requestStop();
    void pause();
    void resume();
    void requestSave();

    bool isPaused() const { return m_paused.load(); }
    bool stopRequested() const { return m_stop.load(); }
    /// Whether a save was requested since the last call (clears the request).
    bool takeSaveRequest() { return m_save.exchange(false); }
    /// Blocks while paused, until resume() or requestStop(); logs both ends of a pause.
    void waitWhilePaused(TrainEvents& events);

private:
    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_save{false};
    std::atomic<bool> m_paused{false};
    std::mutex m_mutex;
    std::condition_variable m_condition;
};

} // namespace clipwb::train
