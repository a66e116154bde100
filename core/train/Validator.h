#pragma once
// Validation (upstream evaluate()): loss and in-batch accuracies over the whole
// val_data split, and the split's retrieval recall, with the model in eval mode.
#include "train/TrainSession.h"

namespace clipwb::train {

class Validator {
public:
    explicit Validator(TrainSession& session) : s(session) {}

    /// epoch is 0-based; leaves the model in eval mode (the caller puts it back).
    ValidationMetrics evaluate(int64_t epoch, int64_t stepNumber);

private:
    void addToRecall(const std::vector<int64_t>& indices, const torch::Tensor& imageFeatures,
                     const torch::Tensor& textFeatures);
    void logResult(const ValidationMetrics& v);

    TrainSession& s;
};

} // namespace clipwb::train
