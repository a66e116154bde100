#include "model/BertLayer.h"

#include "model/CpuGemm.h"
#include "model/ScaledDotProductAttention.h"

#include <cmath>

namespace clipwb::model {

BertLayerImpl::BertLayerImpl(const BertOptions& options) : m_options(options)
{
    TORCH_CHECK(options.numAttentionHeads > 0 && options.hiddenSize % options.numAttentionHeads == 0,
                "text hidden size ", options.hiddenSize, " is not a multiple of ", options.numAttentionHeads,
                " heads");
    const int64_t hidden = options.hiddenSize;
    const auto norm = [&] {
        return torch::nn::LayerNorm(torch::nn::LayerNormOptions({hidden}).eps(options.layerNormEps));
    };
    auto attention = register_module("attention", std::make_shared<torch::nn::Module>());
    auto self = attention->register_module("self", std::make_shared<torch::nn::Module>());
    m_query = self->register_module("query", torch::nn::Linear(hidden, hidden));
    m_key = self->register_module("key", torch::nn::Linear(hidden, hidden));
    m_value = self->register_module("value", torch::nn::Linear(hidden, hidden));
    auto attentionOutput = attention->register_module("output", std::make_shared<torch::nn::Module>());
    m_attentionDense = attentionOutput->register_module("dense", torch::nn::Linear(hidden, hidden));
    m_attentionNorm = attentionOutput->register_module("LayerNorm", norm());
    auto intermediate = register_module("intermediate", std::make_shared<torch::nn::Module>());
    m_intermediate =
        intermediate->register_module("dense", torch::nn::Linear(hidden, options.intermediateSize));
    auto output = register_module("output", std::make_shared<torch::nn::Module>());
    m_outputDense = output->register_module("dense", torch::nn::Linear(options.intermediateSize, hidden));
    m_outputNorm = output->register_module("LayerNorm", norm());
}

torch::Tensor BertLayerImpl::activation(const torch::Tensor& x) const
{
    const std::string& act = m_options.hiddenAct;
    if (act == "gelu")
        return torch::gelu(x); // the erf form, as upstream's gelu()
    if (act == "gelu_new")
        return torch::gelu(x, "tanh");
    if (act == "relu")
        return torch::relu(x);
    if (act == "swish")
        return x * torch::sigmoid(x);
    TORCH_CHECK(false, "unknown text_hidden_act '", act, "'");
}

torch::Tensor BertLayerImpl::forward(const torch::Tensor& hidden, const torch::Tensor& additiveMask)
{
    const int64_t batch = hidden.size(0);
    const int64_t length = hidden.size(1);
    const int64_t heads = m_options.numAttentionHeads;
    const int64_t headDim = m_options.hiddenSize / heads;
    const auto split = [&](const torch::Tensor& x) {
        return x.view({batch, length, heads, headDim}).transpose(1, 2);
    };
    const auto project = [&](const torch::nn::Linear& layer, const torch::Tensor& x) {
        return model::linear(x, layer->weight, layer->bias);
    };
    auto context = scaledDotProductAttention(split(project(m_query, hidden)), split(project(m_key, hidden)),
                                             split(project(m_value, hidden)), additiveMask,
                                             m_options.attentionProbsDropoutProb, is_training());
    context = context.transpose(1, 2).reshape({batch, length, m_options.hiddenSize});
    const double dropout = m_options.hiddenDropoutProb;
    const auto attended =
        m_attentionNorm(torch::dropout(project(m_attentionDense, context), dropout, is_training()) + hidden);
    const auto inner = activation(project(m_intermediate, attended));
    return m_outputNorm(torch::dropout(project(m_outputDense, inner), dropout, is_training()) + attended);
}

} // namespace clipwb::model
