#include "FuzzSupport.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace clipwb::fuzz {

namespace fs = std::filesystem;

namespace {
thread_local std::string t_lastRejection;
}

const fs::path& scratch()
{
    static const fs::path dir = [] {
        const char* tmp = std::getenv("TMPDIR");
        fs::path d = fs::path(tmp && *tmp ? tmp : "/tmp") / ("clipwb-fuzz-" + std::to_string(::getpid()));
        fs::create_directories(d);
        return d;
    }();
    return dir;
}

fs::path writeScratch(const std::string& name, std::string_view bytes)
{
    const fs::path path = scratch() / name;
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    return path;
}

void setLastRejection(const char* message)
{
    t_lastRejection = message;
}
const std::string& lastRejection()
{
    return t_lastRejection;
}

} // namespace clipwb::fuzz
