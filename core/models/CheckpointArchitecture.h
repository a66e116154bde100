#pragma once
// Which vision and text configs a checkpoint needs, without asking the user:
// the run's config.json (next to the checkpoint or above its checkpoints/
// folder), else the model store's record of that file, else the shipped
// configs its tensor shapes match. No Qt here.
#include <filesystem>
#include <optional>
#include <string>

namespace clipwb::models {

struct CheckpointArchitecture {
    std::string visionModel;
    std::string textModel;
    std::string from; ///< "config.json", "model store", "tensor shapes"
};

/// Throws clipwb::Error naming the file when none of the three tells.
CheckpointArchitecture architectureOf(const std::filesystem::path& checkpoint);

} // namespace clipwb::models
