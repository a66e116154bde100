#include "model/GemmBackendChoice.h"

#include <torch/version.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace clipwb::model {
namespace {

constexpr std::uintmax_t kMaxFileBytes = 4u << 20; // a cache: a larger file is somebody else's, not read

std::string cpuSignature()
{
    std::string model = "unknown-cpu";
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpuinfo, line)) {
        if (line.rfind("model name", 0) == 0) {
            const auto colon = line.find(':');
            if (colon != std::string::npos && colon + 2 <= line.size())
                model = line.substr(colon + 2);
            break;
        }
    }
    std::string signature = model + " x" + std::to_string(std::thread::hardware_concurrency()) + " torch-" +
                            std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) +
                            "." + std::to_string(TORCH_VERSION_PATCH) +
                            // v2: ATen's products share ATen's OpenMP threads (OpenBLAS's own pool retired),
                            // so choices measured before that no longer hold.
                            " v2";
    for (char& c : signature)
        if (c == '\t' || c == '\n' || c == ' ')
            c = '_';
    return signature;
}

const char* backendName(GemmBackend backend)
{
    return backend == GemmBackend::Aten ? "aten" : "onednn";
}

} // namespace

std::string GemmShape::key() const
{
    std::ostringstream out;
    out << (transA ? 'T' : 'N') << (transB ? 'T' : 'N') << ":m" << m << ":n" << n << ":k" << k << ":b"
        << batch << ":t" << threads;
    return out.str();
}

GemmBackendChoice::GemmBackendChoice(std::filesystem::path file)
    : m_file(std::move(file)), m_signature(cpuSignature())
{
}

std::filesystem::path GemmBackendChoice::cacheFolder()
{
    if (const char* dir = std::getenv("CLIPWB_CACHE_DIR"); dir && *dir)
        return dir;
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
        return std::filesystem::path(xdg) / "clipwb";
    if (const char* home = std::getenv("HOME"); home && *home)
        return std::filesystem::path(home) / ".cache" / "clipwb";
    return {};
}

GemmBackendChoice& GemmBackendChoice::global()
{
    static GemmBackendChoice choice = [] {
        const auto folder = cacheFolder();
        return GemmBackendChoice(folder.empty() ? std::filesystem::path() : folder / "gemm-backends.tsv");
    }();
    return choice;
}

void GemmBackendChoice::reloadIfChanged()
{
    if (m_file.empty())
        return;
    std::error_code ec;
    const auto size = std::filesystem::file_size(m_file, ec);
    if (ec || size > kMaxFileBytes)
        return;
    const auto time = std::filesystem::last_write_time(m_file, ec);
    if (ec || (time == m_loadedTime && size == m_loadedSize))
        return;
    std::ifstream in(m_file);
    std::string line;
    while (std::getline(in, line)) {
        // signature \t key \t backend \t oneDNN seconds \t ATen seconds; anything else is skipped.
        std::istringstream fields(line);
        std::string signature, key, backend;
        if (!std::getline(fields, signature, '\t') || !std::getline(fields, key, '\t') ||
            !std::getline(fields, backend, '\t') || signature != m_signature)
            continue;
        if (backend != "aten" && backend != "onednn")
            continue;
        // The first line for a key wins, in every process: choices never change once made.
        m_choices.emplace(key, backend == "aten" ? GemmBackend::Aten : GemmBackend::OneDnn);
    }
    m_loadedTime = time;
    m_loadedSize = size;
}

std::optional<GemmBackend> GemmBackendChoice::find(const GemmShape& shape)
{
    const std::string key = shape.key();
    std::lock_guard lock(m_mutex);
    if (const auto it = m_choices.find(key); it != m_choices.end())
        return it->second;
    reloadIfChanged(); // another process may have measured it meanwhile
    if (const auto it = m_choices.find(key); it != m_choices.end())
        return it->second;
    return std::nullopt;
}

GemmBackend GemmBackendChoice::record(const GemmShape& shape, double oneDnnSeconds, double atenSeconds)
{
    const std::string key = shape.key();
    const GemmBackend measured =
        atenSeconds < kAtenMargin * oneDnnSeconds ? GemmBackend::Aten : GemmBackend::OneDnn;
    std::lock_guard lock(m_mutex);
    reloadIfChanged();
    const auto [it, added] = m_choices.emplace(key, measured);
    if (added)
        append(key, measured, oneDnnSeconds, atenSeconds);
    return it->second;
}

size_t GemmBackendChoice::size()
{
    std::lock_guard lock(m_mutex);
    return m_choices.size();
}

void GemmBackendChoice::append(const std::string& key, GemmBackend backend, double oneDnnSeconds,
                               double atenSeconds)
{
    if (m_file.empty())
        return;
    // One write(2) of a whole line with O_APPEND: processes measuring at the same time add their
    // lines without tearing each other's, and readers take the first line of every key. A cache
    // that cannot be written (read-only home) only costs the measurement again next time.
    std::error_code ec;
    std::filesystem::create_directories(m_file.parent_path(), ec);
    const int fd = ::open(m_file.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    // A file cut short (disk full) ends mid-line: start a new one rather than extend the broken one.
    char last = '\n';
    if (const off_t end = ::lseek(fd, 0, SEEK_END); end > 0 && ::pread(fd, &last, 1, end - 1) != 1)
        last = '\n';
    char seconds[64];
    std::snprintf(seconds, sizeof seconds, "\t%.6g\t%.6g\n", oneDnnSeconds, atenSeconds);
    const std::string line = std::string(last == '\n' ? "" : "\n") + m_signature + "\t" + key + "\t" +
                             backendName(backend) + seconds;
    [[maybe_unused]] const auto written = ::write(fd, line.data(), line.size());
    ::close(fd);
}

} // namespace clipwb::model
