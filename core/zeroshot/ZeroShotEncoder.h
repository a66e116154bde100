#pragma once
// The two halves of upstream's zero-shot evaluation that need the model: the
// classifier (per class, every template filled with the name, text-preprocessed,
// tokenised, encoded, each feature L2-normalised, the mean over templates
// L2-normalised again) and the normalised image features of an ImageFolder.
#include "common/Progress.h"
#include "eval/FeatureExtractor.h"
#include "zeroshot/ImageFolder.h"
#include "zeroshot/ZeroShotScores.h"

#include <torch/torch.h>

#include <string>
#include <vector>

namespace clipwb::zeroshot {

/// [embedDim, classes] float32 on the CPU (upstream's zeroshot_weights). progress (stage
/// "prompts", done and total in classes) is called before the first class and after each;
/// returning false stops with clipwb::Cancelled.
torch::Tensor buildClassifier(eval::FeatureExtractor& extractor, const std::vector<std::string>& classNames,
                              const std::vector<std::string>& templates,
                              const ProgressCallback& progress = {});

/// [images, embedDim] float32 on the CPU, normalised, in dataset order, computed batchSize images
/// at a time (images decoded in parallel). progress as for the classifier, stage "images", per batch.
torch::Tensor encodeImageFolder(eval::FeatureExtractor& extractor, const ImageFolder& folder,
                                std::int64_t batchSize, const ProgressCallback& progress = {});

/// Upstream's scores: logits = 100 * imageFeatures [N, D] @ classifier [D, C] (float32),
/// probabilities = softmax over the classes.
ZeroShotScores scoreImages(const torch::Tensor& imageFeatures, const torch::Tensor& classifier,
                           std::vector<int> targets);

} // namespace clipwb::zeroshot
