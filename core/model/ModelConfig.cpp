#include "model/ModelConfig.h"

#include "common/Error.h"
#include "common/Resources.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

namespace clipwb::model {

namespace {

const char* const kConfigPrefix = "model_configs/";

std::string shippedName(const std::string& resource)
{
    std::string name = resource.substr(std::string(kConfigPrefix).size());
    return name.substr(0, name.size() - 5); // ".json"
}

std::vector<std::string> shippedWithKey(const char* key)
{
    std::vector<std::string> names;
    for (const std::string& resource : resources::list(kConfigPrefix)) {
        if (resource.size() < 5 || resource.compare(resource.size() - 5, 5, ".json") != 0)
            continue;
        const auto bytes = resources::find(resource);
        const auto json = nlohmann::json::parse(bytes->begin(), bytes->end(), nullptr, false);
        if (json.is_object() && json.contains(key))
            names.push_back(shippedName(resource));
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::string joined(const std::vector<std::string>& names)
{
    std::string out;
    for (const std::string& name : names)
        out += (out.empty() ? "" : ", ") + name;
    return out;
}

// Collects every problem of one config instead of stopping at the first.
class Reader {
public:
    Reader(const nlohmann::json& json, std::string what) : m_json(json), m_what(std::move(what)) {}

    int64_t integer(const char* key, std::optional<int64_t> fallback = std::nullopt)
    {
        const nlohmann::json* value = find(key, fallback.has_value());
        if (!value)
            return fallback.value_or(0);
        if (value->is_number_integer())
            return value->get<int64_t>();
        if (value->is_number_float() && value->get<double>() == static_cast<int64_t>(value->get<double>()))
            return static_cast<int64_t>(value->get<double>());
        problem(std::string("'") + key + "' must be an integer, not " + value->dump());
        return 0;
    }

    double number(const char* key, std::optional<double> fallback = std::nullopt)
    {
        const nlohmann::json* value = find(key, fallback.has_value());
        if (!value)
            return fallback.value_or(0.0);
        if (value->is_number())
            return value->get<double>();
        problem(std::string("'") + key + "' must be a number, not " + value->dump());
        return 0.0;
    }

    std::string string(const char* key, std::optional<std::string> fallback = std::nullopt)
    {
        const nlohmann::json* value = find(key, fallback.has_value());
        if (!value)
            return fallback.value_or("");
        if (value->is_string())
            return value->get<std::string>();
        problem(std::string("'") + key + "' must be a string, not " + value->dump());
        return {};
    }

    /// vision_layers: an int (ViT), a list of ints or that list as a string "[3,4,6,3]" (ResNet).
    std::vector<int64_t> layers(const char* key)
    {
        const nlohmann::json* value = find(key, false);
        if (!value)
            return {};
        nlohmann::json list = *value;
        if (value->is_string()) {
            list = nlohmann::json::parse(value->get<std::string>(), nullptr, false);
            if (!list.is_array()) {
                problem(std::string("'") + key + "' must be an integer or a list of four integers, not " +
                        value->dump());
                return {};
            }
        }
        if (list.is_number_integer())
            return {list.get<int64_t>()};
        std::vector<int64_t> out;
        if (list.is_array()) {
            for (const auto& item : list) {
                if (!item.is_number_integer())
                    break;
                out.push_back(item.get<int64_t>());
            }
            if (out.size() == 4 && out.size() == list.size())
                return out;
        }
        problem(std::string("'") + key + "' must be an integer or a list of four integers, not " +
                value->dump());
        return {};
    }

    bool isNull(const char* key) const { return !m_json.contains(key) || m_json.at(key).is_null(); }

    void problem(const std::string& text) { m_problems.push_back(text); }

    void finish() const
    {
        if (m_problems.empty())
            return;
        std::string message = "model config " + m_what + ": ";
        for (size_t i = 0; i < m_problems.size(); ++i)
            message += (i ? "; " : "") + m_problems[i];
        throw Error(message);
    }

private:
    const nlohmann::json* find(const char* key, bool optional)
    {
        auto it = m_json.find(key);
        if (it == m_json.end() || it->is_null()) {
            if (!optional)
                problem(std::string("missing key '") + key + "'");
            return nullptr;
        }
        return &*it;
    }

    const nlohmann::json& m_json;
    std::string m_what;
    std::vector<std::string> m_problems;
};

} // namespace

int64_t ClipModelConfig::visionHeads() const
{
    if (visionHeadWidth <= 0)
        return 0;
    return isResNet() ? visionWidth * 32 / visionHeadWidth : visionWidth / visionHeadWidth;
}

int64_t ClipModelConfig::visionGridSize() const
{
    return isResNet() || visionPatchSize <= 0 ? 0 : imageResolution / visionPatchSize;
}

nlohmann::json ClipModelConfig::toJson() const
{
    nlohmann::json json;
    json["embed_dim"] = embedDim;
    json["image_resolution"] = imageResolution;
    if (isResNet())
        json["vision_layers"] = visionLayers;
    else
        json["vision_layers"] = visionLayers.empty() ? 0 : visionLayers.front();
    json["vision_width"] = visionWidth;
    json["vision_patch_size"] = isResNet() ? nlohmann::json() : nlohmann::json(visionPatchSize);
    if (visionHeadWidth != 64)
        json["vision_head_width"] = visionHeadWidth;
    json["vocab_size"] = vocabSize;
    json["text_attention_probs_dropout_prob"] = textAttentionProbsDropoutProb;
    json["text_hidden_act"] = textHiddenAct;
    json["text_hidden_dropout_prob"] = textHiddenDropoutProb;
    json["text_hidden_size"] = textHiddenSize;
    json["text_initializer_range"] = textInitializerRange;
    json["text_intermediate_size"] = textIntermediateSize;
    json["text_max_position_embeddings"] = textMaxPositionEmbeddings;
    json["text_num_attention_heads"] = textNumAttentionHeads;
    json["text_num_hidden_layers"] = textNumHiddenLayers;
    json["text_type_vocab_size"] = textTypeVocabSize;
    return json;
}

ClipModelConfig parseModelConfig(const nlohmann::json& merged, const std::string& what)
{
    CLIPWB_CHECK(merged.is_object(), "model config ", what, ": not a JSON object");
    Reader read(merged, what);
    ClipModelConfig config;
    config.embedDim = read.integer("embed_dim");
    config.imageResolution = read.integer("image_resolution");
    config.visionLayers = read.layers("vision_layers");
    config.visionWidth = read.integer("vision_width");
    config.visionHeadWidth = read.integer("vision_head_width", 64);
    if (config.visionLayers.size() == 1 || read.isNull("vision_layers"))
        config.visionPatchSize = read.integer("vision_patch_size");
    else if (!read.isNull("vision_patch_size"))
        config.visionPatchSize = read.integer("vision_patch_size");
    config.vocabSize = read.integer("vocab_size");
    config.textAttentionProbsDropoutProb = read.number("text_attention_probs_dropout_prob", 0.1);
    config.textHiddenAct = read.string("text_hidden_act", "gelu");
    config.textHiddenDropoutProb = read.number("text_hidden_dropout_prob", 0.1);
    config.textHiddenSize = read.integer("text_hidden_size");
    config.textInitializerRange = read.number("text_initializer_range", 0.02);
    config.textIntermediateSize = read.integer("text_intermediate_size");
    config.textMaxPositionEmbeddings = read.integer("text_max_position_embeddings");
    config.textNumAttentionHeads = read.integer("text_num_attention_heads");
    config.textNumHiddenLayers = read.integer("text_num_hidden_layers");
    config.textTypeVocabSize = read.integer("text_type_vocab_size", 2);

    const auto positive = [&](const char* key, int64_t value) {
        if (value <= 0 && merged.contains(key) && !merged.at(key).is_null())
            read.problem(std::string("'") + key + "' must be positive, not " + std::to_string(value));
    };
    positive("embed_dim", config.embedDim);
    positive("image_resolution", config.imageResolution);
    positive("vision_width", config.visionWidth);
    positive("vision_head_width", config.visionHeadWidth);
    positive("vocab_size", config.vocabSize);
    positive("text_hidden_size", config.textHiddenSize);
    positive("text_intermediate_size", config.textIntermediateSize);
    positive("text_max_position_embeddings", config.textMaxPositionEmbeddings);
    positive("text_num_attention_heads", config.textNumAttentionHeads);
    positive("text_num_hidden_layers", config.textNumHiddenLayers);
    positive("text_type_vocab_size", config.textTypeVocabSize);
    for (int64_t layers : config.visionLayers)
        if (layers <= 0)
            read.problem("'vision_layers' entries must be positive");
    if (config.visionLayers.size() == 1) {
        positive("vision_patch_size", config.visionPatchSize);
        if (config.visionPatchSize > 0 && config.imageResolution % config.visionPatchSize != 0)
            read.problem("'image_resolution' " + std::to_string(config.imageResolution) +
                         " is not a multiple of 'vision_patch_size' " +
                         std::to_string(config.visionPatchSize));
        if (config.visionHeadWidth > 0 && config.visionWidth % config.visionHeadWidth != 0)
            read.problem("'vision_width' " + std::to_string(config.visionWidth) +
                         " is not a multiple of the head width " + std::to_string(config.visionHeadWidth));
    } else if (config.visionLayers.size() == 4) {
        if (config.imageResolution > 0 && config.imageResolution % 32 != 0)
            read.problem("'image_resolution' of a ResNet must be a multiple of 32, not " +
                         std::to_string(config.imageResolution));
        if (config.visionHeadWidth > 0 && config.visionWidth * 32 % config.visionHeadWidth != 0)
            read.problem("'vision_width' * 32 is not a multiple of the head width");
        if (config.visionWidth % 2 != 0)
            read.problem("'vision_width' of a ResNet must be even");
    }
    if (config.textNumAttentionHeads > 0 && config.textHiddenSize % config.textNumAttentionHeads != 0)
        read.problem("'text_hidden_size' " + std::to_string(config.textHiddenSize) +
                     " is not a multiple of 'text_num_attention_heads' " +
                     std::to_string(config.textNumAttentionHeads));
    static const char* const kActivations[] = {"gelu", "relu", "swish", "gelu_new"};
    if (std::find(std::begin(kActivations), std::end(kActivations), config.textHiddenAct) ==
        std::end(kActivations))
        read.problem("'text_hidden_act' must be gelu, relu, swish or gelu_new, not '" + config.textHiddenAct +
                     "'");
    if (config.textAttentionProbsDropoutProb < 0 || config.textAttentionProbsDropoutProb >= 1 ||
        config.textHiddenDropoutProb < 0 || config.textHiddenDropoutProb >= 1)
        read.problem("dropout probabilities must be in [0, 1)");
    read.finish();
    return config;
}

nlohmann::json readModelConfigJson(const std::string& nameOrPath, const std::string& kind)
{
    CLIPWB_CHECK(!nameOrPath.empty(), "no ", kind, " model given (shipped: ",
                 joined(kind == "vision" ? shippedVisionModels() : shippedTextModels()), ")");
    std::string name = nameOrPath;
    std::replace(name.begin(), name.end(), '/', '-'); // upstream names are "ViT-B/16" too
    if (const auto bytes = resources::find(kConfigPrefix + name + ".json")) {
        return nlohmann::json::parse(bytes->begin(), bytes->end());
    }
    const std::filesystem::path path(nameOrPath);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        throw Error("unknown " + kind + " model '" + nameOrPath + "': neither a shipped config (" +
                    joined(kind == "vision" ? shippedVisionModels() : shippedTextModels()) +
                    ") nor a JSON file");
    }
    std::ifstream in(path, std::ios::binary);
    CLIPWB_CHECK(in.good(), "cannot read model config ", path.string());
    std::ostringstream text;
    text << in.rdbuf();
    const auto json = nlohmann::json::parse(text.str(), nullptr, false);
    CLIPWB_CHECK(!json.is_discarded(), "model config ", path.string(), ": not valid JSON");
    CLIPWB_CHECK(json.is_object(), "model config ", path.string(), ": not a JSON object");
    return json;
}

ClipModelConfig loadModelConfig(const std::string& visionNameOrPath, const std::string& textNameOrPath)
{
    nlohmann::json merged = readModelConfigJson(visionNameOrPath, "vision");
    const nlohmann::json text = readModelConfigJson(textNameOrPath, "text");
    for (auto it = text.begin(); it != text.end(); ++it)
        merged[it.key()] = it.value();
    ClipModelConfig config = parseModelConfig(merged, visionNameOrPath + " + " + textNameOrPath);
    config.visionModel = visionNameOrPath;
    config.textModel = textNameOrPath;
    return config;
}

std::vector<std::string> shippedVisionModels()
{
    return shippedWithKey("vision_layers");
}

std::vector<std::string> shippedTextModels()
{
    return shippedWithKey("vocab_size");
}

} // namespace clipwb::model
