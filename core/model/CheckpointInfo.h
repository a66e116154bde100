#pragma once
// What a checkpoint holds, for the GUI's checkpoint list and
// `clipwb-cli convert-checkpoint --summary`. Reading a summary parses only
// data.pkl (no storage is loaded), so it is quick for multi-GB files.
// No LibTorch in this header.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace clipwb::model {

struct CheckpointTensorInfo {
    std::string name;
    std::vector<int64_t> shape;
    std::string dtype; ///< PyTorch's name: "float32", "float16", "int64", ...
    int64_t numel = 0;
};

struct CheckpointSummary {
    std::filesystem::path path;
    uint64_t fileSize = 0;
    std::optional<int64_t> epoch;
    std::optional<int64_t> step;
    std::string name;
    /// True when the file is a bare state dict (no epoch, step, optimizer).
    bool bareStateDict = false;
    /// State-dict entries in file order.
    std::vector<CheckpointTensorInfo> tensors;
    /// Elements of the floating-point state-dict tensors (BN counters excluded).
    int64_t parameterCount = 0;
    /// Bytes of the state-dict tensors.
    uint64_t stateDictBytes = 0;
    bool hasOptimizer = false;
    int64_t optimizerTensorCount = 0;
    /// Top-level keys besides epoch, step, name, state_dict, optimizer.
    std::vector<std::string> extraKeys;
    /// The shipped configs whose shapes match the state dict, if any ("ViT-B-16",
    /// "RoBERTa-wwm-ext-base-chinese").
    std::string guessedVisionModel;
    std::string guessedTextModel;

    nlohmann::json toJson() const;
    /// Several lines for a terminal: header, then one line per tensor when withTensors.
    std::string toText(bool withTensors = true) const;
};

/// Throws clipwb::Error naming the file (not a checkpoint, truncated, refused global, ...).
CheckpointSummary readCheckpointSummary(const std::filesystem::path& path);

/// Rewrites a checkpoint: without the optimizer state (a slim export), and/or with the
/// state-dict tensors that upstream's convert_weights() makes half in fp16 (see
/// upstreamConvertsToHalf in ClipWeights.h; LayerNorm, BatchNorm, the ViT's class and
/// positional embeddings and logit_scale keep their dtype). Epoch, step, name and extra keys
/// are kept; the optimizer state, when kept, is not converted.
/// The output is written atomically; in and out may be the same file.
void convertCheckpoint(const std::filesystem::path& in, const std::filesystem::path& out, bool stripOptimizer,
                       bool fp16);

} // namespace clipwb::model
