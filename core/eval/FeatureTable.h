#pragma once
// Rows of L2-normalised features with their ids, and upstream's feature jsonl
// files: one {"image_id": N, "feature": [...]} (or "text_id") object a line,
// as cn_clip/eval/extract_features.py writes them.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace clipwb::eval {

struct FeatureTable {
    std::string idKey = "image_id";      ///< "image_id" or "text_id"
    std::int64_t dim = 0;                ///< feature width
    std::vector<std::int64_t> ids;       ///< one per row, in file order (duplicates kept, as upstream)
    std::vector<float> values;           ///< rows() x dim, row-major

    std::int64_t rows() const { return static_cast<std::int64_t>(ids.size()); }
    const float* row(std::int64_t index) const { return values.data() + index * dim; }

    /// Reads a feature jsonl file. Values are parsed as Python does (decimal to
    /// double, then to float32 as numpy's float32 array). Throws clipwb::Error
    /// naming the file and line of a malformed line, a missing key, a non-integer
    /// id, a non-finite value or a width differing from the first line's.
    static FeatureTable readJsonl(const std::filesystem::path& path, const std::string& idKey);

    /// The file's bytes exactly as upstream writes them (json.dumps of each row).
    std::string toJsonl() const;
    /// Writes toJsonl() atomically.
    void writeJsonl(const std::filesystem::path& path) const;
};

} // namespace clipwb::eval
