#include "common/AtomicFile.h"

#include "common/Error.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace clipwb {

void writeFileAtomic(const std::filesystem::path& path, std::string_view bytes)
{
    // Output paths given on a command line often name a folder that does not
    // exist yet (--image-feat-output-path feats/valid.jsonl): create it.
    if (path.has_parent_path()) {
        std::error_code ec;
        std::filesystem::create_directories(path.parent_path(), ec);
        CLIPWB_CHECK(!ec, "cannot write ", path.string(), ": cannot create folder ",
                     path.parent_path().string(), ": ", ec.message());
    }
    const std::filesystem::path tmp = path.string() + ".tmp-" + std::to_string(::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    CLIPWB_CHECK(fd >= 0, "cannot write ", path.string(), " (temporary file ", tmp.string(),
                 "): ", std::strerror(errno));
    std::size_t written = 0;
    while (written < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            const int err = errno;
            ::close(fd);
            ::unlink(tmp.c_str());
            throw Error("cannot write " + path.string() + ": " + std::strerror(err));
        }
        written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        throw Error("cannot write " + path.string() + ": " + std::strerror(err));
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        throw Error("cannot write " + path.string() + ": " + std::strerror(err));
    }
}

std::string readFile(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    CLIPWB_CHECK(in.good(), "cannot read ", path.string(), ": ", std::strerror(errno));
    std::ostringstream out;
    out << in.rdbuf();
    CLIPWB_CHECK(!in.bad(), "cannot read ", path.string());
    return out.str();
}

} // namespace clipwb
