#pragma once
// Gradient checkpointing for one block (LibTorch C++ has no
// torch.utils.checkpoint): the forward runs without recording the graph, the
// backward re-runs the block with the same RNG state and differentiates it.
// Numbers are identical to the plain path; activation memory drops to one
// tensor per block.
#include <torch/torch.h>

#include <functional>
#include <vector>

namespace clipwb::model {

/// A block of the network: output = block(input, extra). `extra` (an attention
/// mask, say) gets no gradient and may be undefined.
using CheckpointedBlock =
    std::function<torch::Tensor(const torch::Tensor& input, const torch::Tensor& extra)>;

/// Runs block(input, extra) with checkpointing; `parameters` are the block's
/// parameters (they receive their gradients in the backward).
torch::Tensor runCheckpointed(CheckpointedBlock block, const torch::Tensor& input, const torch::Tensor& extra,
                              const std::vector<torch::Tensor>& parameters);

/// Whether checkpointing would save anything: training, grad mode on, and
/// something upstream of the block needs a gradient.
bool checkpointingUseful(const torch::nn::Module& block, const torch::Tensor& input);

} // namespace clipwb::model
