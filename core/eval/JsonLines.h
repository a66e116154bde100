#pragma once
// Reading upstream's jsonl files (annotations, predictions): one JSON object a
// line, blank lines skipped, every error naming the file and the line.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace clipwb::eval {

/// Calls visit(lineNumber, object) for every non-blank line (numbers from 1). Throws
/// clipwb::Error with `unreadable` when the file cannot be opened, and "path:line: ..." for
/// a line that is not JSON or not an object.
void forEachJsonLine(const std::filesystem::path& path, const std::string& unreadable,
                     const std::function<void(std::int64_t line, const nlohmann::json& object)>& visit);

} // namespace clipwb::eval
