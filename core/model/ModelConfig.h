#pragma once
// The shape of a Chinese-CLIP model: one upstream vision config (ViT or
// ModifiedResNet) merged with one text config (BERT/RoBERTa), with upstream's
// JSON key names. No LibTorch here: the UI and the config checker use it.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace clipwb::model {

struct ClipModelConfig {
    /// The names or paths the config was loaded from (for messages and run folders).
    std::string visionModel;
    std::string textModel;

    // ---- vision (upstream keys: embed_dim, image_resolution, vision_layers, ...) ----
    int64_t embedDim = 0;
    int64_t imageResolution = 0;
    /// One entry: the ViT depth. Four entries: Bottleneck blocks per ResNet stage.
    std::vector<int64_t> visionLayers;
    int64_t visionWidth = 0;
    /// Zero for the ModifiedResNet (upstream: null).
    int64_t visionPatchSize = 0;
    /// Width of one attention head; upstream's default 64, 80 for ViT-H-14.
    int64_t visionHeadWidth = 64;

    // ---- text (upstream keys: vocab_size, text_*) ----
    int64_t vocabSize = 0;
    double textAttentionProbsDropoutProb = 0.1;
    std::string textHiddenAct = "gelu";
    double textHiddenDropoutProb = 0.1;
    int64_t textHiddenSize = 0;
    double textInitializerRange = 0.02;
    int64_t textIntermediateSize = 0;
    int64_t textMaxPositionEmbeddings = 0;
    int64_t textNumAttentionHeads = 0;
    int64_t textNumHiddenLayers = 0;
    int64_t textTypeVocabSize = 2;

    bool isResNet() const { return visionLayers.size() != 1; }
    /// ViT: width / head_width. ResNet attention pool: width * 32 / head_width.
    int64_t visionHeads() const;
    /// Patches per side of a ViT (resolution / patch size); 0 for a ResNet.
    int64_t visionGridSize() const;

    /// The merged config as upstream's JSON (vision_layers a list for a ResNet).
    nlohmann::json toJson() const;
};

/// Builds a config from upstream's merged JSON; `what` names the source in errors.
/// Every missing, mistyped or inconsistent key is reported (clipwb::Error).
ClipModelConfig parseModelConfig(const nlohmann::json& merged, const std::string& what);

/// Loads one vision and one text config, each a shipped name ("ViT-B-16",
/// "ViT-B/16", "RoBERTa-wwm-ext-base-chinese") or a path to a JSON file, and
/// merges them as upstream does (text keys override vision keys).
ClipModelConfig loadModelConfig(const std::string& visionNameOrPath, const std::string& textNameOrPath);

/// The raw JSON of a shipped config name or a JSON file path; throws naming it.
nlohmann::json readModelConfigJson(const std::string& nameOrPath, const std::string& kind);

/// Names of the shipped configs (embedded resources model_configs/*.json).
std::vector<std::string> shippedVisionModels();
std::vector<std::string> shippedTextModels();

} // namespace clipwb::model
