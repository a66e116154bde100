#include "model/VisualTransformer.h"

#include "model/GradCheckpoint.h"

#include <cmath>

namespace clipwb::model {

VisualTransformerImpl::VisualTransformerImpl(const VisualTransformerOptions& options) : m_options(options)
{
    TORCH_CHECK(options.patchSize > 0 && options.inputResolution % options.patchSize == 0,
                "image resolution ", options.inputResolution, " is not a multiple of the patch size ",
                options.patchSize);
    const double scale = std::pow(static_cast<double>(options.width), -0.5);
    const int64_t tokens = gridSize() * gridSize() + 1;
    classEmbedding = register_parameter("class_embedding", scale * torch::randn({options.width}));
    positionalEmbedding =
        register_parameter("positional_embedding", scale * torch::randn({tokens, options.width}));
    proj = register_parameter("proj", scale * torch::randn({options.width, options.outputDim}));
    m_conv1 = register_module("conv1",
                              torch::nn::Conv2d(torch::nn::Conv2dOptions(3, options.width, options.patchSize)
                                                    .stride(options.patchSize)
                                                    .bias(false)));
    m_lnPre = register_module("ln_pre", Fp32LayerNorm(options.width));
    m_transformer = register_module("transformer", std::make_shared<torch::nn::Module>());
    auto resblocks = m_transformer->register_module("resblocks", torch::nn::ModuleList());
    for (int64_t i = 0; i < options.layers; ++i) {
        m_blocks.emplace_back(options.width, options.heads);
        resblocks->push_back(m_blocks.back());
    }
    m_lnPost = register_module("ln_post", Fp32LayerNorm(options.width));
}

torch::Tensor VisualTransformerImpl::randomMasking(const torch::Tensor& tokens, double maskRatio)
{
    const int64_t batch = tokens.size(0);
    const int64_t length = tokens.size(1);
    const int64_t width = tokens.size(2);
    const auto keep = static_cast<int64_t>(static_cast<double>(length - 1) * (1.0 - maskRatio));
    const auto noise = torch::rand({batch, length - 1}, tokens.options().dtype(torch::kFloat32));
    const auto shuffle =
        torch::argsort(noise, /*dim=*/1, /*descending=*/false) + 1; // patch indices after the class token
    const auto kept = shuffle.slice(1, 0, keep);
    const auto masked = torch::gather(tokens, 1, kept.unsqueeze(-1).repeat({1, 1, width}));
    return torch::cat({tokens.slice(1, 0, 1), masked}, 1);
}

torch::Tensor VisualTransformerImpl::forward(const torch::Tensor& images, double maskRatio)
{
    auto x = m_conv1(images); // [batch, width, grid, grid]
    x = x.reshape({x.size(0), x.size(1), -1}).permute({0, 2, 1});
    const auto cls = classEmbedding.to(x.scalar_type()).expand({x.size(0), 1, x.size(-1)});
    x = torch::cat({cls, x}, 1);
    x = x + positionalEmbedding.to(x.scalar_type());
    if (maskRatio != 0.0)
        x = randomMasking(x, maskRatio);
    x = m_lnPre(x);
    for (auto& block : m_blocks) {
        if (m_gradCheckpointing && checkpointingUseful(*block, x)) {
            auto* raw = block.get();
            x = runCheckpointed(
                [raw](const torch::Tensor& in, const torch::Tensor&) { return raw->forward(in); }, x,
                torch::Tensor(), block->parameters());
        } else {
            x = block(x);
        }
    }
    x = m_lnPost(x.select(1, 0));
    return torch::matmul(x, proj.to(x.scalar_type()));
}

} // namespace clipwb::model
