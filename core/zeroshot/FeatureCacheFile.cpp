#include "zeroshot/FeatureCacheFile.h"

#include "common/AtomicFile.h"
#include "common/Error.h"
#include "common/Sha256.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace clipwb::zeroshot {
namespace fs = std::filesystem;

namespace {

constexpr const char* kMagic = "clipwb-zeroshot-features 1";

std::string keyDigest(const std::string& key)
{
    Sha256 hash;
    hash.update(key);
    return hash.hexDigest();
}

std::string header(const std::string& key, std::int64_t rows, std::int64_t dim)
{
    return std::string(kMagic) + " " + keyDigest(key) + " " + std::to_string(rows) + " " +
           std::to_string(dim) + "\n";
}

} // namespace

fs::path defaultFeatureCacheFolder()
{
    if (const char* dir = std::getenv("CLIPWB_CACHE_DIR"); dir && *dir)
        return fs::path(dir) / "zeroshot";
    if (const char* dir = std::getenv("XDG_CACHE_HOME"); dir && *dir)
        return fs::path(dir) / "clipwb" / "zeroshot";
    if (const char* home = std::getenv("HOME"); home && *home)
        return fs::path(home) / ".cache" / "clipwb" / "zeroshot";
    return {};
}

fs::path featureCachePath(const fs::path& folder, const std::string& stem, const std::string& key)
{
    return folder / (stem + "-" + keyDigest(key).substr(0, 16) + ".features");
}

std::optional<CachedFeatures> readFeatureCache(const fs::path& path, const std::string& key,
                                               std::int64_t rows)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return std::nullopt;
    std::string line;
    if (!std::getline(in, line) || line.size() > 200)
        return std::nullopt;
    // the header names key, rows and dim: parse dim, then require the whole header to match
    const auto lastSpace = line.rfind(' ');
    if (lastSpace == std::string::npos)
        return std::nullopt;
    std::int64_t dim = 0;
    try {
        std::size_t used = 0;
        dim = std::stoll(line.substr(lastSpace + 1), &used);
        if (used != line.size() - lastSpace - 1)
            return std::nullopt;
    } catch (const std::exception&) {
        return std::nullopt;
    }
    if (dim <= 0 || dim > 65536 || rows < 0 || line + "\n" != header(key, rows, dim))
        return std::nullopt;
    CachedFeatures features;
    features.rows = rows;
    features.dim = dim;
    const auto count = static_cast<std::size_t>(rows * dim);
    std::error_code error;
    const auto size = fs::file_size(path, error);
    if (error || size != line.size() + 1 + count * sizeof(float))
        return std::nullopt;
    features.values.resize(count);
    if (!in.read(reinterpret_cast<char*>(features.values.data()),
                 static_cast<std::streamsize>(count * sizeof(float))))
        return std::nullopt;
    for (float value : features.values) // normalised features: anything else is a damaged file
        if (!(value >= -1.01f && value <= 1.01f))
            return std::nullopt;
    return features;
}

void writeFeatureCache(const fs::path& path, const std::string& key, const CachedFeatures& features)
{
    CLIPWB_CHECK(features.values.size() == static_cast<std::size_t>(features.rows * features.dim),
                 "feature cache ", path.string(), ": ", features.values.size(), " values for ", features.rows,
                 " x ", features.dim);
    std::string bytes = header(key, features.rows, features.dim);
    const std::size_t start = bytes.size();
    bytes.resize(start + features.values.size() * sizeof(float));
    std::memcpy(bytes.data() + start, features.values.data(), features.values.size() * sizeof(float));
    std::error_code error;
    fs::create_directories(path.parent_path(), error);
    CLIPWB_CHECK(!error, "cannot create ", path.parent_path().string(), ": ", error.message());
    writeFileAtomic(path, bytes);
    pruneFeatureCache(path.parent_path(), path);
}

void pruneFeatureCache(const fs::path& folder, const fs::path& keep, std::size_t maxFiles,
                       std::uintmax_t maxBytes)
{
    struct Entry {
        fs::path path;
        fs::file_time_type time;
        std::uintmax_t size;
    };
    std::vector<Entry> entries;
    std::error_code error;
    for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
        std::error_code fileError;
        if (it->path().extension() != ".features" || !it->is_regular_file(fileError))
            continue;
        const auto time = it->last_write_time(fileError);
        const auto size = it->file_size(fileError);
        if (!fileError)
            entries.push_back({it->path(), time, size});
    }
    // newest first; the file just written counts first whatever its time says
    std::sort(entries.begin(), entries.end(), [&keep](const Entry& a, const Entry& b) {
        if ((a.path == keep) != (b.path == keep))
            return a.path == keep;
        return a.time > b.time;
    });
    std::size_t files = 0;
    std::uintmax_t bytes = 0;
    for (const Entry& entry : entries) {
        ++files;
        bytes += entry.size;
        if (entry.path != keep && (files > maxFiles || bytes > maxBytes))
            fs::remove(entry.path, error);
    }
}

std::string imageListIdentity(const std::vector<fs::path>& images)
{
    std::string identity;
    for (const fs::path& image : images) {
        std::error_code error;
        const auto size = fs::file_size(image, error);
        const auto time = fs::last_write_time(image, error);
        identity += image.string() + '\t' + std::to_string(size) + '\t' +
                    std::to_string(time.time_since_epoch().count()) + '\n';
    }
    return identity;
}

} // namespace clipwb::zeroshot
