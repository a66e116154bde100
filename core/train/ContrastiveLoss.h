#pragma once
// Upstream's get_loss()/evaluate() arithmetic: logits from L2-normalised
// features, the mean of the image->text and text->image cross-entropies, and
// the in-batch retrieval accuracies (argmax == diagonal).
#include <torch/torch.h>

namespace clipwb::train {

struct ContrastiveOutput {
    torch::Tensor loss; // scalar, differentiable
    torch::Tensor i2t;  // scalar float: fraction of images whose best text is their own
    torch::Tensor t2i;  // scalar float: fraction of texts whose best image is their own
    torch::Tensor i2tCorrect; // scalar: count, for validation sums
    torch::Tensor t2iCorrect;
};

/// transposeForTextLogits: upstream's training path with skip_aggregate computes
/// text@image^T separately, while its aggregate path and evaluate() transpose the
/// image logits; both are kept so the numbers match upstream's bit for bit.
ContrastiveOutput contrastiveLoss(const torch::Tensor& imageFeatures, const torch::Tensor& textFeatures,
                                  const torch::Tensor& logitScale, bool transposeForTextLogits);

/// Upstream's cosineSimilarityLoss(teacher, student) for distillation: the student
/// features are bilinearly resized to the teacher's shape, then 1 - mean cosine.
torch::Tensor cosineSimilarityLoss(const torch::Tensor& teacherFeatures, const torch::Tensor& studentFeatures);

} // namespace clipwb::train
