#pragma once
// Files are written to "<path>.tmp-<pid>", flushed with fsync, then renamed
// over the target: a reader never sees a half-written file and a failed write
// (disk full, permissions) leaves the previous file intact.
#include <filesystem>
#include <string_view>

namespace clipwb {

/// Writes bytes to path atomically; throws clipwb::Error naming the path on failure.
void writeFileAtomic(const std::filesystem::path& path, std::string_view bytes);

/// Reads a whole file; throws clipwb::Error naming the path when it cannot.
std::string readFile(const std::filesystem::path& path);

} // namespace clipwb
