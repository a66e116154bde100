#include "run/RunLock.h"

#include "common/Error.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace clipwb::run {

RunLock::RunLock(const std::filesystem::path& dir)
{
    const std::filesystem::path path = lockPath(dir);
    m_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    CLIPWB_CHECK(m_fd >= 0, "cannot lock the run folder ", dir.string(), " (", path.string(),
                 "): ", std::strerror(errno));
    if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        ::close(m_fd);
        m_fd = -1;
        CLIPWB_CHECK(err != EWOULDBLOCK, "the run folder ", dir.string(),
                     " is being trained by another process: wait for it to finish, or pick another name");
        throw Error("cannot lock the run folder " + dir.string() + ": " + std::strerror(err));
    }
}

RunLock::~RunLock()
{
    if (m_fd >= 0)
        ::close(m_fd); // releases the flock
}

bool RunLock::isHeld(const std::filesystem::path& dir)
{
    const int fd = ::open(lockPath(dir).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    ::close(fd);
    return held;
}

} // namespace clipwb::run
