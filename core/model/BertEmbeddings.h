#pragma once
// Word + position + token-type embeddings, LayerNorm (eps 1e-12) and dropout,
// as upstream's BertEmbeddings. The word embedding's padding row ([PAD] = 0)
// receives no gradient, as nn.Embedding(padding_idx=0).
// State dict: word_embeddings, position_embeddings, token_type_embeddings, LayerNorm.
#include <torch/torch.h>

namespace clipwb::model {

struct BertOptions {
    int64_t vocabSize = 21128;
    int64_t hiddenSize = 768;
    int64_t numHiddenLayers = 12;
    int64_t numAttentionHeads = 12;
    int64_t intermediateSize = 3072;
    std::string hiddenAct = "gelu";
    double hiddenDropoutProb = 0.1;
    double attentionProbsDropoutProb = 0.1;
    int64_t maxPositionEmbeddings = 512;
    int64_t typeVocabSize = 2;
    double initializerRange = 0.02;
    double layerNormEps = 1e-12;
};

class BertEmbeddingsImpl : public torch::nn::Module {
public:
    explicit BertEmbeddingsImpl(const BertOptions& options);
    /// ids [batch, length] int64 -> [batch, length, hidden]
    torch::Tensor forward(const torch::Tensor& ids);

    torch::nn::Embedding wordEmbeddings{nullptr};
    torch::nn::Embedding positionEmbeddings{nullptr};
    torch::nn::Embedding tokenTypeEmbeddings{nullptr};
    torch::nn::LayerNorm layerNorm{nullptr};

private:
    double m_dropout;
};
TORCH_MODULE(BertEmbeddings);

} // namespace clipwb::model
