#pragma once
// Upstream's LayerNorm of the vision tower: normalises in float32 whatever the
// input's dtype (fp16 training keeps these weights in fp32) and returns the
// input's dtype. Parameters: weight, bias (as nn.LayerNorm).
#include <torch/torch.h>

namespace clipwb::model {

class Fp32LayerNormImpl : public torch::nn::Module {
public:
    /// eps as nn.LayerNorm's default.
    explicit Fp32LayerNormImpl(int64_t width, double eps = 1e-5);
    torch::Tensor forward(const torch::Tensor& x);

    torch::Tensor weight;
    torch::Tensor bias;

private:
    int64_t m_width;
    double m_eps;
};
TORCH_MODULE(Fp32LayerNorm);

} // namespace clipwb::model
