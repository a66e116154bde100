#include "model/BertEmbeddings.h"

namespace clipwb::model {

BertEmbeddingsImpl::BertEmbeddingsImpl(const BertOptions& options) : m_dropout(options.hiddenDropoutProb)
{
    wordEmbeddings = register_module(
        "word_embeddings",
        torch::nn::Embedding(
            torch::nn::EmbeddingOptions(options.vocabSize, options.hiddenSize).padding_idx(0)));
    positionEmbeddings = register_module(
        "position_embeddings", torch::nn::Embedding(options.maxPositionEmbeddings, options.hiddenSize));
    tokenTypeEmbeddings = register_module("token_type_embeddings",
                                          torch::nn::Embedding(options.typeVocabSize, options.hiddenSize));
    layerNorm = register_module(
        "LayerNorm",
        torch::nn::LayerNorm(torch::nn::LayerNormOptions({options.hiddenSize}).eps(options.layerNormEps)));
}

torch::Tensor BertEmbeddingsImpl::forward(const torch::Tensor& ids)
{
    const int64_t length = ids.size(1);
    TORCH_CHECK(length <= positionEmbeddings->weight.size(0), "text of ", length,
                " tokens is longer than the model's ", positionEmbeddings->weight.size(0), " positions");
    const auto positions =
        torch::arange(length, ids.options().dtype(torch::kLong)).unsqueeze(0).expand_as(ids);
    const auto types = torch::zeros_like(ids);
    auto embeddings = wordEmbeddings(ids) + positionEmbeddings(positions) + tokenTypeEmbeddings(types);
    embeddings = layerNorm(embeddings);
    return torch::dropout(embeddings, m_dropout, is_training());
}

} // namespace clipwb::model
