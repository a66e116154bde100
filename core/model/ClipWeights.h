#pragma once
// Loading state dicts into the LibTorch CLIP as upstream does it: `module.`
// stripped, bert.pooler dropped, the ViT positional embedding resized
// (bicubic, align_corners) when the checkpoint's patch grid differs.
#include "model/Clip.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace clipwb::model {

struct LoadReport {
    std::vector<std::string> loaded;
    /// Model tensors the state dict did not provide.
    std::vector<std::string> missing;
    /// State-dict keys the model has no tensor for.
    std::vector<std::string> unexpected;
    /// Set when visual.positional_embedding was resized: "from 7x7 to 14x14".
    std::string resizedPositionalEmbedding;
};

/// Copies the tensors of stateDict into clip (cast to each parameter's dtype). Strict: a
/// missing or unexpected key is an error naming them (upstream's load_state_dict(strict=True)).
/// A shape mismatch is always an error naming the key and both shapes.
LoadReport loadClipWeights(Clip& clip, const NamedTensors& stateDict, bool strict);

/// upstream's resize_pos_embed: [1 + old*old, width] -> [1 + grid*grid, width].
torch::Tensor resizePositionalEmbedding(const torch::Tensor& embedding, int64_t grid);

/// upstream's load(model, clip_path, bert_path) for clip_weight_path / bert_weight_path:
/// visual.* and logit_scale from the CLIP file, bert.* (without bert.pooler) from the BERT
/// file, both optional, non-strict. Files may hold a bare state dict or a checkpoint.
LoadReport loadPretrainedWeights(Clip& clip, const std::optional<std::filesystem::path>& clipWeightPath,
                                 const std::optional<std::filesystem::path>& bertWeightPath);

/// Rounds through fp16 exactly the tensors upstream's convert_weights() turns to half
/// (Conv/Linear weights and biases, attention in_proj, all of BERT, text_projection, visual.proj).
/// Upstream's training main() loads weights into a half model and converts it back to fp32,
/// so its initial weights carry this rounding; call it to reproduce upstream's starting point.
void roundLikeUpstreamConvertWeights(Clip& clip);

/// Whether upstream's convert_weights() turns this state-dict entry (with or without `module.`)
/// to fp16: the weights and biases of every Conv2d and Linear (attention out_proj and the
/// attention pool's q/k/v/c_proj included), MultiheadAttention's in_proj_weight/in_proj_bias,
/// every BERT tensor (its LayerNorms and embeddings too), text_projection and visual.proj.
/// The rest stays fp32: the ViT's class and positional embeddings, ln_pre/ln_post/ln_1/ln_2,
/// BatchNorm weights and running statistics, the attention pool's positional embedding and
/// logit_scale. Decided by name, so a checkpoint converts without knowing its config.
bool upstreamConvertsToHalf(const std::string& key);

/// `module.` removed from the front of a key, if there.
std::string stripModulePrefix(const std::string& key);

} // namespace clipwb::model
