#pragma once
// What the fuzz entry points share: a scratch folder of this process for
// readers that take a path, and the rule that a clipwb::Error is a rejection.
#include "FuzzEntries.h"

#include "common/Error.h"

#include <filesystem>
#include <string>
#include <string_view>

namespace clipwb::fuzz {

inline std::string_view bytesOf(const std::uint8_t* data, std::size_t size)
{
    return {reinterpret_cast<const char*>(data), size};
}

/// A folder of this process's own ($TMPDIR or /tmp, clipwb-fuzz-PID).
const std::filesystem::path& scratch();
/// Writes bytes to scratch()/name (parents created) and returns the path.
std::filesystem::path writeScratch(const std::string& name, std::string_view bytes);
void setLastRejection(const char* message);

/// Runs f: Accepted, or Rejected when it threw clipwb::Error (the one exception
/// a reader may throw at bad input; LmdbDamaged is one). Anything else escapes.
template <typename F> Outcome guardedRun(F&& f)
{
    try {
        f();
        return Outcome::Accepted;
    } catch (const Error& e) {
        setLastRejection(e.what());
        return Outcome::Rejected;
    }
}

} // namespace clipwb::fuzz
