// Values derived from a TrainConfig (the one place they are computed) and the
// embedded presets.
#include "config/TrainConfig.h"

#include "common/Error.h"
#include "common/Resources.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace clipwb::config {

namespace fs = std::filesystem;

namespace {

struct AdamDefaults {
    double lr, beta1, beta2, eps;
};

/// upstream get_default_params(vision_model); a JSON path counts by its file name.
AdamDefaults adamDefaults(const TrainConfig& config)
{
    const std::string name = fs::path(config.vision_model).stem().string();
    if (name == "RN50" || name == "RN101" || name == "RN50x4")
        return {5.0e-4, 0.9, 0.999, 1.0e-8};
    if (name == "ViT-L-14" || name == "ViT-L-14-336")
        return {4.0e-4, 0.9, 0.98, 1.0e-6};
    return {5.0e-4, 0.9, 0.98, 1.0e-6};
}

constexpr const char* kPresetPrefix = "presets/";

} // namespace

fs::path runFolder(const TrainConfig& config)
{
    return fs::path(config.logs) / config.name;
}

fs::path checkpointFolder(const TrainConfig& config)
{
    return runFolder(config) / "checkpoints";
}

double effectiveLr(const TrainConfig& config)
{
    return config.lr.value_or(adamDefaults(config).lr);
}

double effectiveBeta1(const TrainConfig& config)
{
    return config.beta1.value_or(adamDefaults(config).beta1);
}

double effectiveBeta2(const TrainConfig& config)
{
    return config.beta2.value_or(adamDefaults(config).beta2);
}

double effectiveEps(const TrainConfig& config)
{
    return config.eps.value_or(adamDefaults(config).eps);
}

int64_t batchesPerEpoch(int64_t numSamples, int64_t batchSize, int64_t worldSize)
{
    CLIPWB_CHECK(batchSize > 0 && worldSize > 0,
                 "batchesPerEpoch: batch size and world size must be positive");
    const int64_t globalBatch = batchSize * worldSize;
    return (numSamples + globalBatch - 1) / globalBatch;
}

int64_t effectiveMaxEpochs(const TrainConfig& config, int64_t batches)
{
    CLIPWB_CHECK(batches > 0, "the training split has no batches");
    if (config.max_steps)
        return (*config.max_steps * config.accum_freq + batches - 1) / batches;
    CLIPWB_CHECK(config.max_epochs && *config.max_epochs > 0,
                 "max_epochs: neither max_steps nor max_epochs is set");
    return *config.max_epochs;
}

int64_t effectiveMaxSteps(const TrainConfig& config, int64_t batches)
{
    if (config.max_steps)
        return *config.max_steps;
    CLIPWB_CHECK(config.max_epochs && *config.max_epochs > 0,
                 "max_epochs: neither max_steps nor max_epochs is set");
    return batches / std::max(1, config.accum_freq) * *config.max_epochs;
}

std::vector<std::string> presetNames()
{
    std::vector<std::string> names;
    for (const std::string& file : resources::list(kPresetPrefix))
        if (file.size() > 5 && file.compare(file.size() - 5, 5, ".json") == 0)
            names.push_back(file.substr(std::string(kPresetPrefix).size(),
                                        file.size() - 5 - std::string(kPresetPrefix).size()));
    return names;
}

ConfigResult loadPreset(const std::string& name, const fs::path& baseDir)
{
    const auto bytes = resources::find(kPresetPrefix + name + ".json");
    CLIPWB_CHECK(bytes.has_value(), "unknown preset '", name, "'");
    return fromJson(nlohmann::json::parse(bytes->begin(), bytes->end()), baseDir);
}

std::string presetDescription(const std::string& name)
{
    const auto bytes = resources::find(kPresetPrefix + name + ".json");
    if (!bytes)
        return {};
    const nlohmann::json object = nlohmann::json::parse(bytes->begin(), bytes->end(), nullptr, false);
    return object.is_object() && object.contains("_description") && object["_description"].is_string()
               ? object["_description"].get<std::string>()
               : std::string();
}

} // namespace clipwb::config
