#include "model/ClipWeights.h"

#include "model/FlashAttentionKeys.h"
#include "model/FlashAttentionStateDict.h"

#include "common/Error.h"
#include "model/TorchCheckpoint.h"

#include <map>
#include <set>
#include <sstream>

namespace clipwb::model {

namespace {

std::string shapeText(const torch::Tensor& t)
{
    std::ostringstream out;
    out << t.sizes();
    return out.str();
}

std::string listSome(const std::vector<std::string>& names)
{
    std::string out;
    const size_t shown = std::min<size_t>(names.size(), 8);
    for (size_t i = 0; i < shown; ++i)
        out += (i ? ", " : "") + names[i];
    if (names.size() > shown)
        out += ", ... (" + std::to_string(names.size()) + " in all)";
    return out;
}

bool isPooler(const std::string& key)
{
    return key.find("bert.pooler") != std::string::npos;
}

} // namespace

std::string stripModulePrefix(const std::string& key)
{
    return key.rfind("module.", 0) == 0 ? key.substr(7) : key;
}

bool upstreamConvertsToHalf(const std::string& rawKey)
{
    const std::string key = stripModulePrefix(rawKey);
    if (key.rfind("bert.", 0) == 0 || key == "text_projection" || key == "visual.proj")
        return true;
    const size_t dot = key.rfind('.');
    if (dot == std::string::npos)
        return false;
    const std::string leaf = key.substr(dot + 1);
    static const std::set<std::string> attentionTensors = {"in_proj_weight", "in_proj_bias",  "q_proj_weight",
                                                           "k_proj_weight",  "v_proj_weight", "bias_k",
                                                           "bias_v"};
    if (attentionTensors.count(leaf))
        return true;
    if (leaf != "weight" && leaf != "bias")
        return false;
    const std::string owner = key.substr(0, dot);
    const std::string ownerLeaf = owner.substr(owner.rfind('.') + 1);
    static const std::set<std::string> convOrLinear = {"conv1",    "conv2",  "conv3",  "c_fc",  "c_proj",
                                                       "out_proj", "q_proj", "k_proj", "v_proj"};
    if (convOrLinear.count(ownerLeaf))
        return true;
    // The ResNet shortcut: downsample.0 is its convolution, downsample.1 its BatchNorm.
    const std::string shortcut = ".downsample.0";
    return owner.size() > shortcut.size() &&
           owner.compare(owner.size() - shortcut.size(), shortcut.size(), shortcut) == 0;
}

torch::Tensor resizePositionalEmbedding(const torch::Tensor& embedding, int64_t grid)
{
    TORCH_CHECK(embedding.dim() == 2 && embedding.size(0) >= 2,
                "positional embedding must be [1 + n, width]");
    const int64_t oldTokens = embedding.size(0) - 1;
    const auto oldGrid = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(oldTokens))));
    TORCH_CHECK(oldGrid * oldGrid == oldTokens, "positional embedding of ", oldTokens,
                " patches is not a square grid");
    const auto classToken = embedding.slice(0, 0, 1);
    auto patches = embedding.slice(0, 1).reshape({1, oldGrid, oldGrid, -1}).permute({0, 3, 1, 2});
    const auto dtype = patches.scalar_type();
    patches = torch::nn::functional::interpolate(patches.to(torch::kFloat32),
                                                 torch::nn::functional::InterpolateFuncOptions()
                                                     .size(std::vector<int64_t>{grid, grid})
                                                     .mode(torch::kBicubic)
                                                     .align_corners(true))
                  .to(dtype);
    patches = patches.permute({0, 2, 3, 1}).reshape({grid * grid, -1});
    return torch::cat({classToken, patches}, 0);
}

NamedTensors plainAttentionLayout(const NamedTensors& stateDict)
{
    NamedTensors out;
    out.reserve(stateDict.size());
    for (const auto& [key, tensor] : stateDict) {
        const std::vector<std::string> plain = plainAttentionNames(key);
        if (plain.size() == 1) {
            out.emplace_back(plain[0], tensor);
            continue;
        }
        // A flash model's packed Wqkv: q, k and v stacked along the first dimension.
        CLIPWB_CHECK(tensor.dim() >= 1 && tensor.size(0) % static_cast<int64_t>(plain.size()) == 0, key,
                     ": shape ", tensor.sizes(), " does not split into ", plain.size(), " parts");
        const auto parts = tensor.chunk(static_cast<int64_t>(plain.size()), 0);
        for (size_t i = 0; i < plain.size(); ++i)
            out.emplace_back(plain[i], parts[i]);
    }
    return out;
}

LoadReport loadClipWeights(Clip& clip, const NamedTensors& stateDict, bool strict)
{
    LoadReport report;
    std::map<std::string, torch::Tensor> targets;
    std::vector<std::string> order;
    for (const auto& [name, tensor] : clip->stateDict()) {
        targets.emplace(name, tensor);
        order.push_back(name);
    }
    std::map<std::string, torch::Tensor> sources;
    for (const auto& [rawKey, tensor] : plainAttentionLayout(stateDict)) {
        const std::string key = stripModulePrefix(rawKey);
        if (isPooler(key))
            continue; // upstream's BertModel has no pooler; its checkpoints may
        if (!targets.count(key)) {
            report.unexpected.push_back(key);
            continue;
        }
        sources[key] = tensor;
    }
    const int64_t grid = clip->config().visionGridSize();
    auto position = sources.find("visual.positional_embedding");
    if (grid > 0 && position != sources.end() && position->second.dim() == 2 &&
        position->second.size(0) != grid * grid + 1) {
        const int64_t oldTokens = position->second.size(0) - 1;
        const auto oldGrid = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(oldTokens))));
        position->second = resizePositionalEmbedding(position->second, grid);
        report.resizedPositionalEmbedding = "from " + std::to_string(oldGrid) + "x" +
                                            std::to_string(oldGrid) + " to " + std::to_string(grid) + "x" +
                                            std::to_string(grid);
    }
    for (const std::string& name : order) {
        if (!sources.count(name))
            report.missing.push_back(name);
    }
    if (strict && (!report.missing.empty() || !report.unexpected.empty())) {
        std::string message = "state dict does not match the model";
        if (!report.missing.empty())
            message += "; missing: " + listSome(report.missing);
        if (!report.unexpected.empty())
            message += "; unexpected: " + listSome(report.unexpected);
        throw Error(message);
    }
    // Check every shape before changing anything, so a failed load leaves the model as it was.
    for (const auto& [name, source] : sources) {
        const torch::Tensor& target = targets.at(name);
        CLIPWB_CHECK(source.sizes() == target.sizes(), "state dict entry '", name, "' has shape ",
                     shapeText(source), ", the model expects ", shapeText(target));
    }
    torch::NoGradGuard noGrad;
    for (const std::string& name : order) {
        auto found = sources.find(name);
        if (found == sources.end())
            continue;
        torch::Tensor target = targets.at(name);
        target.copy_(found->second.to(target.device(), target.scalar_type()));
        report.loaded.push_back(name);
    }
    return report;
}

LoadReport loadPretrainedWeights(Clip& clip, const std::optional<std::filesystem::path>& clipWeightPath,
                                 const std::optional<std::filesystem::path>& bertWeightPath)
{
    NamedTensors merged;
    if (clipWeightPath) {
        for (auto& [key, tensor] : readTorchCheckpoint(*clipWeightPath).stateDict) {
            const std::string name = stripModulePrefix(key);
            if (name.rfind("visual", 0) == 0 || name == "logit_scale")
                merged.emplace_back(name, tensor);
        }
    }
    if (bertWeightPath) {
        for (auto& [key, tensor] : readTorchCheckpoint(*bertWeightPath).stateDict) {
            const std::string name = stripModulePrefix(key);
            if (name.rfind("bert", 0) == 0 && !isPooler(name))
                merged.emplace_back(name, tensor);
        }
    }
    return loadClipWeights(clip, merged, /*strict=*/false);
}

void roundLikeUpstreamConvertWeights(Clip& clip)
{
    torch::NoGradGuard noGrad;
    const auto round = [](torch::Tensor& t) {
        if (t.defined() && t.is_floating_point())
            t.copy_(t.to(torch::kFloat16).to(t.scalar_type()));
    };
    for (const auto& item : clip->named_modules()) {
        const std::string& name = item.key();
        auto& module = *item.value();
        if (auto* conv = module.as<torch::nn::Conv2d>()) {
            round(conv->weight);
            round(conv->bias);
        } else if (auto* linear = module.as<torch::nn::Linear>()) {
            round(linear->weight);
            round(linear->bias);
        } else if (name.size() >= 5 && name.compare(name.size() - 5, 5, ".attn") == 0) {
            for (auto& parameter : module.named_parameters(/*recurse=*/false))
                round(parameter.value());
        } else if (name == "bert") {
            for (auto& parameter : module.parameters())
                round(parameter);
        }
    }
    round(clip->textProjection());
    // The dictionary must outlive the pointer find() returns into it.
    auto visualParameters = clip->visual()->named_parameters(/*recurse=*/false);
    if (auto* proj = visualParameters.find("proj"))
        round(*proj);
}

} // namespace clipwb::model
