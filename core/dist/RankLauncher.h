#pragma once
// `clipwb-cli train --nproc-per-node N`: starts this node's ranks as child
// processes with torchrun's environment (RANK, WORLD_SIZE, LOCAL_RANK,
// LOCAL_WORLD_SIZE, GROUP_RANK, MASTER_ADDR, MASTER_PORT), passes their output
// through, forwards SIGINT/SIGTERM/SIGHUP to them once (a second signal kills
// them), and when one rank fails stops the others (SIGTERM, then SIGKILL after a
// grace period) and reports the failing rank's message. Torch-free; POSIX.
#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace clipwb::dist {

struct LaunchOptions {
    std::string program;           ///< the executable each rank runs
    std::vector<std::string> args; ///< its arguments (argv[1..])
    int nprocPerNode = 1;
    int nnodes = 1;
    int nodeRank = 0;
    std::string masterAddr; ///< empty: 127.0.0.1 (single node only)
    int masterPort = 0;     ///< 0: a free port (single node only)
    /// After a rank fails, how long the others get to end on SIGTERM before SIGKILL.
    std::chrono::milliseconds grace{std::chrono::seconds(15)};
    /// Where the launcher's own lines go (default: stderr).
    std::function<void(const std::string&)> log;
};

struct LaunchResult {
    int exitCode = 0;    ///< 0 when every rank exited 0, else the first failing rank's
    int failedRank = -1; ///< global rank, -1 when none failed
    std::string message; ///< the failing rank's last error line (or how it died)
};

/// A TCP port free on this machine right now (bound to port 0 and released).
int freePort();

/// Blocks until every local rank has exited.
LaunchResult launchRanks(const LaunchOptions& options);

} // namespace clipwb::dist
