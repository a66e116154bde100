// Entry points of the evaluation file readers: feature and prediction jsonl.
#include "FuzzSupport.h"

#include "eval/FeatureTable.h"
#include "eval/RecallEvaluation.h"

namespace clipwb::fuzz {

namespace fs = std::filesystem;

Outcome fuzzFeatureJsonl(const std::uint8_t* data, std::size_t size)
{
    const fs::path path = writeScratch("features.jsonl", bytesOf(data, size));
    return guardedRun([&] {
        const eval::FeatureTable images = eval::FeatureTable::readJsonl(path, "image_id");
        (void)images.toJsonl();
    });
}

Outcome fuzzPredictionJsonl(const std::uint8_t* data, std::size_t size)
{
    const fs::path path = writeScratch("predictions.jsonl", bytesOf(data, size));
    return guardedRun([&] {
        // As gold (an annotation file) and as predictions against a fixed gold.
        Outcome asGold = guardedRun([&] { (void)eval::readGoldJsonl(path); });
        (void)asGold;
        eval::GoldStandard gold;
        for (std::int64_t t = 1; t <= 3; ++t) {
            gold.queries.push_back(t);
            gold.answers[t] = {t * 10, t * 10 + 1};
        }
        const eval::Predictions predictions = eval::readPredictionsJsonl(path, gold, 2);
        (void)eval::computeRecall(gold, predictions);
    });
}

} // namespace clipwb::fuzz
