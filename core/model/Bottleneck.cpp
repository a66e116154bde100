#include "model/Bottleneck.h"

namespace clipwb::model {

namespace {
torch::nn::Conv2d conv(int64_t in, int64_t out, int64_t kernel)
{
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel).padding(kernel / 2).bias(false));
}
} // namespace

BottleneckImpl::BottleneckImpl(int64_t inplanes, int64_t planes, int64_t stride,
                               std::shared_ptr<const BatchNormSync> sync)
    : m_stride(stride), m_sync(sync ? std::move(sync) : std::make_shared<BatchNormSync>())
{
    m_conv1 = register_module("conv1", conv(inplanes, planes, 1));
    m_bn1 = register_module("bn1", torch::nn::BatchNorm2d(planes));
    m_conv2 = register_module("conv2", conv(planes, planes, 3));
    m_bn2 = register_module("bn2", torch::nn::BatchNorm2d(planes));
    m_conv3 = register_module("conv3", conv(planes, planes * kExpansion, 1));
    m_bn3 = register_module("bn3", torch::nn::BatchNorm2d(planes * kExpansion));
    if (stride > 1 || inplanes != planes * kExpansion) {
        // Upstream's Sequential is ("-1": AvgPool2d, "0": conv, "1": bn); the pool has no state.
        auto downsample = register_module("downsample", std::make_shared<torch::nn::Module>());
        m_downConv = downsample->register_module("0", conv(inplanes, planes * kExpansion, 1));
        m_downBn = downsample->register_module("1", torch::nn::BatchNorm2d(planes * kExpansion));
    }
}

torch::Tensor BottleneckImpl::forward(const torch::Tensor& x)
{
    auto out = torch::relu(applyBatchNorm(m_bn1, m_conv1(x), *m_sync));
    out = torch::relu(applyBatchNorm(m_bn2, m_conv2(out), *m_sync));
    if (m_stride > 1)
        out = torch::avg_pool2d(out, m_stride);
    out = applyBatchNorm(m_bn3, m_conv3(out), *m_sync);
    torch::Tensor identity = x;
    if (m_downConv) {
        identity = m_stride > 1 ? torch::avg_pool2d(x, m_stride) : x;
        identity = applyBatchNorm(m_downBn, m_downConv(identity), *m_sync);
    }
    return torch::relu(out + identity);
}

} // namespace clipwb::model
