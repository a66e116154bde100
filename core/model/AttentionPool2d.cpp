#include "model/AttentionPool2d.h"

#include "model/ScaledDotProductAttention.h"

#include <cmath>

namespace clipwb::model {

AttentionPool2dImpl::AttentionPool2dImpl(int64_t spatialDim, int64_t embedDim, int64_t heads,
                                         int64_t outputDim)
    : m_heads(heads)
{
    TORCH_CHECK(heads > 0 && embedDim % heads == 0, "attention pool width ", embedDim,
                " is not a multiple of ", heads, " heads");
    positionalEmbedding =
        register_parameter("positional_embedding", torch::randn({spatialDim * spatialDim + 1, embedDim}) /
                                                       std::sqrt(static_cast<double>(embedDim)));
    kProj = register_module("k_proj", torch::nn::Linear(embedDim, embedDim));
    qProj = register_module("q_proj", torch::nn::Linear(embedDim, embedDim));
    vProj = register_module("v_proj", torch::nn::Linear(embedDim, embedDim));
    cProj = register_module("c_proj", torch::nn::Linear(embedDim, outputDim));
}

torch::Tensor AttentionPool2dImpl::forward(const torch::Tensor& input)
{
    const int64_t batch = input.size(0);
    const int64_t width = input.size(1);
    auto x = input.reshape({batch, width, -1}).permute({0, 2, 1}); // [batch, HW, C]
    x = torch::cat({x.mean(1, true), x}, 1);                       // [batch, HW+1, C]
    x = x + positionalEmbedding.to(x.scalar_type());
    const int64_t tokens = x.size(1);
    const int64_t headDim = width / m_heads;
    // Only the mean token's output is used, so only its query is computed.
    const auto q = qProj(x.slice(1, 0, 1)).view({batch, 1, m_heads, headDim}).transpose(1, 2);
    const auto k = kProj(x).view({batch, tokens, m_heads, headDim}).transpose(1, 2);
    const auto v = vProj(x).view({batch, tokens, m_heads, headDim}).transpose(1, 2);
    auto context = scaledDotProductAttention(q, k, v, torch::Tensor(), 0.0, false); // [batch, heads, 1, d]
    context = context.transpose(1, 2).reshape({batch, width});
    return cProj(context);
}

} // namespace clipwb::model
