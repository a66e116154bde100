#pragma once
// SHA-256 (FIPS 180-4), incremental, for recording and checking downloaded
// model files without pulling a crypto library into the core.
#include "common/Progress.h"

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace clipwb {

class Sha256 {
public:
    Sha256();
    void update(const void* data, std::size_t size);
    void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }
    /// The digest as 64 lower-case hex digits; the object is spent afterwards.
    std::string hexDigest();

private:
    void block(const std::uint8_t* data);
    std::array<std::uint32_t, 8> m_state;
    std::array<std::uint8_t, 64> m_buffer{};
    std::size_t m_buffered = 0;
    std::uint64_t m_length = 0;
};

/// The SHA-256 of a file, read in 1 MiB chunks. progress (stage "sha256", done and total in
/// bytes) is called before the first chunk and after each; returning false stops with
/// clipwb::Cancelled.
std::string sha256OfFile(const std::filesystem::path& path, const ProgressCallback& progress = {});

} // namespace clipwb
