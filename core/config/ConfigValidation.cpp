// validate(): every semantic problem of a TrainConfig at once, each naming its key.
#include "config/TrainConfig.h"

#include "common/AtomicFile.h"
#include "common/Error.h"
#include "common/Resources.h"
#include "config/OptionTable.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <sstream>

namespace clipwb::config {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kModelPrefix = "model_configs/";

enum class ModelKind { Vision, Text, Unknown };

ModelKind kindOf(const json& object)
{
    if (object.is_object() && object.contains("image_resolution"))
        return ModelKind::Vision;
    if (object.is_object() && object.contains("vocab_size"))
        return ModelKind::Text;
    return ModelKind::Unknown;
}

std::vector<std::string> shippedModels(ModelKind wanted)
{
    std::vector<std::string> names;
    for (const std::string& file : resources::list(kModelPrefix)) {
        if (file.size() < 5 || file.compare(file.size() - 5, 5, ".json") != 0)
            continue;
        const auto bytes = resources::find(file);
        const json object = json::parse(bytes->begin(), bytes->end(), nullptr, false);
        if (kindOf(object) == wanted)
            names.push_back(file.substr(std::string(kModelPrefix).size(), file.size() - 5 - 14));
    }
    return names;
}

std::string joined(const std::vector<std::string>& names)
{
    std::string out;
    for (const std::string& name : names)
        out += (out.empty() ? "" : ", ") + name;
    return out;
}

std::string formatNumber(double value)
{
    std::ostringstream out;
    out.precision(12);
    out << value;
    return out.str();
}

/// Checks a model config option; returns its JSON when it could be read.
std::optional<json> checkModel(const std::string& key, const std::string& value, ModelKind wanted,
                               std::vector<ConfigIssue>& issues)
{
    const char* kindName = wanted == ModelKind::Vision ? "vision" : "text";
    json object;
    if (value.empty()) {
        issues.push_back({key, "required: a shipped model config name or the path of a JSON config"});
        return std::nullopt;
    }
    if (isShippedModel(value)) {
        const auto bytes = resources::find(kModelPrefix + value + ".json");
        object = json::parse(bytes->begin(), bytes->end(), nullptr, false);
    } else {
        const bool looksLikePath = value.find('/') != std::string::npos ||
                                   value.find('\\') != std::string::npos ||
                                   fs::path(value).extension() == ".json";
        if (!looksLikePath) {
            issues.push_back({key, "unknown model config '" + value + "' (shipped " + kindName +
                                       " configs: " + joined(shippedModels(wanted)) +
                                       "; or give a JSON file path)"});
            return std::nullopt;
        }
        std::error_code error;
        if (!fs::is_regular_file(value, error)) {
            issues.push_back({key, "model config file not found: " + value});
            return std::nullopt;
        }
        try {
            object = json::parse(readFile(value));
        } catch (const std::exception& e) {
            issues.push_back({key, "cannot read model config " + value + ": " + e.what()});
            return std::nullopt;
        }
    }
    const ModelKind kind = kindOf(object);
    if (kind != wanted) {
        issues.push_back({key, "'" + value + "' is not a " + kindName + " model config" +
                                   (kind == ModelKind::Unknown
                                        ? ""
                                        : std::string(" (it is a ") +
                                              (kind == ModelKind::Vision ? "vision" : "text") + " config)")});
        return std::nullopt;
    }
    return object;
}

void checkLmdbSplit(const std::string& key, const std::string& value, std::vector<ConfigIssue>& issues)
{
    std::error_code error;
    if (!fs::exists(value, error)) {
        issues.push_back({key, "folder not found: " + value});
        return;
    }
    if (!fs::is_directory(value, error)) {
        issues.push_back(
            {key, "not a folder: " + value + " (expected an LMDB split folder with imgs/ and pairs/)"});
        return;
    }
    std::vector<std::string> missing;
    for (const char* part : {"imgs", "pairs"})
        if (!fs::is_directory(fs::path(value) / part, error))
            missing.push_back(std::string(part) + "/");
        else if (!fs::is_regular_file(fs::path(value) / part / "data.mdb", error))
            missing.push_back(std::string(part) + "/data.mdb");
    if (!missing.empty())
        issues.push_back(
            {key, "not an LMDB split folder: " + value + " lacks " + joined(missing) +
                      " (expected imgs/ and pairs/ LMDB environments, as build-lmdb writes them)"});
}

void checkFile(const std::string& key, const std::optional<std::string>& value,
               std::vector<ConfigIssue>& issues)
{
    if (!value)
        return;
    std::error_code error;
    if (value->empty())
        issues.push_back({key, "empty path (use null to leave it unset)"});
    else if (!fs::exists(*value, error))
        issues.push_back({key, "file not found: " + *value});
    else if (!fs::is_regular_file(*value, error))
        issues.push_back({key, "not a file: " + *value});
}

bool validDevice(const std::string& device)
{
    if (device == "auto" || device == "cpu" || device == "cuda")
        return true;
    if (device.rfind("cuda:", 0) != 0 || device.size() == 5)
        return false;
    return device.find_first_not_of("0123456789", 5) == std::string::npos;
}

} // namespace

bool isShippedModel(const std::string& name)
{
    return !name.empty() && name.find('/') == std::string::npos &&
           resources::find(kModelPrefix + name + ".json").has_value();
}

std::vector<std::string> shippedVisionModels()
{
    return shippedModels(ModelKind::Vision);
}

std::vector<std::string> shippedTextModels()
{
    return shippedModels(ModelKind::Text);
}

std::vector<ConfigIssue> validate(const TrainConfig& config)
{
    std::vector<ConfigIssue> issues;

    // Ranges from the option table: every number inside [minimum, maximum].
    for (const detail::OptionSpec& s : detail::optionSpecs()) {
        const OptionInfo& info = s.info;
        if (info.type != OptionType::Int && info.type != OptionType::Double)
            continue;
        const std::optional<double> value = std::visit(
            [&](auto member) -> std::optional<double> {
                const auto& v = config.*member;
                using Value = std::decay_t<decltype(v)>;
                if constexpr (std::is_same_v<Value, int> || std::is_same_v<Value, int64_t> ||
                              std::is_same_v<Value, double>)
                    return static_cast<double>(v);
                else if constexpr (std::is_same_v<Value, std::optional<int>> ||
                                   std::is_same_v<Value, std::optional<int64_t>> ||
                                   std::is_same_v<Value, std::optional<double>>)
                    return v ? std::optional<double>(static_cast<double>(*v)) : std::nullopt;
                else
                    return std::nullopt;
            },
            s.field);
        if (!value)
            continue;
        if (!std::isfinite(*value)) {
            issues.push_back({info.key, "must be a finite number"});
            continue;
        }
        // Open upper ends where upstream divides by 1 - x or needs a strict bound.
        const bool openMaximum = info.key == "mask_ratio" || info.key == "beta1" || info.key == "beta2";
        const bool openMinimum = info.key == "lr" || info.key == "eps";
        if (*value < info.minimum || (openMinimum && *value <= info.minimum) || *value > info.maximum ||
            (openMaximum && *value >= info.maximum)) {
            std::string bound;
            if (*value < info.minimum || (openMinimum && *value <= info.minimum))
                bound = (openMinimum ? "must be > " : "must be >= ") + formatNumber(info.minimum);
            else
                bound = (openMaximum ? "must be < " : "must be <= ") + formatNumber(info.maximum);
            issues.push_back({info.key, "out of range: " + formatNumber(*value) + " (" + bound + ")"});
        }
    }

    // Data
    if (config.train_data.empty())
        issues.push_back({"train_data", "required: the LMDB folder of the training split"});
    else
        checkLmdbSplit("train_data", config.train_data, issues);
    if (config.val_data) {
        if (config.val_data->empty())
            issues.push_back({"val_data", "empty path (use null to disable validation)"});
        else
            checkLmdbSplit("val_data", *config.val_data, issues);
    }

    // Model
    checkModel("vision_model", config.vision_model, ModelKind::Vision, issues);
    const std::optional<json> text = checkModel("text_model", config.text_model, ModelKind::Text, issues);
    if (text && text->contains("text_max_position_embeddings") &&
        (*text)["text_max_position_embeddings"].is_number_integer()) {
        const int64_t positions = (*text)["text_max_position_embeddings"].get<int64_t>();
        if (config.context_length > positions)
            issues.push_back({"context_length", std::to_string(config.context_length) +
                                                    " is longer than the " + std::to_string(positions) +
                                                    " positions of text model " + config.text_model});
    }
    checkFile("clip_weight_path", config.clip_weight_path, issues);
    checkFile("bert_weight_path", config.bert_weight_path, issues);

    // Optimisation
    if (config.precision != "amp" && config.precision != "fp16" && config.precision != "fp32" &&
        config.precision != "bf16")
        issues.push_back(
            {"precision", "unknown precision '" + config.precision + "' (amp, fp16, fp32 or bf16)"});
    else if (config.device == "cpu" && (config.precision == "amp" || config.precision == "fp16"))
        issues.push_back(
            {"precision", config.precision + " needs a CUDA device; with device cpu use fp32 or bf16"});
    if (!config.max_steps && !config.max_epochs)
        issues.push_back(
            {"max_steps", "neither max_steps nor max_epochs is set: one of them says how long to train"});

    // Resume
    checkFile("resume", config.resume, issues);

    // Distillation
    if (config.distillation && (!config.teacher_model_name || config.teacher_model_name->empty()))
        issues.push_back({"teacher_model_name", "required when distillation is on"});

    // Run
    if (config.logs.empty())
        issues.push_back({"logs", "required: the folder that holds the run folders"});
    else {
        std::error_code error;
        if (fs::exists(config.logs, error) && !fs::is_directory(config.logs, error))
            issues.push_back({"logs", "not a folder: " + config.logs});
    }
    if (config.name.empty())
        issues.push_back({"name", "required: the run folder's name"});
    else if (config.name == "." || config.name == ".." || config.name.find('/') != std::string::npos ||
             config.name.find('\\') != std::string::npos)
        issues.push_back({"name", "'" + config.name + "' is not a folder name (no '/', '.' or '..')"});
    if (!validDevice(config.device))
        issues.push_back({"device", "unknown device '" + config.device + "' (auto, cpu, cuda or cuda:N)"});
    return issues;
}

ConfigResult resolveConfig(const std::optional<fs::path>& file, const std::vector<std::string>& flags,
                           const fs::path& workingDir)
{
    ConfigResult result;
    if (file) {
        const fs::path path = file->is_absolute() ? *file : workingDir / *file;
        result = loadConfigFile(path);
        if (!result.ok() && result.issues.front().key.empty())
            return result; // unreadable file or bad JSON: nothing more to check
    }
    applyFlags(result.config, flags, result.issues, workingDir);
    for (ConfigIssue& issue : validate(result.config))
        result.issues.push_back(std::move(issue));
    return result;
}

const TrainConfig& requireValid(const ConfigResult& result)
{
    CLIPWB_CHECK(result.ok(), "invalid training configuration:\n", result.errorText());
    return result.config;
}

} // namespace clipwb::config
