#pragma once
// One post-LN BERT encoder layer, upstream's BertLayer:
//   a = LayerNorm(x + dropout(dense(selfattention(x))))
//   y = LayerNorm(a + dropout(dense(act(dense(a)))))
// State dict: attention.self.{query,key,value}, attention.output.{dense,LayerNorm},
// intermediate.dense, output.{dense,LayerNorm}.
#include "model/BertEmbeddings.h"

#include <torch/torch.h>

namespace clipwb::model {

class BertLayerImpl : public torch::nn::Module {
public:
    explicit BertLayerImpl(const BertOptions& options);
    /// hidden [batch, length, hidden]; additiveMask [batch, 1, 1, length] (0 or -10000), may be undefined.
    torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& additiveMask);

private:
    torch::Tensor activation(const torch::Tensor& x) const;

    BertOptions m_options;
    torch::nn::Linear m_query{nullptr}, m_key{nullptr}, m_value{nullptr};
    torch::nn::Linear m_attentionDense{nullptr};
    torch::nn::LayerNorm m_attentionNorm{nullptr};
    torch::nn::Linear m_intermediate{nullptr};
    torch::nn::Linear m_outputDense{nullptr};
    torch::nn::LayerNorm m_outputNorm{nullptr};
};
TORCH_MODULE(BertLayer);

} // namespace clipwb::model
