#pragma once
// Retrieval recall at each validation: the validation pass already encodes
// every pair of val_data, so its features are collected here (by pair index)
// and R@1/5/10 both ways are computed once the pass ends (eval::RecallAccumulator).
#include "eval/RecallAccumulator.h"
#include "train/TrainerObserver.h"

#include <torch/torch.h>

#include <filesystem>
#include <utility>
#include <vector>

namespace clipwb::train {

class ValidationRecall {
public:
    /// Reads the (image id, text id) of every pair of the split.
    explicit ValidationRecall(const std::filesystem::path& split);

    void begin() { m_accumulator.clear(); }
    /// A validation batch: the pair index of each row and the model's normalised features.
    void add(const std::vector<int64_t>& pairIndices, const torch::Tensor& imageFeatures,
             const torch::Tensor& textFeatures);
    /// Writes the recall of the pairs added since begin() into v (nothing when none).
    void finish(ValidationMetrics& v) const;

private:
    std::vector<std::pair<int64_t, int64_t>> m_pairIds;
    eval::RecallAccumulator m_accumulator;
};

} // namespace clipwb::train
