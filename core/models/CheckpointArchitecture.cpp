#include "models/CheckpointArchitecture.h"

#include "common/AtomicFile.h"
#include "common/Error.h"
#include "model/CheckpointInfo.h"
#include "models/ModelStore.h"

#include <nlohmann/json.hpp>

namespace clipwb::models {
namespace fs = std::filesystem;

CheckpointArchitecture architectureOf(const fs::path& checkpoint)
{
    std::error_code error;
    for (const fs::path& folder : {checkpoint.parent_path(), checkpoint.parent_path().parent_path()}) {
        const fs::path config = folder / "config.json";
        if (!fs::is_regular_file(config, error))
            continue;
        try {
            const nlohmann::json json = nlohmann::json::parse(readFile(config));
            if (json.is_object() && json.contains("vision_model") && json["vision_model"].is_string() &&
                json.contains("text_model") && json["text_model"].is_string()) {
                // a relative JSON path in a run config resolves against the config's folder
                const auto resolve = [&](const std::string& value) {
                    const fs::path path(value);
                    return path.extension() == ".json" && path.is_relative() ? (folder / path).string()
                                                                             : value;
                };
                return {resolve(json["vision_model"]), resolve(json["text_model"]), "config.json"};
            }
        } catch (const std::exception&) {
            // not a run config: try the other sources
        }
        break;
    }
    try {
        const ModelStore store;
        for (const auto& record : store.records())
            if (fs::equivalent(store.folder() / record.file, checkpoint, error) &&
                !record.visionModel.empty())
                return {record.visionModel, record.textModel, "model store"};
    } catch (const std::exception&) {
        // an unreadable manifest does not stop us
    }
    model::CheckpointSummary summary;
    try {
        summary = model::readCheckpointSummary(checkpoint);
    } catch (const std::exception& e) {
        throw Error(checkpoint.string() + ": not a readable checkpoint: " + e.what());
    }
    CLIPWB_CHECK(
        !summary.guessedVisionModel.empty() && !summary.guessedTextModel.empty(), checkpoint.string(),
        ": cannot tell its architecture (no run config.json beside it and its shapes fit no shipped config)");
    return {summary.guessedVisionModel, summary.guessedTextModel, "tensor shapes"};
}

} // namespace clipwb::models
