#include "model/BertModel.h"

#include "model/GradCheckpoint.h"

namespace clipwb::model {

BertModelImpl::BertModelImpl(const BertOptions& options) : m_options(options)
{
    embeddings = register_module("embeddings", BertEmbeddings(options));
    auto encoder = register_module("encoder", std::make_shared<torch::nn::Module>());
    auto layers = encoder->register_module("layer", torch::nn::ModuleList());
    for (int64_t i = 0; i < options.numHiddenLayers; ++i) {
        m_layers.emplace_back(options);
        layers->push_back(m_layers.back());
    }
    initializeWeights();
}

void BertModelImpl::initializeWeights()
{
    torch::NoGradGuard noGrad;
    for (const auto& module : modules(/*include_self=*/false)) {
        if (auto* linear = module->as<torch::nn::Linear>()) {
            linear->weight.normal_(0.0, m_options.initializerRange);
            if (linear->bias.defined())
                linear->bias.zero_();
        } else if (auto* embedding = module->as<torch::nn::Embedding>()) {
            embedding->weight.normal_(0.0, m_options.initializerRange);
        } else if (auto* norm = module->as<torch::nn::LayerNorm>()) {
            norm->weight.fill_(1.0);
            norm->bias.zero_();
        }
    }
}

torch::Tensor BertModelImpl::forward(const torch::Tensor& ids, const torch::Tensor& attentionMask)
{
    const auto dtype = embeddings->wordEmbeddings->weight.scalar_type();
    const torch::Tensor mask = attentionMask.defined() ? attentionMask : torch::ones_like(ids);
    const auto additiveMask = (1.0 - mask.unsqueeze(1).unsqueeze(2).to(dtype)) * -10000.0;
    auto hidden = embeddings(ids);
    for (auto& layer : m_layers) {
        if (m_gradCheckpointing && checkpointingUseful(*layer, hidden)) {
            auto* raw = layer.get();
            hidden = runCheckpointed([raw](const torch::Tensor& in,
                                           const torch::Tensor& extra) { return raw->forward(in, extra); },
                                     hidden, additiveMask, layer->parameters());
        } else {
            hidden = layer(hidden, additiveMask);
        }
    }
    return hidden;
}

} // namespace clipwb::model
