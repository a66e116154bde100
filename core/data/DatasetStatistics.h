#pragma once
// Figures about a whole split for the Statistics tab, computed in one pass over
// its pairs (and over a sample of its images, whose headers alone are read).
// The pass also builds the image -> pairs index the detail pane uses to list
// every text of an image.
#include "common/Progress.h"

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace clipwb::data {
class LmdbSplit;
}
namespace clipwb::text {
class Tokenizer;
}

namespace clipwb::data {

struct DatasetStatistics {
    int64_t numSamples = 0;
    int64_t numImages = 0;
    int64_t imagesWithPairs = 0; ///< distinct image ids referenced by pairs
    int64_t distinctTexts = 0;   ///< distinct text ids
    int64_t brokenRecords = 0;   ///< pairs that could not be read
    int64_t maxPairsPerImage = 0;

    int contextLength = 52;
    /// tokenLengthCounts[n]: captions of n wordpieces (before [CLS]/[SEP] and truncation).
    std::vector<int64_t> tokenLengthCounts;
    /// charLengthCounts[n]: captions of n characters (Unicode code points).
    std::vector<int64_t> charLengthCounts;
    int64_t truncatedTexts = 0; ///< captions longer than contextLength - 2 wordpieces

    /// Width and height of the images examined (all, or an even sample of a big split).
    std::vector<std::pair<int, int>> imageSizes;
    int64_t imagesExamined = 0;
    int64_t unreadableImages = 0; ///< examined images whose bytes are not an image
    int64_t missingImages = 0;    ///< image ids that pairs refer to but imgs lacks
    std::map<std::string, int64_t> imageFormats;

    /// (image id, pair index), sorted: every pair of an image by binary search.
    std::vector<std::pair<int64_t, int64_t>> pairsByImage;
    std::vector<int64_t> pairsOfImage(int64_t imageId) const;

};

struct DatasetStatisticsOptions {
    int contextLength = 52;
    /// At most this many images are examined for sizes and formats (spread evenly over the split).
    int64_t maxImagesExamined = 20000;
};

/// One pass over split; tokenizer may be null (no token lengths then). progress is called
/// now and then from the calling thread; the pass throws clipwb::Cancelled when it returns false.
DatasetStatistics computeDatasetStatistics(const data::LmdbSplit& split, const text::Tokenizer* tokenizer,
                                           const DatasetStatisticsOptions& options,
                                           const ProgressCallback& progress = {});

} // namespace clipwb::data
