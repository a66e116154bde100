#pragma once
// upstream build_lmdb_dataset.py: {split}_texts.jsonl and {split}_imgs.tsv in
// a data folder to LMDB splits lmdbDir/{split}/{pairs,imgs}. Pair values are
// pickle.dumps((image_id, text_id, text)) with protocol 4, byte-identical to
// Python's. Each split is built in a temporary folder and renamed into place,
// so a failed build never leaves a half-written split behind.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace clipwb::data {

struct BuildLmdbOptions {
    std::filesystem::path dataDir;
    std::vector<std::string> splits{"train", "valid"};
    std::filesystem::path lmdbDir; // empty: dataDir/lmdb
};

struct BuildLmdbProgress {
    std::string split;
    std::string stage; // "pairs" or "imgs"
    std::int64_t bytesDone = 0, bytesTotal = 0;
    std::int64_t records = 0;
};

struct BuildLmdbSplitResult {
    std::string split;
    std::filesystem::path path;
    std::int64_t numSamples = 0, numImages = 0;
};

/// Throws clipwb::Error naming file:line for bad lines (bad JSON, missing or
/// mistyped fields, a tsv line without exactly two fields, bad base64).
/// progress may return false to cancel (then throws "cancelled").
std::vector<BuildLmdbSplitResult> buildLmdb(const BuildLmdbOptions& options,
                                            const std::function<bool(const BuildLmdbProgress&)>& progress = {});

} // namespace clipwb::data
