#pragma once
// Internal: the options of TrainConfig with the member each one reads and
// writes, so that JSON, flags, equality and the editor share one list.
#include "config/TrainConfig.h"

#include <variant>

namespace clipwb::config::detail {

using Field = std::variant<bool TrainConfig::*, int TrainConfig::*, int64_t TrainConfig::*,
                           double TrainConfig::*, std::string TrainConfig::*,
                           std::optional<int> TrainConfig::*, std::optional<int64_t> TrainConfig::*,
                           std::optional<double> TrainConfig::*, std::optional<std::string> TrainConfig::*>;

struct OptionSpec {
    OptionInfo info;
    Field field;
};

/// Every option, in display order.
const std::vector<OptionSpec>& optionSpecs();
/// The spec for key or one of its aliases (logsfan, distllation), or nullptr.
const OptionSpec* findSpec(const std::string& key);
/// Lower-case, '-' -> '_'.
std::string normaliseKey(const std::string& key);
/// Whether this option holds a file or folder path (resolved against a base folder).
bool isPathOption(const OptionInfo& info);
/// Resolves a path value against baseDir; model names that are shipped stay names.
std::string resolvePathValue(const OptionInfo& info, const std::string& value,
                             const std::filesystem::path& baseDir);

} // namespace clipwb::config::detail
