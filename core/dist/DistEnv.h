#pragma once
// One rank's place in a data-parallel run, read from torchrun's environment
// (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT and
// the agent-store variables torchrun's elastic agent sets). Torch-free.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace clipwb::dist {

struct DistEnv {
    int rank = 0;
    int worldSize = 1;
    int localRank = 0;
    int localWorldSize = 1;
    std::string masterAddr = "127.0.0.1";
    int masterPort = 29500;
    /// torchrun hosts the TCPStore itself (TORCHELASTIC_USE_AGENT_STORE=True): every
    /// rank connects as a client, under the prefix /worker/attempt_{restartCount}.
    bool useAgentStore = false;
    std::string restartCount = "0";

    bool distributed() const { return worldSize > 1; }
};

/// Reads the variables through getenv (a test passes its own lookup). Without
/// WORLD_SIZE (or with 1) the result is a single process. Throws clipwb::Error
/// naming the variable when one is malformed or missing for WORLD_SIZE >= 2.
DistEnv readDistEnv(const std::function<std::optional<std::string>(const std::string&)>& lookup = {});

} // namespace clipwb::dist
