#pragma once
// An upstream Chinese-CLIP LMDB split (built by build_lmdb_dataset.py or
// build-lmdb): splitDir/imgs (key = image id as decimal text, value = base64
// image, key "num_images") and splitDir/pairs (key = index, value = pickled
// (image_id, text_id, text), key "num_samples"). Opened read-only with
// MDB_RDONLY | MDB_NOLOCK: no lock file is created, read-only mounts work.
// All methods are safe to call from several threads at once. A damaged file
// (random bytes, truncated, zeros) gives data::LmdbDamaged naming the split and
// the record, never a crash: see data/LmdbReader.h.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace clipwb::data {

struct PairRecord {
    std::int64_t index = 0;
    std::int64_t imageId = 0;
    std::int64_t textId = 0;
    std::string text;
};

class LmdbSplit {
public:
    /// Throws clipwb::Error naming the folder when it is not an LMDB split.
    explicit LmdbSplit(const std::filesystem::path& splitDir);
    ~LmdbSplit();
    LmdbSplit(const LmdbSplit&) = delete;
    LmdbSplit& operator=(const LmdbSplit&) = delete;

    /// num_samples / num_images as stored (O(1)).
    std::int64_t numSamples() const;
    std::int64_t numImages() const;
    /// Entries actually stored, without the count keys (for the checker).
    std::int64_t storedPairEntries() const;
    std::int64_t storedImageEntries() const;
    const std::filesystem::path& path() const;

    /// Throws clipwb::Error naming the split and index (missing record, bad pickle, wrong shape).
    PairRecord pair(std::int64_t index) const;
    /// The raw pickled value of a pair; nullopt when the key is missing.
    std::optional<std::string> rawPair(std::int64_t index) const;
    /// Decoded image bytes (JPEG/PNG/...); throws naming the split and image when missing or bad base64.
    std::string imageBytes(std::int64_t imageId) const;
    /// The stored base64 text; nullopt when missing.
    std::optional<std::string> imageBase64(std::int64_t imageId) const;
    bool hasImage(std::int64_t imageId) const;
    /// Every image id in key order (keys that are not decimal ids are skipped).
    std::vector<std::int64_t> imageIds() const;

    /// Called once when a read finds imgs/ or pairs/ damaged (data/LmdbDamaged.h:
    /// every later read of that file throws the same message), on the reading
    /// thread. Set it before sharing the split.
    void setDamageListener(std::function<void(const std::string& message)> listener);
    /// True once a read found imgs/ or pairs/ damaged.
    bool damaged() const;

    /// Decodes a pickled pair value; `what` names it in errors.
    static PairRecord decodePair(const std::string& pickled, std::int64_t index, const std::string& what);

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace clipwb::data
