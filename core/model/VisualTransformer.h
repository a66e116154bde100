#pragma once
// Upstream's VisualTransformer: patch-embedding convolution, class token,
// learned positional embedding, ln_pre, residual attention blocks, ln_post on
// the class token, projection. FLIP random masking (mask_ratio > 0) keeps the
// class token and a random subset of the patch tokens.
// State dict: class_embedding, positional_embedding, proj, conv1.weight,
// ln_pre.*, transformer.resblocks.N.*, ln_post.*.
#include "model/Fp32LayerNorm.h"
#include "model/ResidualAttentionBlock.h"

#include <torch/torch.h>

namespace clipwb::model {

struct VisualTransformerOptions {
    int64_t inputResolution = 224;
    int64_t patchSize = 16;
    int64_t width = 768;
    int64_t layers = 12;
    int64_t heads = 12;
    int64_t outputDim = 512;
};

class VisualTransformerImpl : public torch::nn::Module {
public:
    explicit VisualTransformerImpl(const VisualTransformerOptions& options);
    /// images [batch, 3, R, R] -> features [batch, outputDim] (not normalised).
    torch::Tensor forward(const torch::Tensor& images, double maskRatio = 0.0);

    void setGradCheckpointing(bool enabled) { m_gradCheckpointing = enabled; }
    int64_t gridSize() const { return m_options.inputResolution / m_options.patchSize; }

    /// The tokens kept by FLIP masking: the class token and the first
    /// int((L-1)*(1-ratio)) of a random permutation of the patches (upstream's random_masking).
    static torch::Tensor randomMasking(const torch::Tensor& tokens, double maskRatio);

    torch::Tensor classEmbedding;
    torch::Tensor positionalEmbedding;
    torch::Tensor proj;

private:
    VisualTransformerOptions m_options;
    bool m_gradCheckpointing = false;
    torch::nn::Conv2d m_conv1{nullptr};
    Fp32LayerNorm m_lnPre{nullptr};
    std::shared_ptr<torch::nn::Module> m_transformer;
    std::vector<ResidualAttentionBlock> m_blocks;
    Fp32LayerNorm m_lnPost{nullptr};
};
TORCH_MODULE(VisualTransformer);

} // namespace clipwb::model
