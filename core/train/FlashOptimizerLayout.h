#pragma once
// The optimizer state of upstream's --use-flash-attention runs: PyTorch's
// optimizer.state_dict() indexes parameters in registration order, and the
// flash model registers one packed Wqkv (q, k, v stacked) where the plain model
// has query/key/value (BERT) and names in_proj Wqkv (ViT), so its indices,
// group sizes and state shapes differ (model/FlashAttentionKeys.h). clipwb
// trains the plain layout and converts when it reads or writes such a file.
#include "train/ParameterGroups.h"
#include "train/TrainCheckpoint.h"

namespace clipwb::train {

/// The parameters per group of the flash layout of `groups`.
std::vector<int64_t> flashAttentionGroupSizes(const ParameterGroups& groups);

/// writeTrainCheckpoint, with flashAttentionLayout: the optimizer state indexed as upstream's
/// --use-flash-attention model registers its parameters, so that upstream resumes it; the state
/// dict keeps the plain names either way, as upstream saves it.
void writeTrainCheckpoint(const std::filesystem::path& path, int64_t epoch, int64_t step,
                          const std::string& name, model::Clip& model, const torch::optim::AdamW& optimizer,
                          const ParameterGroups& groups, const ExactState& exact, bool flashAttentionLayout);

/// `plain` (indexed by `groups`) in upstream's flash-attention layout.
OptimizerSnapshot toFlashAttentionLayout(const OptimizerSnapshot& plain, const ParameterGroups& groups);

/// A snapshot written by a flash-attention run (its group sizes are the flash layout's, not the
/// plain ones) in the plain layout of `groups`; any other snapshot unchanged. Sets *converted.
OptimizerSnapshot fromFlashAttentionLayout(const OptimizerSnapshot& snapshot, const ParameterGroups& groups,
                                           bool* converted = nullptr);

} // namespace clipwb::train
