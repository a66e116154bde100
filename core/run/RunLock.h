#pragma once
// An advisory lock on a run folder ({run}/.clipwb-train.lock, flock) held for
// the whole of a training run: a second trainer on the same folder (another
// clipwb-cli, or the GUI while a server run writes to a mounted folder) would
// interleave metrics.jsonl and overwrite checkpoints. The kernel drops the
// lock when the process dies, so a kill -9 never leaves the folder locked.
#include <filesystem>

namespace clipwb::run {

class RunLock {
public:
    /// Locks dir; throws clipwb::Error naming the folder when another trainer holds it.
    explicit RunLock(const std::filesystem::path& dir);
    ~RunLock();
    RunLock(const RunLock&) = delete;
    RunLock& operator=(const RunLock&) = delete;

    /// True when some process (this one included) trains in dir now.
    static bool isHeld(const std::filesystem::path& dir);

    static std::filesystem::path lockPath(const std::filesystem::path& dir) { return dir / ".clipwb-train.lock"; }

private:
    int m_fd = -1;
};

} // namespace clipwb::run
