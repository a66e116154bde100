#pragma once
// One optimizer step (the body of upstream train()'s batch loop): forward under
// autocast, the contrastive loss (plus distillation), backward through the loss
// scaler, the AdamW step and the logit-scale clamp. With accum_freq > 1 it
// caches each batch's features without gradients and, once accum_freq batches
// are in, redoes each forward with gradients, the cached features as negatives.
#include "train/CheckpointKeeper.h"
#include "train/TrainSession.h"

#include <optional>
#include <vector>

namespace clipwb::train {

struct StepResult {
    double loss = 0;   // the last forward's loss
    torch::Tensor i2t; // in-batch accuracies of the last forward (0-dim)
    torch::Tensor t2i;
    int64_t batchRows = 0; // rows of one loader batch
};

class TrainStep {
public:
    TrainStep(TrainSession& session, const CheckpointKeeper& keeper) : s(session), m_keeper(keeper) {}

    /// One loader batch of step stepNumber (1-based, for messages). Returns the step's
    /// result once the step is complete (every batch with accum_freq 1).
    std::optional<StepResult> feed(const data::Batch& batch, int64_t stepNumber);
    /// Whether batches of an unfinished step are held.
    bool accumulating() const { return !m_images.empty(); }

private:
    struct LossTerms {
        torch::Tensor loss;
        torch::Tensor i2t;
        torch::Tensor t2i;
    };
    LossTerms lossOf(const torch::Tensor& imageFeatures, const torch::Tensor& textFeatures,
                     const torch::Tensor& logitScale, const torch::Tensor& teacherImageFeatures);
    torch::Tensor teacherFeatures(const torch::Tensor& images);
    /// Throws when the loss is not finite (amp skips such steps through its scaler).
    void checkFinite(double lossValue, int64_t stepNumber);
    void clear();
    /// Data-parallel: DDP's gradient averaging and buffer broadcast (no-ops for one process).
    void averageGradients(const std::vector<torch::Tensor>& params);
    void syncBuffers();

    TrainSession& s;
    const CheckpointKeeper& m_keeper;
    std::vector<torch::Tensor> m_images, m_texts, m_imageFeatures, m_textFeatures, m_teacherFeatures;
};

} // namespace clipwb::train
