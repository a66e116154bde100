#pragma once
// One pass of AdamW over a float32 parameter (torch-free, so that it can be built
// with its own floating-point flags). Every element is rounded exactly as the
// sequence of ATen ops in torch::optim::AdamW::step (LibTorch 1.13, CPU):
//   p *= 1 - lr*wd;  m = m*b1 + (1-b1)*g;  v = v*b2 + (1-b2)*g*g;
//   p += (-lr/bc1 * m) / (sqrt(v) / sqrt(bc2) + eps)
// where ATen fuses the multiply-adds of add_(alpha) and addcmul_ (fma), which
// FusedAdamW checks against the ATen ops once at run time before trusting it.
#include <cstdint>

namespace clipwb::train {

struct AdamWScalars {
    float decay = 1.0f;      // 1 - lr * weight_decay (applied when applyDecay)
    bool applyDecay = false; // weight_decay != 0
    float beta1 = 0.9f;
    float oneMinusBeta1 = 0.1f;
    float beta2 = 0.999f;
    float oneMinusBeta2 = 0.001f;
    float sqrtBiasCorrection2 = 1.0f; // sqrt(1 - beta2^step)
    float eps = 1e-8f;
    float negativeStepSize = 0.0f; // -lr / (1 - beta1^step)
};

/// Updates param, expAvg and expAvgSq in place for elements [0, count).
void adamwUpdate(float* param, const float* grad, float* expAvg, float* expAvgSq, int64_t count,
                 const AdamWScalars& s);

/// The same pass in two halves, for a LibTorch whose float sqrt is not the correctly rounded
/// one (LibTorch 2.x's differs from IEEE by one ulp for about one value in six): the decay and
/// the moments first, then the parameter from sqrt(expAvgSq) as that LibTorch computed it.
void adamwMoments(float* param, const float* grad, float* expAvg, float* expAvgSq, int64_t count,
                  const AdamWScalars& s);
void adamwApply(float* param, const float* expAvg, const float* sqrtExpAvgSq, int64_t count,
                const AdamWScalars& s);

} // namespace clipwb::train
