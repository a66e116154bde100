#pragma once
// Image and text features of a checkpoint, as upstream's
// cn_clip/eval/extract_features.py computes them: the model built from the
// vision + text configs, the checkpoint's state dict loaded (`module.`
// stripped, bert.pooler dropped), eval mode, texts preprocessed and tokenised,
// images through the evaluation transform, features L2-normalised.
#include "common/Progress.h"
#include "eval/FeatureTable.h"
#include "model/Clip.h"
#include "text/Tokenizer.h"

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace clipwb::data {
class LmdbSplit;
}

namespace clipwb::eval {

struct FeatureExtractorOptions {
    std::filesystem::path checkpoint;
    std::string visionModel = "ViT-B-16";
    std::string textModel = "RoBERTa-wwm-ext-base-chinese";
    int contextLength = 52;
    /// "fp32" and "amp" compute in float32 (upstream converts the model to fp32 for both and
    /// extracts without autocast); "fp16" rounds upstream's half tensors to fp16 first.
    std::string precision = "amp";
    std::string device = "auto"; ///< "auto" (CUDA when available), "cpu", "cuda", "cuda:N"
    std::filesystem::path vocab; ///< empty: the shipped vocab
};

class FeatureExtractor {
public:
    explicit FeatureExtractor(const FeatureExtractorOptions& options);

    const FeatureExtractorOptions& options() const { return m_options; }
    int resolution() const;
    std::int64_t embedDim() const;
    std::optional<std::int64_t> checkpointEpoch() const { return m_epoch; }
    std::optional<std::int64_t> checkpointStep() const { return m_step; }
    torch::Device device() const { return m_device; }

    /// Normalised features [n, embedDim] (float32, CPU) of raw texts (preprocessed here).
    torch::Tensor encodeTexts(const std::vector<std::string>& texts);
    /// Normalised features [n, embedDim] (float32, CPU) of encoded images (JPEG/PNG bytes).
    torch::Tensor encodeImages(const std::vector<std::string>& encodedImages,
                               const std::vector<std::string>& names);
    /// Normalised features [n, embedDim] (float32, CPU) of preprocessed pixels [n, 3, R, R].
    torch::Tensor encodePixels(const torch::Tensor& pixels);

    /// sum(p.numel() for p in model.parameters()), and the same over model.visual (upstream's
    /// num_params and num_visual_params).
    std::int64_t parameterCount() const;
    std::int64_t visualParameterCount() const;

    /// Features of (text_id, text) pairs in batches, in order. progress (stage "texts", done and
    /// total in texts) is called before the first batch and after each; returning false stops
    /// with clipwb::Cancelled.
    FeatureTable extractTexts(const std::vector<std::pair<std::int64_t, std::string>>& texts,
                              std::int64_t batchSize, const ProgressCallback& progress = {});
    /// Features of the given images of a split in batches, in order; progress as for texts ("images").
    FeatureTable extractImages(const data::LmdbSplit& split, const std::vector<std::int64_t>& imageIds,
                               std::int64_t batchSize, const ProgressCallback& progress = {});

private:
    FeatureExtractorOptions m_options;
    torch::Device m_device{torch::kCPU};
    model::Clip m_model{nullptr};
    text::Tokenizer m_tokenizer;
    std::optional<std::int64_t> m_epoch, m_step;
};

/// Upstream's texts jsonl ({"text_id", "text", ...} a line) as (id, text); errors name file and line.
std::vector<std::pair<std::int64_t, std::string>> readTextsJsonl(const std::filesystem::path& path);

} // namespace clipwb::eval
