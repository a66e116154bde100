#include "train/ValidationRecall.h"

#include "common/Error.h"
#include "data/LmdbSplit.h"

namespace clipwb::train {

ValidationRecall::ValidationRecall(const std::filesystem::path& split)
{
    const data::LmdbSplit lmdb(split);
    m_pairIds.reserve(static_cast<size_t>(lmdb.numSamples()));
    for (int64_t i = 0; i < lmdb.numSamples(); ++i) {
        const data::PairRecord pair = lmdb.pair(i);
        m_pairIds.emplace_back(pair.imageId, pair.textId);
    }
}

void ValidationRecall::add(const std::vector<int64_t>& pairIndices, const torch::Tensor& imageFeatures,
                           const torch::Tensor& textFeatures)
{
    if (m_pairIds.empty())
        return;
    const torch::Tensor images = imageFeatures.detach().to(torch::kCPU, torch::kFloat).contiguous();
    const torch::Tensor texts = textFeatures.detach().to(torch::kCPU, torch::kFloat).contiguous();
    const int64_t dim = images.size(1);
    CLIPWB_CHECK(images.size(0) == static_cast<int64_t>(pairIndices.size()) && texts.size(0) == images.size(0),
                 "validation recall: ", pairIndices.size(), " pair indices for ", images.size(0), " features");
    const float* imageData = images.data_ptr<float>();
    const float* textData = texts.data_ptr<float>();
    for (size_t row = 0; row < pairIndices.size(); ++row) {
        const auto& [imageId, textId] = m_pairIds[static_cast<size_t>(pairIndices[row]) % m_pairIds.size()];
        m_accumulator.add(imageId, textId, imageData + row * dim, textData + row * dim, dim);
    }
}

void ValidationRecall::finish(ValidationMetrics& v) const
{
    if (m_accumulator.texts() == 0)
        return;
    const eval::SplitRecall recall = m_accumulator.compute();
    v.hasRecall = true;
    v.t2iR1 = recall.textToImage.r1;
    v.t2iR5 = recall.textToImage.r5;
    v.t2iR10 = recall.textToImage.r10;
    v.i2tR1 = recall.imageToText.r1;
    v.i2tR5 = recall.imageToText.r5;
    v.i2tR10 = recall.imageToText.r10;
    v.meanRecall = recall.meanRecall;
}

} // namespace clipwb::train
