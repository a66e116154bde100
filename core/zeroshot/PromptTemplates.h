#pragma once
// Upstream's zero-shot prompt templates (cn_clip/eval/cvinw_zeroshot_templates.py,
// dumped to resources/zeroshot/templates.json with `{}` for the class name) and
// the choice of a set by --dataset name, as zeroshot_evaluation.py chooses it.
#include <string>
#include <vector>

namespace clipwb::zeroshot {

struct PromptTemplates {
    std::string key;                    ///< the set's name in templates.json
    std::vector<std::string> templates; ///< duplicates kept: they weigh twice in the mean
};

/// The set upstream uses for a --dataset name: its own set for fgvc-aircraft-2013b-variants102,
/// food-101, oxford-flower-102, eurosat_clip, resisc45_clip (eurosat's templates) and
/// country211; "openai" for any other name.
PromptTemplates templatesForDataset(const std::string& dataset);

/// The names of the shipped sets.
std::vector<std::string> templateSetNames();

/// A template with every `{}` replaced by the class name.
std::string fillTemplate(const std::string& pattern, const std::string& className);

} // namespace clipwb::zeroshot
