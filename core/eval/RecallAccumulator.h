#pragma once
// Retrieval recall (R@1/5/10 both ways, as RetrievalSession::evaluate and
// upstream's evaluation.py / evaluation_tr.py compute it) from features that
// were computed anyway, pair by pair: the trainer's validation pass encodes
// every (image, text) pair of the split, so recall costs one top-k search.
// The ground truth comes from the pairs: a text's gold images are the images
// it is paired with. Images and texts met twice (padding, shared captions)
// count once, with the first feature seen. Torch-free header.
#include "eval/RetrievalSession.h"

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace clipwb::eval {

struct SplitRecall {
    DirectionRecall textToImage;
    DirectionRecall imageToText;
    double meanRecall = 0; ///< mean of the six recalls, percent
};

class RecallAccumulator {
public:
    /// One encoded pair; features are L2-normalised rows of dim floats.
    void add(std::int64_t imageId, std::int64_t textId, const float* imageFeature, const float* textFeature,
             std::int64_t dim);
    std::int64_t images() const { return static_cast<std::int64_t>(m_imageIds.size()); }
    std::int64_t texts() const { return static_cast<std::int64_t>(m_textIds.size()); }
    void clear();
    /// Throws clipwb::Error when nothing was added.
    SplitRecall compute() const;

private:
    std::int64_t m_dim = 0;
    std::vector<std::int64_t> m_imageIds, m_textIds;
    std::vector<float> m_imageFeatures, m_textFeatures;
    std::unordered_map<std::int64_t, std::size_t> m_imageRow, m_textRow;
    std::vector<std::vector<std::int64_t>> m_gold; ///< per text row
};

} // namespace clipwb::eval
