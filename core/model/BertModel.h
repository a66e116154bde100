#pragma once
// Upstream's BertModel as Chinese-CLIP uses it: embeddings and the encoder,
// no pooler (checkpoints' bert.pooler.* are dropped on load). The attention
// mask comes from padding: (1 - mask) * -10000 added to the scores.
// State dict: embeddings.*, encoder.layer.N.*.
#include "model/BertEmbeddings.h"
#include "model/BertLayer.h"

#include <torch/torch.h>

namespace clipwb::model {

class BertModelImpl : public torch::nn::Module {
public:
    explicit BertModelImpl(const BertOptions& options);
    /// ids [batch, length]; attentionMask [batch, length] (1 = token, 0 = padding), may be
    /// undefined (all tokens). Returns the last hidden states [batch, length, hidden].
    torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& attentionMask);

    void setGradCheckpointing(bool enabled) { m_gradCheckpointing = enabled; }

    /// Upstream's _init_weights: normal(0, initializer_range) for Linear and Embedding
    /// weights, zero biases, LayerNorm weight 1 and bias 0.
    void initializeWeights();

    BertEmbeddings embeddings{nullptr};

private:
    BertOptions m_options;
    bool m_gradCheckpointing = false;
    std::vector<BertLayer> m_layers;
};
TORCH_MODULE(BertModel);

} // namespace clipwb::model
