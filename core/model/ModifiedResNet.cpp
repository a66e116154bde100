#include "model/ModifiedResNet.h"

namespace clipwb::model {

ModifiedResNetImpl::ModifiedResNetImpl(const ModifiedResNetOptions& options)
{
    TORCH_CHECK(options.layers.size() == 4, "a ModifiedResNet has four stages, not ", options.layers.size());
    const int64_t width = options.width;
    const auto conv = [](int64_t in, int64_t out, int64_t stride) {
        return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false));
    };
    m_conv1 = register_module("conv1", conv(3, width / 2, 2));
    m_bn1 = register_module("bn1", torch::nn::BatchNorm2d(width / 2));
    m_conv2 = register_module("conv2", conv(width / 2, width / 2, 1));
    m_bn2 = register_module("bn2", torch::nn::BatchNorm2d(width / 2));
    m_conv3 = register_module("conv3", conv(width / 2, width, 1));
    m_bn3 = register_module("bn3", torch::nn::BatchNorm2d(width));

    int64_t inplanes = width;
    for (size_t stage = 0; stage < 4; ++stage) {
        const int64_t planes = width << stage;
        torch::nn::Sequential blocks;
        blocks->push_back(Bottleneck(inplanes, planes, stage == 0 ? 1 : 2, m_sync));
        inplanes = planes * BottleneckImpl::kExpansion;
        for (int64_t i = 1; i < options.layers[stage]; ++i)
            blocks->push_back(Bottleneck(inplanes, planes, 1, m_sync));
        m_stages.push_back(register_module("layer" + std::to_string(stage + 1), blocks));
    }
    attnpool = register_module("attnpool", AttentionPool2d(options.inputResolution / 32, width * 32,
                                                           options.heads, options.outputDim));
}

std::vector<torch::Tensor> ModifiedResNetImpl::bn3Weights() const
{
    std::vector<torch::Tensor> weights;
    for (const auto& stage : m_stages)
        for (const auto& item : stage->named_parameters())
            if (item.key().size() >= 10 && item.key().compare(item.key().size() - 10, 10, "bn3.weight") == 0)
                weights.push_back(item.value());
    return weights;
}

void ModifiedResNetImpl::synchroniseBatchNorm(RankSum sum)
{
    m_sync->sum = std::move(sum);
}

torch::Tensor ModifiedResNetImpl::forward(const torch::Tensor& images)
{
    auto x = images.to(m_conv1->weight.scalar_type());
    x = torch::relu(applyBatchNorm(m_bn1, m_conv1(x), *m_sync));
    x = torch::relu(applyBatchNorm(m_bn2, m_conv2(x), *m_sync));
    x = torch::relu(applyBatchNorm(m_bn3, m_conv3(x), *m_sync));
    x = torch::avg_pool2d(x, 2);
    for (auto& stage : m_stages)
        x = stage->forward(x);
    return attnpool(x);
}

} // namespace clipwb::model
