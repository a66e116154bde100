#pragma once
// Finding pairs of a split by caption substring or by id. It reads every
// record, so the Dataset page runs it in a worker thread and cancels it when the
// query changes.
#include "common/Progress.h"

#include <cstdint>
#include <string>
#include <vector>

namespace clipwb::data {
class LmdbSplit;
}

namespace clipwb::data {

enum class PairSearchField { Text, ImageId, TextId, PairIndex };

struct PairSearchQuery {
    PairSearchField field = PairSearchField::Text;
    /// A substring of the caption (ASCII letters match either case), or a decimal id.
    std::string value;
};

struct PairSearchResult {
    std::vector<int64_t> pairIndices; ///< matches in index order
    int64_t brokenRecords = 0;        ///< records that could not be read (skipped)
    std::string error; ///< set by callers that catch a failed search (e.g. an id that is not a number)
};

/// Every pair matching query. progress is called now and then from the calling thread; the
/// search throws clipwb::Cancelled when it returns false.
/// Throws clipwb::Error when an id query is not a number.
PairSearchResult searchPairs(const data::LmdbSplit& split, const PairSearchQuery& query,
                             const ProgressCallback& progress = {});

} // namespace clipwb::data
