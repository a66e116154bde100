#include "data/DatasetStatistics.h"

#include "data/ImageHeader.h"
#include "data/LmdbSplit.h"
#include "text/Tokenizer.h"

#include <algorithm>
#include <unordered_set>

namespace clipwb::data {

namespace {

size_t utf8Length(const std::string& text)
{
    return size_t(std::count_if(text.begin(), text.end(), [](char c) { return (uint8_t(c) & 0xC0) != 0x80; }));
}

void countInto(std::vector<int64_t>& counts, size_t value)
{
    if (counts.size() <= value)
        counts.resize(value + 1, 0);
    ++counts[value];
}

} // namespace

std::vector<int64_t> DatasetStatistics::pairsOfImage(int64_t imageId) const
{
    std::vector<int64_t> pairs;
    auto it = std::lower_bound(pairsByImage.begin(), pairsByImage.end(), std::make_pair(imageId, INT64_MIN));
    for (; it != pairsByImage.end() && it->first == imageId; ++it)
        pairs.push_back(it->second);
    return pairs;
}

DatasetStatistics computeDatasetStatistics(const data::LmdbSplit& split, const text::Tokenizer* tokenizer,
                                           const DatasetStatisticsOptions& options,
                                           const ProgressCallback& progress)
{
    DatasetStatistics stats;
    stats.numSamples = split.numSamples();
    stats.numImages = split.numImages();
    stats.contextLength = options.contextLength;
    stats.pairsByImage.reserve(size_t(stats.numSamples));
    std::unordered_set<int64_t> textIds;

    // Pairs take most of the time on a big split; images are a bounded sample.
    const double pairShare = 0.8;
    const int64_t every = std::max<int64_t>(1, stats.numSamples / 200);
    for (int64_t i = 0; i < stats.numSamples; ++i) {
        if (i % every == 0) {
            reportProgress(progress, {pairShare * double(i) / double(stats.numSamples), "pairs", i, stats.numSamples});
        }
        data::PairRecord pair;
        try {
            pair = split.pair(i);
        } catch (const std::exception&) {
            ++stats.brokenRecords;
            continue;
        }
        stats.pairsByImage.emplace_back(pair.imageId, i);
        textIds.insert(pair.textId);
        countInto(stats.charLengthCounts, utf8Length(pair.text));
        if (tokenizer) {
            const size_t pieces = tokenizer->tokenize(text::preprocessText(pair.text)).size();
            countInto(stats.tokenLengthCounts, pieces);
            if (int64_t(pieces) > options.contextLength - 2)
                ++stats.truncatedTexts;
        }
    }
    std::sort(stats.pairsByImage.begin(), stats.pairsByImage.end());
    stats.distinctTexts = int64_t(textIds.size());
    for (size_t i = 0; i < stats.pairsByImage.size();) {
        size_t j = i;
        while (j < stats.pairsByImage.size() && stats.pairsByImage[j].first == stats.pairsByImage[i].first)
            ++j;
        ++stats.imagesWithPairs;
        stats.maxPairsPerImage = std::max<int64_t>(stats.maxPairsPerImage, int64_t(j - i));
        i = j;
    }

    std::vector<int64_t> imageIds;
    try {
        imageIds = split.imageIds();
        std::sort(imageIds.begin(), imageIds.end());
        for (size_t i = 0; i < stats.pairsByImage.size(); ++i) {
            const int64_t id = stats.pairsByImage[i].first;
            if ((i == 0 || id != stats.pairsByImage[i - 1].first) &&
                !std::binary_search(imageIds.begin(), imageIds.end(), id))
                ++stats.missingImages;
        }
    } catch (const std::exception&) {
        // Without the image list the sample falls back to the images pairs refer to.
        for (size_t i = 0; i < stats.pairsByImage.size(); ++i)
            if (i == 0 || stats.pairsByImage[i].first != stats.pairsByImage[i - 1].first)
                imageIds.push_back(stats.pairsByImage[i].first);
    }
    const int64_t total = int64_t(imageIds.size());
    const int64_t examine = std::min<int64_t>(total, std::max<int64_t>(1, options.maxImagesExamined));
    stats.imageSizes.reserve(size_t(examine));
    for (int64_t k = 0; k < examine; ++k) {
        if (k % 64 == 0) {
            reportProgress(progress, {pairShare + (1 - pairShare) * double(k) / double(examine), "images", k, examine});
        }
        const int64_t imageId = imageIds[size_t(k * total / examine)];
        ++stats.imagesExamined;
        try {
            const auto header = readImageHeader(split.imageBytes(imageId));
            if (!header) {
                ++stats.unreadableImages;
                continue;
            }
            ++stats.imageFormats[header->format];
            stats.imageSizes.emplace_back(header->width, header->height);
        } catch (const std::exception&) {
            ++stats.unreadableImages;
        }
    }
    reportProgress(progress, {1.0, "images", examine, examine});
    return stats;
}

} // namespace clipwb::data
