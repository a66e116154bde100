#pragma once
// Upstream's two ways of collecting every rank's features for the contrastive
// loss (cn_clip/training/train.py, get_loss with aggregate):
// - without gather_with_grad: dist.all_gather, then this rank's own features
//   first (with their gradient) and the other ranks' after them, in rank order,
//   without gradient;
// - with gather_with_grad: torch.distributed.nn.all_gather, all ranks in rank
//   order, whose backward hands each rank the sum over the ranks of the gradient
//   of its rows (the all-to-all-and-sum of PyTorch's _AllGather.backward).
#include "dist/Collectives.h"

#include <torch/torch.h>

namespace clipwb::train {

torch::Tensor gatherOwnFirst(dist::Collectives& ranks, const torch::Tensor& local);
torch::Tensor gatherWithGrad(dist::Collectives& ranks, const torch::Tensor& local);

} // namespace clipwb::train
