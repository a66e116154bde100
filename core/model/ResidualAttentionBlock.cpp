#include "model/ResidualAttentionBlock.h"

#include "model/CpuGemm.h"
#include "model/ScaledDotProductAttention.h"

namespace clipwb::model {

ResidualAttentionBlockImpl::ResidualAttentionBlockImpl(int64_t width, int64_t heads)
    : m_width(width), m_heads(heads)
{
    TORCH_CHECK(heads > 0 && width % heads == 0, "vision width ", width, " is not a multiple of ", heads,
                " heads");
    m_attn = register_module("attn", std::make_shared<torch::nn::Module>());
    // nn.MultiheadAttention's initialisation: xavier-uniform packed projection, zero biases.
    m_inProjWeight = m_attn->register_parameter("in_proj_weight", torch::empty({3 * width, width}));
    m_inProjBias = m_attn->register_parameter("in_proj_bias", torch::zeros({3 * width}));
    m_outProj = m_attn->register_module("out_proj", torch::nn::Linear(width, width));
    {
        torch::NoGradGuard noGrad;
        torch::nn::init::xavier_uniform_(m_inProjWeight);
        m_outProj->bias.zero_();
    }
    m_ln1 = register_module("ln_1", Fp32LayerNorm(width));
    m_mlp = register_module("mlp", std::make_shared<torch::nn::Module>());
    m_fc = m_mlp->register_module("c_fc", torch::nn::Linear(width, width * 4));
    m_proj = m_mlp->register_module("c_proj", torch::nn::Linear(width * 4, width));
    m_ln2 = register_module("ln_2", Fp32LayerNorm(width));
}

torch::Tensor ResidualAttentionBlockImpl::attention(const torch::Tensor& x)
{
    const int64_t batch = x.size(0);
    const int64_t tokens = x.size(1);
    const int64_t headDim = m_width / m_heads;
    // One packed projection, as nn.MultiheadAttention; q, k and v stay views into it.
    const auto qkv =
        model::linear(x, m_inProjWeight.to(x.scalar_type()), m_inProjBias.to(x.scalar_type()))
            .view({batch, tokens, 3, m_heads, headDim})
            .permute({2, 0, 3, 1, 4}); // [3, batch, heads, tokens, headDim]
    auto context = scaledDotProductAttention(qkv[0], qkv[1], qkv[2], torch::Tensor(), 0.0, is_training());
    context = context.transpose(1, 2).reshape({batch, tokens, m_width});
    return model::linear(context, m_outProj->weight, m_outProj->bias);
}

torch::Tensor ResidualAttentionBlockImpl::forward(const torch::Tensor& x)
{
    auto out = x + attention(m_ln1(x));
    auto hidden = model::linear(m_ln2(out), m_fc->weight, m_fc->bias);
    hidden = hidden * torch::sigmoid(1.702 * hidden); // QuickGELU
    return out + model::linear(hidden, m_proj->weight, m_proj->bias);
}

} // namespace clipwb::model
