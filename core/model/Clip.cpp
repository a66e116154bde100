#include "model/Clip.h"

#include <cmath>

namespace clipwb::model {

namespace {

void appendStateDict(const torch::nn::Module& module, const std::string& prefix, NamedTensors& out)
{
    for (const auto& item : module.named_parameters(/*recurse=*/false))
        out.emplace_back(prefix + item.key(), item.value());
    for (const auto& item : module.named_buffers(/*recurse=*/false))
        out.emplace_back(prefix + item.key(), item.value());
    for (const auto& child : module.named_children())
        appendStateDict(*child.value(), prefix + child.key() + ".", out);
}

} // namespace

NamedTensors moduleStateDict(const torch::nn::Module& module)
{
    NamedTensors out;
    appendStateDict(module, "", out);
    return out;
}

BertOptions bertOptionsOf(const ClipModelConfig& config)
{
    BertOptions options;
    options.vocabSize = config.vocabSize;
    options.hiddenSize = config.textHiddenSize;
    options.numHiddenLayers = config.textNumHiddenLayers;
    options.numAttentionHeads = config.textNumAttentionHeads;
    options.intermediateSize = config.textIntermediateSize;
    options.hiddenAct = config.textHiddenAct;
    options.hiddenDropoutProb = config.textHiddenDropoutProb;
    options.attentionProbsDropoutProb = config.textAttentionProbsDropoutProb;
    options.maxPositionEmbeddings = config.textMaxPositionEmbeddings;
    options.typeVocabSize = config.textTypeVocabSize;
    options.initializerRange = config.textInitializerRange;
    options.layerNormEps = 1e-12;
    return options;
}

ClipImpl::ClipImpl(ClipModelConfig config) : m_config(std::move(config))
{
    const ClipModelConfig& c = m_config;
    TORCH_CHECK(c.visionLayers.size() == 1 || c.visionLayers.size() == 4,
                "vision_layers must be one integer (ViT) or four (ResNet)");
    if (c.isResNet()) {
        ModifiedResNetOptions options;
        options.layers = c.visionLayers;
        options.outputDim = c.embedDim;
        options.heads = c.visionHeads();
        options.inputResolution = c.imageResolution;
        options.width = c.visionWidth;
        m_resnet = ModifiedResNet(options);
        m_visual = register_module("visual", m_resnet.ptr());
    } else {
        VisualTransformerOptions options;
        options.inputResolution = c.imageResolution;
        options.patchSize = c.visionPatchSize;
        options.width = c.visionWidth;
        options.layers = c.visionLayers.front();
        options.heads = c.visionHeads();
        options.outputDim = c.embedDim;
        m_vit = VisualTransformer(options);
        m_visual = register_module("visual", m_vit.ptr());
    }
    m_bert = register_module("bert", BertModel(bertOptionsOf(c)));
    m_textProjection = register_parameter("text_projection", torch::empty({c.textHiddenSize, c.embedDim}));
    m_logitScale = register_parameter("logit_scale", torch::full({}, std::log(1.0 / 0.07)));

    // Upstream's initialize_parameters.
    torch::NoGradGuard noGrad;
    if (m_resnet) {
        const double std = std::pow(static_cast<double>(m_resnet->attnpool->cProj->weight.size(1)), -0.5);
        for (auto* linear : {&m_resnet->attnpool->qProj, &m_resnet->attnpool->kProj,
                             &m_resnet->attnpool->vProj, &m_resnet->attnpool->cProj})
            (*linear)->weight.normal_(0.0, std);
        for (auto& weight : m_resnet->bn3Weights())
            weight.zero_();
    }
    m_textProjection.normal_(0.0, std::pow(static_cast<double>(c.textHiddenSize), -0.5));
}

torch::ScalarType ClipImpl::dtype() const
{
    for (const auto& parameter : m_visual->parameters())
        return parameter.scalar_type();
    return torch::kFloat32;
}

void ClipImpl::setGradCheckpointing(bool enabled)
{
    m_gradCheckpointing = enabled;
    if (m_vit)
        m_vit->setGradCheckpointing(enabled);
    m_bert->setGradCheckpointing(enabled);
}

torch::Tensor ClipImpl::encodeImage(const torch::Tensor& images, double maskRatio)
{
    TORCH_CHECK(images.dim() == 4 && images.size(1) == 3, "images must be [batch, 3, H, W], got ",
                images.sizes());
    const auto input = images.to(dtype());
    if (m_resnet)
        return m_resnet(input);
    return m_vit(input, maskRatio);
}

torch::Tensor ClipImpl::encodeText(const torch::Tensor& texts)
{
    TORCH_CHECK(texts.dim() == 2, "texts must be [batch, length] token ids, got ", texts.sizes());
    constexpr int64_t kPadIndex = 0; // [PAD] in the Chinese BERT vocabulary
    const auto ids = texts.to(torch::kLong);
    const auto attentionMask = ids.ne(kPadIndex).to(dtype());
    const auto hidden = m_bert(ids, attentionMask).to(dtype());
    return torch::matmul(hidden.select(1, 0), m_textProjection.to(hidden.scalar_type()));
}

std::tuple<torch::Tensor, torch::Tensor, torch::Tensor>
ClipImpl::forward(const torch::Tensor& images, const torch::Tensor& texts, double maskRatio)
{
    auto imageFeatures = encodeImage(images, maskRatio);
    auto textFeatures = encodeText(texts);
    imageFeatures = imageFeatures / imageFeatures.norm(2, -1, true);
    textFeatures = textFeatures / textFeatures.norm(2, -1, true);
    return {imageFeatures, textFeatures, m_logitScale.exp()};
}

NamedTensors ClipImpl::stateDict() const
{
    return moduleStateDict(*this);
}

} // namespace clipwb::model
