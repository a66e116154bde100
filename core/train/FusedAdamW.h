#pragma once
// torch::optim::AdamW with faster steps and the same state (exp_avg, exp_avg_sq
// and step per parameter, so checkpoints and restoreOptimizer are unchanged):
// - CPU, float32, contiguous: one pass per parameter (AdamWKernel) instead of
//   nine ATen ops, bit-identical to the base class; checked once per process
//   against the base class on probe tensors, and not used if they differ.
// - CUDA: multi-tensor (_foreach) kernels, a handful of launches per group
//   instead of nine per parameter.
// - Anything else (amsgrad, a closure, mixed devices, CLIPWB_FUSED_ADAMW=0): the base step.
#include <torch/torch.h>

namespace clipwb::train {

class FusedAdamW : public torch::optim::AdamW {
public:
    using torch::optim::AdamW::AdamW;

    torch::Tensor step(LossClosure closure = nullptr) override;

    /// Whether the one-pass CPU kernel reproduced the base class bit for bit here (checked once).
    static bool cpuKernelVerified();

private:
    torch::optim::AdamWParamState& stateOf(const torch::Tensor& p);
    void stepCpu();
    void stepForeach();
};

} // namespace clipwb::train
