#pragma once
// Stop, pause and save-now requests from other threads (the GUI, a signal
// handler); the training loop polls them between optimizer steps.
#include "dist/Collectives.h"
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
    /// Pause, or continue when paused, from a signal handler (atomics only: the
    /// waiting loop notices within a second).
    void togglePauseFromSignal();

    bool isPaused() const { return m_paused.load(); }
    bool stopRequested() const { return m_stop.load(); }
    /// Whether a save was requested since the last call (clears the request).
    bool takeSaveRequest() { return m_save.exchange(false); }
    /// Blocks while paused, until resume() or requestStop(); logs both ends of a pause.
    void waitWhilePaused(TrainEvents& events);

    struct Decision {
        bool stop = false;
        bool save = false;
    };
    /// Data-parallel, at a step boundary: every rank learns what rank 0 decided
    /// (pause, save now) and whether any rank was asked to stop. While rank 0 is
    /// paused all ranks wait here, exchanging a heartbeat every second so that no
    /// collective times out.
    Decision agree(TrainEvents& events, dist::Collectives& ranks);

private:
    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_save{false};
    std::atomic<bool> m_paused{false};
    std::mutex m_mutex;
    std::condition_variable m_condition;
};

} // namespace clipwb::train
