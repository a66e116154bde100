#pragma once
// One pre-LN block of the vision transformer, upstream's ResidualAttentionBlock:
//   x = x + attn(ln_1(x));  x = x + mlp(ln_2(x))  with a QuickGELU MLP of 4x width.
// Parameter names as upstream's state dict: attn.in_proj_weight, attn.in_proj_bias,
// attn.out_proj.{weight,bias} (nn.MultiheadAttention's), ln_1.*, mlp.c_fc.*,
// mlp.c_proj.*, ln_2.*. Works batch-first: [batch, tokens, width].
#include "model/Fp32LayerNorm.h"

#include <torch/torch.h>

namespace clipwb::model {

class ResidualAttentionBlockImpl : public torch::nn::Module {
public:
    ResidualAttentionBlockImpl(int64_t width, int64_t heads);
    torch::Tensor forward(const torch::Tensor& x);

    torch::Tensor attention(const torch::Tensor& x);

private:
    int64_t m_width;
    int64_t m_heads;
    std::shared_ptr<torch::nn::Module> m_attn;
    torch::Tensor m_inProjWeight;
    torch::Tensor m_inProjBias;
    torch::nn::Linear m_outProj{nullptr};
    Fp32LayerNorm m_ln1{nullptr};
    std::shared_ptr<torch::nn::Module> m_mlp;
    torch::nn::Linear m_fc{nullptr};
    torch::nn::Linear m_proj{nullptr};
    Fp32LayerNorm m_ln2{nullptr};
};
TORCH_MODULE(ResidualAttentionBlock);

} // namespace clipwb::model
