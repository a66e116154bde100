#pragma once
// Image features of a zero-shot set kept on disk per checkpoint, so that the
// Zero-shot page encodes a folder once per checkpoint, not once per session.
// The file is ours and plain: a header line naming the key it was made for,
// then rows x dim little-endian float32. A file that does not match (other key,
// other shape, truncated) is ignored and rewritten; writes are atomic. No
// pickled or executable content, nothing from the file but numbers is used.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace clipwb::zeroshot {

struct CachedFeatures {
    std::int64_t rows = 0;
    std::int64_t dim = 0;
    std::vector<float> values; ///< rows x dim, row-major
};

/// $CLIPWB_CACHE_DIR/zeroshot, else $XDG_CACHE_HOME/clipwb/zeroshot, else
/// ~/.cache/clipwb/zeroshot; empty when none is known.
std::filesystem::path defaultFeatureCacheFolder();

/// The cache file of `key` (any text naming what the features depend on) in folder:
/// <stem>-<16 hex digits of the key's SHA-256>.features.
std::filesystem::path featureCachePath(const std::filesystem::path& folder, const std::string& stem,
                                       const std::string& key);

/// The features in path when it was written for key with rows rows; nullopt when it is
/// missing, for another key or shape, or damaged (never throws for a bad file).
std::optional<CachedFeatures> readFeatureCache(const std::filesystem::path& path, const std::string& key,
                                               std::int64_t rows);

/// Writes the features atomically (the folder is made), then prunes the folder to the default
/// limits (keeping this file); throws clipwb::Error naming path.
void writeFeatureCache(const std::filesystem::path& path, const std::string& key,
                       const CachedFeatures& features);

/// The cache does not grow without end: the newest feature files of folder are kept while there
/// are at most maxFiles of them and they hold at most maxBytes together; older ones are removed
/// (keep always stays). Files not ending in .features are never touched. Errors are ignored.
void pruneFeatureCache(const std::filesystem::path& folder, const std::filesystem::path& keep,
                       std::size_t maxFiles = 64, std::uintmax_t maxBytes = std::uintmax_t(4) << 30);

/// What image features of a folder depend on besides the model: each image's path, size and
/// modification time, in dataset order.
std::string imageListIdentity(const std::vector<std::filesystem::path>& images);

} // namespace clipwb::zeroshot
