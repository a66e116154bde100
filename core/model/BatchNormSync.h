#pragma once
// Synchronised batch norm (upstream's use_bn_sync, torch.nn.SyncBatchNorm): in
// a data-parallel run the ResNet's batch norms normalise with the mean and
// variance of every rank's batch together, as one process would over the whole
// global batch. The model knows nothing of the ranks: the trainer hands it a
// function that sums a tensor over them. Unlike PyTorch's SyncBatchNorm it also
// runs on the CPU (Gloo); upstream's refuses CPU tensors.
#include <torch/torch.h>

#include <functional>

namespace clipwb::model {

/// Sums t over the ranks in place (an all-reduce). Every rank calls it in the same order.
using RankSum = std::function<void(torch::Tensor& t)>;

/// Shared by the batch norms of one model; empty (each rank on its own) until a data-parallel
/// run with use_bn_sync sets sum.
struct BatchNormSync {
    RankSum sum;
};

/// bn(x), except in training with sync.sum set: the statistics then cover every rank's batch
/// (mean, then the variance around it, each summed over the ranks in float32 or wider), the
/// running statistics move with them (unbiased variance over the global count), and the
/// backward pass sums the two gradient reductions over the ranks. The weight and bias
/// gradients stay local, as in PyTorch: the gradient all-reduce averages them afterwards.
torch::Tensor applyBatchNorm(torch::nn::BatchNorm2d& bn, const torch::Tensor& x, const BatchNormSync& sync);

} // namespace clipwb::model
