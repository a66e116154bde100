#include "model/CheckpointInfo.h"

#include "common/Error.h"
#include "model/ClipWeights.h"
#include "model/ModelConfig.h"
#include "model/TorchCheckpoint.h"

#include <cstdio>
#include <map>
#include <sstream>

namespace clipwb::model {

namespace {

std::string dtypeName(torch::ScalarType dtype)
{
    switch (dtype) {
    case torch::kFloat32:
        return "float32";
    case torch::kFloat64:
        return "float64";
    case torch::kFloat16:
        return "float16";
    case torch::kBFloat16:
        return "bfloat16";
    case torch::kInt64:
        return "int64";
    case torch::kInt32:
        return "int32";
    case torch::kInt16:
        return "int16";
    case torch::kInt8:
        return "int8";
    case torch::kUInt8:
        return "uint8";
    case torch::kBool:
        return "bool";
    case torch::kComplexFloat:
        return "complex64";
    case torch::kComplexDouble:
        return "complex128";
    default:
        return c10::toString(dtype);
    }
}

std::string shapeText(const std::vector<int64_t>& shape)
{
    std::string out = "[";
    for (size_t i = 0; i < shape.size(); ++i)
        out += (i ? ", " : "") + std::to_string(shape[i]);
    return out + "]";
}

std::string grouped(int64_t value)
{
    std::string digits = std::to_string(value);
    for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3)
        digits.insert(static_cast<size_t>(i), ",");
    return digits;
}

std::string megabytes(uint64_t bytes)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / 1e6);
    return text;
}

/// The shipped vision/text config whose defining shapes match the state dict.
void guessConfigs(CheckpointSummary& summary)
{
    std::map<std::string, std::vector<int64_t>> shapes;
    int64_t visionBlocks = 0, textLayers = 0;
    bool resnet = false;
    for (const auto& tensor : summary.tensors) {
        const std::string name = stripModulePrefix(tensor.name);
        shapes[name] = tensor.shape;
        if (name.rfind("visual.transformer.resblocks.", 0) == 0 && name.size() > 29)
            visionBlocks = std::max<int64_t>(visionBlocks, std::stoll(name.substr(29)) + 1);
        if (name.rfind("bert.encoder.layer.", 0) == 0 && name.size() > 19)
            textLayers = std::max<int64_t>(textLayers, std::stoll(name.substr(19)) + 1);
        if (name.rfind("visual.layer1.", 0) == 0)
            resnet = true;
    }
    const auto shape = [&](const char* key) {
        auto it = shapes.find(key);
        return it == shapes.end() ? std::vector<int64_t>{} : it->second;
    };
    for (const std::string& candidate : shippedVisionModels()) {
        ClipModelConfig c;
        try {
            c = loadModelConfig(candidate, "Tiny-BERT");
        } catch (const Error&) {
            continue;
        }
        bool match = false;
        if (c.isResNet()) {
            match = resnet &&
                    shape("visual.conv1.weight") == std::vector<int64_t>{c.visionWidth / 2, 3, 3, 3} &&
                    shape("visual.attnpool.positional_embedding") ==
                        std::vector<int64_t>{(c.imageResolution / 32) * (c.imageResolution / 32) + 1,
                                             c.visionWidth * 32} &&
                    shape("visual.attnpool.c_proj.weight") ==
                        std::vector<int64_t>{c.embedDim, c.visionWidth * 32};
        } else {
            match = !resnet && visionBlocks == c.visionLayers.front() &&
                    shape("visual.conv1.weight") ==
                        std::vector<int64_t>{c.visionWidth, 3, c.visionPatchSize, c.visionPatchSize} &&
                    shape("visual.positional_embedding") ==
                        std::vector<int64_t>{c.visionGridSize() * c.visionGridSize() + 1, c.visionWidth} &&
                    shape("visual.proj") == std::vector<int64_t>{c.visionWidth, c.embedDim};
        }
        if (match) {
            summary.guessedVisionModel = candidate;
            break;
        }
    }
    for (const std::string& candidate : shippedTextModels()) {
        ClipModelConfig c;
        try {
            c = loadModelConfig("Tiny-ViT", candidate);
        } catch (const Error&) {
            continue;
        }
        if (textLayers == c.textNumHiddenLayers &&
            shape("bert.embeddings.word_embeddings.weight") ==
                std::vector<int64_t>{c.vocabSize, c.textHiddenSize} &&
            shape("bert.encoder.layer.0.intermediate.dense.weight") ==
                std::vector<int64_t>{c.textIntermediateSize, c.textHiddenSize}) {
            summary.guessedTextModel = candidate;
            break;
        }
    }
}

} // namespace

CheckpointSummary readCheckpointSummary(const std::filesystem::path& path)
{
    const TorchCheckpoint checkpoint = readTorchCheckpoint(path, /*loadData=*/false);
    CheckpointSummary summary;
    summary.path = path;
    std::error_code ec;
    summary.fileSize = std::filesystem::file_size(path, ec);
    summary.epoch = checkpoint.epoch;
    summary.step = checkpoint.step;
    summary.name = checkpoint.name;
    summary.bareStateDict = checkpoint.bareStateDict;
    for (const auto& [name, tensor] : checkpoint.stateDict) {
        CheckpointTensorInfo info;
        info.name = name;
        info.shape = tensor.sizes().vec();
        info.dtype = dtypeName(tensor.scalar_type());
        info.numel = tensor.numel();
        if (tensor.is_floating_point())
            summary.parameterCount += info.numel;
        summary.stateDictBytes += static_cast<uint64_t>(info.numel) * tensor.element_size();
        summary.tensors.push_back(std::move(info));
    }
    summary.hasOptimizer = checkpoint.optimizer.has_value();
    if (checkpoint.optimizer)
        summary.optimizerTensorCount = static_cast<int64_t>(checkpoint.optimizer->tensors.size());
    for (const auto& item : checkpoint.extra)
        summary.extraKeys.push_back(item.first);
    guessConfigs(summary);
    return summary;
}

nlohmann::json CheckpointSummary::toJson() const
{
    nlohmann::json json;
    json["path"] = path.string();
    json["file_size"] = fileSize;
    json["epoch"] = epoch ? nlohmann::json(*epoch) : nlohmann::json();
    json["step"] = step ? nlohmann::json(*step) : nlohmann::json();
    json["name"] = name;
    json["bare_state_dict"] = bareStateDict;
    json["parameter_count"] = parameterCount;
    json["state_dict_bytes"] = stateDictBytes;
    json["has_optimizer"] = hasOptimizer;
    json["optimizer_tensor_count"] = optimizerTensorCount;
    json["extra_keys"] = extraKeys;
    json["vision_model"] = guessedVisionModel.empty() ? nlohmann::json() : nlohmann::json(guessedVisionModel);
    json["text_model"] = guessedTextModel.empty() ? nlohmann::json() : nlohmann::json(guessedTextModel);
    nlohmann::json tensorsJson = nlohmann::json::array();
    for (const auto& tensor : tensors)
        tensorsJson.push_back({{"name", tensor.name}, {"shape", tensor.shape}, {"dtype", tensor.dtype}});
    json["tensors"] = tensorsJson;
    return json;
}

std::string CheckpointSummary::toText(bool withTensors) const
{
    std::ostringstream out;
    out << "file: " << path.string() << " (" << megabytes(fileSize) << ")\n";
    if (bareStateDict) {
        out << "kind: bare state dict\n";
    } else {
        out << "epoch: " << (epoch ? std::to_string(*epoch) : "-") << "\n";
        out << "step: " << (step ? std::to_string(*step) : "-") << "\n";
        out << "name: " << name << "\n";
        out << "optimizer: "
            << (hasOptimizer ? "yes (" + std::to_string(optimizerTensorCount) + " state tensors)" : "no")
            << "\n";
    }
    out << "parameters: " << grouped(parameterCount) << " in " << tensors.size() << " tensors ("
        << megabytes(stateDictBytes) << ")\n";
    if (!guessedVisionModel.empty() || !guessedTextModel.empty())
        out << "model: " << (guessedVisionModel.empty() ? "?" : guessedVisionModel) << " + "
            << (guessedTextModel.empty() ? "?" : guessedTextModel) << "\n";
    if (!extraKeys.empty()) {
        out << "extra keys:";
        for (const auto& key : extraKeys)
            out << " " << key;
        out << "\n";
    }
    if (withTensors) {
        size_t width = 0;
        for (const auto& tensor : tensors)
            width = std::max(width, tensor.name.size());
        for (const auto& tensor : tensors)
            out << "  " << tensor.name << std::string(width - tensor.name.size() + 2, ' ')
                << shapeText(tensor.shape) << " " << tensor.dtype << "\n";
    }
    return out.str();
}

void convertCheckpoint(const std::filesystem::path& in, const std::filesystem::path& out, bool stripOptimizer,
                       bool fp16)
{
    TorchCheckpoint checkpoint = readTorchCheckpoint(in);
    if (stripOptimizer)
        checkpoint.optimizer.reset();
    if (fp16) {
        for (auto& [name, tensor] : checkpoint.stateDict)
            if (tensor.is_floating_point() && upstreamConvertsToHalf(name))
                tensor = tensor.to(torch::kFloat16);
    }
    writeTorchCheckpoint(out, checkpoint);
}

} // namespace clipwb::model
