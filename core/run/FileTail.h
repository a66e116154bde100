#pragma once
// Reads the complete lines appended to a growing file since the last call.
// A partial last line (a writer in the middle of a line, or a killed run) is
// kept until its newline arrives. A file that was replaced (new inode, as an
// atomic rewrite does) or shrank is read again from its start.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace clipwb::run {

class FileTail {
public:
    explicit FileTail(std::filesystem::path path);

    struct Chunk {
        std::vector<std::string> lines; ///< complete lines without their newline
        bool restarted = false;         ///< the file was replaced or truncated: lines start over
    };
    /// New complete lines; an absent file gives none. Throws clipwb::Error on read errors.
    Chunk poll();
    /// Reads everything again on the next poll().
    void rewind();

    const std::filesystem::path& path() const { return m_path; }
    uint64_t offset() const { return m_offset; }
    bool hasPartialLine() const { return !m_partial.empty(); }

private:
    std::filesystem::path m_path;
    uint64_t m_offset = 0;
    uint64_t m_inode = 0;
    std::string m_partial;
};

} // namespace clipwb::run
