#pragma once
// The anti-aliased bottleneck of upstream's ModifiedResNet: every convolution
// has stride 1 and an average pool follows the 3x3 convolution when the stride
// is > 1; the downsampling branch is avgpool + 1x1 conv + BN.
// State dict: conv1, bn1, conv2, bn2, conv3, bn3, downsample.0 (conv), downsample.1 (bn).
#include "model/BatchNormSync.h"

#include <torch/torch.h>

namespace clipwb::model {

class BottleneckImpl : public torch::nn::Module {
public:
    static constexpr int64_t kExpansion = 4;

    /// sync: shared with the other batch norms of the model (see BatchNormSync.h); none: its own.
    BottleneckImpl(int64_t inplanes, int64_t planes, int64_t stride = 1,
                   std::shared_ptr<const BatchNormSync> sync = nullptr);
    torch::Tensor forward(const torch::Tensor& x);

private:
    int64_t m_stride;
    torch::nn::Conv2d m_conv1{nullptr}, m_conv2{nullptr}, m_conv3{nullptr};
    torch::nn::BatchNorm2d m_bn1{nullptr}, m_bn2{nullptr}, m_bn3{nullptr};
    torch::nn::Conv2d m_downConv{nullptr};
    torch::nn::BatchNorm2d m_downBn{nullptr};
    std::shared_ptr<const BatchNormSync> m_sync;
};
TORCH_MODULE(Bottleneck);

} // namespace clipwb::model
