#pragma once
// Upstream's ModifiedResNet (RN50 and friends): a three-convolution stem with
// an average pool, four stages of anti-aliased Bottlenecks, and an attention
// pool instead of the global average pool.
// State dict: conv1..3, bn1..3, layer1..4.N.*, attnpool.*.
#include "model/AttentionPool2d.h"
#include "model/BatchNormSync.h"
#include "model/Bottleneck.h"

#include <torch/torch.h>

namespace clipwb::model {

struct ModifiedResNetOptions {
    std::vector<int64_t> layers{3, 4, 6, 3};
    int64_t outputDim = 1024;
    int64_t heads = 32;
    int64_t inputResolution = 224;
    int64_t width = 64;
};

class ModifiedResNetImpl : public torch::nn::Module {
public:
    explicit ModifiedResNetImpl(const ModifiedResNetOptions& options);
    torch::Tensor forward(const torch::Tensor& images);

    AttentionPool2d attnpool{nullptr};

    /// The last convolution's BN weight of every bottleneck (upstream initialises them to zero).
    std::vector<torch::Tensor> bn3Weights() const;

    /// use_bn_sync in a data-parallel run: every batch norm of the tower normalises over all
    /// ranks' batches in training (see BatchNormSync.h); an empty sum turns it off.
    void synchroniseBatchNorm(RankSum sum);

private:
    torch::nn::Conv2d m_conv1{nullptr}, m_conv2{nullptr}, m_conv3{nullptr};
    torch::nn::BatchNorm2d m_bn1{nullptr}, m_bn2{nullptr}, m_bn3{nullptr};
    std::vector<torch::nn::Sequential> m_stages;
    std::shared_ptr<BatchNormSync> m_sync = std::make_shared<BatchNormSync>();
};
TORCH_MODULE(ModifiedResNet);

} // namespace clipwb::model
