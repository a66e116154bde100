#pragma once
// upstream build_lmdb_dataset.py: {split}_texts.jsonl and {split}_imgs.tsv in
// a data folder to LMDB splits lmdbDir/{split}/{pairs,imgs}. Pair values are
// pickle.dumps((image_id, text_id, text)) with protocol 4, byte-identical to
// Python's. Each split is built in a temporary folder and renamed into place,
// so a failed build never leaves a half-written split behind.
#include "common/Progress.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace clipwb::data {

struct BuildLmdbOptions {
    std::filesystem::path dataDir;
    std::vector<std::string> splits{"train", "valid"};
    std::filesystem::path lmdbDir; // empty: dataDir/lmdb
};

struct BuildLmdbSplitResult {
    std::string split;
    std::filesystem::path path;
    std::int64_t numSamples = 0, numImages = 0;
};

/// Throws clipwb::Error naming file:line for bad lines (bad JSON, missing or
/// mistyped fields, a tsv line without exactly two fields, bad base64).
/// progress: stage "{split} pairs" or "{split} imgs", done and total in bytes of its input file,
/// detail the records written; returning false stops with clipwb::Cancelled.
std::vector<BuildLmdbSplitResult> buildLmdb(const BuildLmdbOptions& options, const ProgressCallback& progress = {});

} // namespace clipwb::data
