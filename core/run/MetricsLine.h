#pragma once
// One line of metrics.jsonl decoded into its record type and numeric fields.
// Flat objects (what the trainer writes) take a fast path; nested objects are
// flattened with dotted keys ("t2i.r1"). Booleans count as 0/1; strings other
// than "type" and nulls are left out.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace clipwb::run {

struct MetricsLine {
    std::string type; ///< "train", "val", "eval", ... ("" when the line has none)
    std::vector<std::string> keyStorage;
    std::vector<std::pair<std::string_view, double>> fields;
};

/// Decodes line into out (views point into line or out.keyStorage); false when
/// the line is not a JSON object.
bool parseMetricsLine(std::string_view line, MetricsLine& out);

} // namespace clipwb::run
