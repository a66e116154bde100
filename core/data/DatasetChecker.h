#pragma once
// `dataset check`: reads a whole LMDB split and reports every problem:
// pairs whose image is missing, images that are not valid base64 or do not
// decode, pair values that are not a pickled (image_id, text_id, text),
// stored counts that disagree with the entries, duplicate pairs. No torch:
// the GUI calls it from a worker thread with progress and cancel.
#include "common/Progress.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace clipwb::data {

struct DatasetProblem {
    enum class Kind {
        MissingImage,
        BadImage,
        BadBase64,
        BadPickle,
        MissingPair,
        CountMismatch,
        DuplicatePair,
        DamagedFile // the LMDB file itself (data/LmdbDamaged.h): the check stops there
    };
    Kind kind;
    std::int64_t index = -1;   // pair index, or -1
    std::int64_t imageId = -1; // image id, or -1
    std::string message;       // one line naming the split and record
    static const char* kindName(Kind kind);
};

struct DatasetCheckReport {
    std::filesystem::path path;
    std::int64_t numSamples = 0, numImages = 0;
    std::int64_t pairsChecked = 0, imagesChecked = 0;
    std::vector<DatasetProblem> problems;
    bool clean() const { return problems.empty(); }
    /// {"path", "num_samples", "num_images", "pairs_checked", "images_checked", "ok",
    ///  "problem_counts": {kind: n}, "problems": [{"kind", "index", "image_id", "message"}]}
    std::string toJson(int indent = 2) const;
};

struct DatasetCheckOptions {
    bool decodeImages = true;
    std::size_t maxReportedPerKind = 1000; // further problems of a kind are counted, not listed
};

/// progress is called now and then (done and total count pairs, then images); returning false
/// stops the check with clipwb::Cancelled.
/// A damaged LMDB file (even one that cannot be opened) ends the check with a
/// DamagedFile problem naming the split and the record. Throws clipwb::Error only
/// when the folder is not an LMDB split at all.
DatasetCheckReport checkDataset(const std::filesystem::path& splitDir, const DatasetCheckOptions& options = {},
                                const ProgressCallback& progress = {});

} // namespace clipwb::data
