#include "dist/DistEnv.h"

#include "common/Error.h"

#include <charconv>
#include <cstdlib>

namespace clipwb::dist {
namespace {

int parseInt(const std::string& name, const std::string& value, int low, int high)
{
    int v = 0;
    const char* end = value.data() + value.size();
    const auto [ptr, ec] = std::from_chars(value.data(), end, v);
    CLIPWB_CHECK(ec == std::errc() && ptr == end && !value.empty(), name, ": not an integer: '", value, "'");
    CLIPWB_CHECK(v >= low && v <= high, name, ": ", v, " is out of range (", low, "..", high, ")");
    return v;
}

} // namespace

DistEnv readDistEnv(const std::function<std::optional<std::string>(const std::string&)>& lookup)
{
    auto get = [&](const std::string& name) -> std::optional<std::string> {
        if (lookup)
            return lookup(name);
        const char* v = std::getenv(name.c_str());
        return v ? std::optional<std::string>(v) : std::nullopt;
    };
    DistEnv env;
    const auto worldSize = get("WORLD_SIZE");
    if (!worldSize || worldSize->empty())
        return env;
    env.worldSize = parseInt("WORLD_SIZE", *worldSize, 1, 1 << 20);
    if (env.worldSize == 1)
        return env;
    auto require = [&](const std::string& name) {
        const auto v = get(name);
        CLIPWB_CHECK(v && !v->empty(), name, " is not set (WORLD_SIZE is ", env.worldSize,
                     "; start the ranks with torchrun or clipwb-cli train --nproc-per-node N)");
        return *v;
    };
    env.rank = parseInt("RANK", require("RANK"), 0, env.worldSize - 1);
    env.masterAddr = require("MASTER_ADDR");
    env.masterPort = parseInt("MASTER_PORT", require("MASTER_PORT"), 1, 65535);
    if (const auto v = get("LOCAL_RANK"); v && !v->empty())
        env.localRank = parseInt("LOCAL_RANK", *v, 0, env.worldSize - 1);
    else
        env.localRank = env.rank;
    if (const auto v = get("LOCAL_WORLD_SIZE"); v && !v->empty())
        env.localWorldSize = parseInt("LOCAL_WORLD_SIZE", *v, 1, env.worldSize);
    else
        env.localWorldSize = env.worldSize;
    env.useAgentStore = get("TORCHELASTIC_USE_AGENT_STORE").value_or("") == "True";
    if (env.useAgentStore)
        env.restartCount = get("TORCHELASTIC_RESTART_COUNT").value_or("0");
    return env;
}

} // namespace clipwb::dist
