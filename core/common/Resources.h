#pragma once
// Files from resources/ compiled into the binaries (see resources/Embed.cmake).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace clipwb::resources {

/// The bytes of an embedded file, e.g. "vocab.txt" or "model_configs/ViT-B-16.json".
std::optional<std::string_view> find(std::string_view name);

/// Names of the embedded files starting with prefix, e.g. "model_configs/".
std::vector<std::string> list(std::string_view prefix);

} // namespace clipwb::resources
