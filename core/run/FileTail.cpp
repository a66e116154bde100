#include "run/FileTail.h"

#include "common/Error.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/stat.h>

namespace clipwb::run {

FileTail::FileTail(std::filesystem::path path) : m_path(std::move(path)) {}

void FileTail::rewind()
{
    m_offset = 0;
    m_inode = 0;
    m_partial.clear();
}

FileTail::Chunk FileTail::poll()
{
    Chunk chunk;
    struct stat info {};
    if (::stat(m_path.c_str(), &info) != 0) {
        if (m_offset > 0 || !m_partial.empty()) {
            rewind(); // removed: whatever comes next is a new file
            chunk.restarted = true;
        }
        return chunk;
    }
    const auto size = static_cast<uint64_t>(info.st_size);
    const auto inode = static_cast<uint64_t>(info.st_ino);
    if ((m_inode != 0 && inode != m_inode) || size < m_offset) {
        chunk.restarted = m_offset > 0 || !m_partial.empty();
        m_offset = 0;
        m_partial.clear();
    }
    m_inode = inode;
    if (size == m_offset)
        return chunk;

    std::FILE* file = std::fopen(m_path.c_str(), "rb");
    CLIPWB_CHECK(file, "cannot read ", m_path.string(), ": ", std::strerror(errno));
    std::string bytes;
    if (std::fseek(file, static_cast<long>(m_offset), SEEK_SET) == 0) {
        bytes.resize(size - m_offset);
        bytes.resize(std::fread(bytes.data(), 1, bytes.size(), file));
    }
    std::fclose(file);
    m_offset += bytes.size();

    size_t start = 0;
    for (size_t newline = bytes.find('\n'); newline != std::string::npos;
         newline = bytes.find('\n', start)) {
        if (!m_partial.empty()) {
            m_partial.append(bytes, start, newline - start);
            chunk.lines.push_back(std::move(m_partial));
            m_partial.clear();
        } else {
            chunk.lines.emplace_back(bytes, start, newline - start);
        }
        start = newline + 1;
    }
    m_partial.append(bytes, start, std::string::npos);
    for (auto& line : chunk.lines)
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
    return chunk;
}

} // namespace clipwb::run
