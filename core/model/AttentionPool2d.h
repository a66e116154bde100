#pragma once
// Upstream's AttentionPool2d: the mean of the feature map, prepended to its
// positions, with a positional embedding, attends over all positions; the
// mean token's output, through c_proj, is the image feature.
// State dict: positional_embedding, k_proj, q_proj, v_proj, c_proj.
#include <torch/torch.h>

namespace clipwb::model {

class AttentionPool2dImpl : public torch::nn::Module {
public:
    AttentionPool2dImpl(int64_t spatialDim, int64_t embedDim, int64_t heads, int64_t outputDim);
    /// [batch, embedDim, H, W] -> [batch, outputDim]
    torch::Tensor forward(const torch::Tensor& x);

    torch::Tensor positionalEmbedding;
    torch::nn::Linear kProj{nullptr}, qProj{nullptr}, vProj{nullptr}, cProj{nullptr};

private:
    int64_t m_heads;
};
TORCH_MODULE(AttentionPool2d);

} // namespace clipwb::model
