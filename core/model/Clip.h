#pragma once
// Chinese-CLIP in LibTorch: upstream's CLIP (cn_clip/clip/model.py) with a
// ViT or ModifiedResNet image tower and a BERT text tower. Parameter names are
// identical to upstream's state dict without the `module.` prefix
// (`visual.transformer.resblocks.0.attn.in_proj_weight`,
// `bert.encoder.layer.0.attention.self.query.weight`, `text_projection`,
// `logit_scale`, ...), so upstream checkpoints load by name.
#include "model/BertModel.h"
#include "model/ModelConfig.h"
#include "model/ModifiedResNet.h"
#include "model/VisualTransformer.h"

#include <torch/torch.h>

#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace clipwb::model {

/// A state dict in upstream's order: per module its parameters, then its buffers, then its children.
using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

class ClipImpl : public torch::nn::Module {
public:
    /// Builds the model with upstream's random initialisation (seed with torch::manual_seed).
    explicit ClipImpl(ClipModelConfig config);

    /// images [batch, 3, R, R] float -> [batch, embed_dim], not normalised. maskRatio > 0
    /// applies FLIP masking (ViT only; upstream ignores it for the ResNet).
    torch::Tensor encodeImage(const torch::Tensor& images, double maskRatio = 0.0);
    /// texts [batch, length] int64 token ids, 0 = [PAD] -> [batch, embed_dim], not normalised.
    torch::Tensor encodeText(const torch::Tensor& texts);
    /// L2-normalised image features, text features, and logit_scale.exp().
    std::tuple<torch::Tensor, torch::Tensor, torch::Tensor>
    forward(const torch::Tensor& images, const torch::Tensor& texts, double maskRatio = 0.0);

    /// Checkpoints every transformer block (ViT and BERT); a no-op for the ResNet, as upstream.
    void setGradCheckpointing(bool enabled);
    bool gradCheckpointing() const { return m_gradCheckpointing; }

    const ClipModelConfig& config() const { return m_config; }
    /// The image tower (`visual.*`): a VisualTransformer or a ModifiedResNet.
    std::shared_ptr<torch::nn::Module> visual() const { return m_visual; }
    BertModel& bert() { return m_bert; }
    torch::Tensor& logitScale() { return m_logitScale; }
    torch::Tensor& textProjection() { return m_textProjection; }
    /// dtype of the image tower's first convolution (upstream's CLIP.dtype).
    torch::ScalarType dtype() const;

    /// Parameters and buffers in upstream's state-dict order, names without `module.`.
    NamedTensors stateDict() const;

private:
    ClipModelConfig m_config;
    bool m_gradCheckpointing = false;
    std::shared_ptr<torch::nn::Module> m_visual;
    VisualTransformer m_vit{nullptr};
    ModifiedResNet m_resnet{nullptr};
    BertModel m_bert{nullptr};
    torch::Tensor m_textProjection;
    torch::Tensor m_logitScale;
};
TORCH_MODULE(Clip);

/// A module's parameters and buffers in PyTorch's state_dict() order.
NamedTensors moduleStateDict(const torch::nn::Module& module);

/// The BertOptions of a config (layer_norm_eps 1e-12 as upstream).
BertOptions bertOptionsOf(const ClipModelConfig& config);

} // namespace clipwb::model
