#include "eval/RecallAccumulator.h"

#include "eval/BlockedTopK.h"
#include "eval/RecallEvaluation.h"

#include <algorithm>

namespace clipwb::eval {

void RecallAccumulator::add(std::int64_t imageId, std::int64_t textId, const float* imageFeature,
                            const float* textFeature, std::int64_t dim)
{
    CLIPWB_CHECK(dim > 0 && (m_dim == 0 || dim == m_dim), "recall: feature width ", dim, " differs from ",
                 m_dim);
    m_dim = dim;
    if (m_imageRow.emplace(imageId, m_imageIds.size()).second) {
        m_imageIds.push_back(imageId);
        m_imageFeatures.insert(m_imageFeatures.end(), imageFeature, imageFeature + dim);
    }
    const auto [text, inserted] = m_textRow.emplace(textId, m_textIds.size());
    if (inserted) {
        m_textIds.push_back(textId);
        m_textFeatures.insert(m_textFeatures.end(), textFeature, textFeature + dim);
        m_gold.emplace_back();
    }
    auto& gold = m_gold[text->second];
    if (std::find(gold.begin(), gold.end(), imageId) == gold.end())
        gold.push_back(imageId);
}

void RecallAccumulator::clear()
{
    *this = RecallAccumulator();
}

SplitRecall RecallAccumulator::compute() const
{
    CLIPWB_CHECK(!m_imageIds.empty() && !m_textIds.empty(), "recall: no pairs were encoded");
    BlockedTopKOptions options;
    options.k = 10;
    const auto result =
        blockedTopK(m_textFeatures.data(), texts(), m_imageFeatures.data(), images(), m_dim, options);

    GoldStandard textGold;
    textGold.direction = RetrievalDirection::TextToImage;
    textGold.queries = m_textIds;
    for (std::size_t row = 0; row < m_textIds.size(); ++row)
        textGold.answers.emplace(m_textIds[row], m_gold[row]);
    const GoldStandard imageGold = invertGold(textGold);

    Predictions textPredictions;
    textPredictions.direction = RetrievalDirection::TextToImage;
    for (std::int64_t row = 0; row < texts(); ++row)
        textPredictions.answers[m_textIds[std::size_t(row)]] = result.rowsToColumns.idsOf(row, m_imageIds);
    Predictions imagePredictions;
    imagePredictions.direction = RetrievalDirection::ImageToText;
    for (std::int64_t row = 0; row < images(); ++row)
        imagePredictions.answers[m_imageIds[std::size_t(row)]] = result.columnsToRows.idsOf(row, m_textIds);

    SplitRecall recall;
    recall.textToImage = recallInPercent(computeRecall(textGold, textPredictions));
    recall.imageToText = recallInPercent(computeRecall(imageGold, imagePredictions));
    const auto& a = recall.textToImage;
    const auto& b = recall.imageToText;
    recall.meanRecall = (a.r1 + a.r5 + a.r10 + b.r1 + b.r5 + b.r10) / 6.0;
    return recall;
}

} // namespace clipwb::eval
