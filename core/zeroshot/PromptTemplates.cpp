#include "zeroshot/PromptTemplates.h"

#include "common/Error.h"
#include "common/Resources.h"

#include <nlohmann/json.hpp>

namespace clipwb::zeroshot {
namespace {

const nlohmann::json& shippedTemplates()
{
    static const nlohmann::json kTemplates = [] {
        const auto bytes = resources::find("zeroshot/templates.json");
        CLIPWB_CHECK(bytes.has_value(), "the shipped zero-shot templates are missing from this build");
        return nlohmann::json::parse(bytes->begin(), bytes->end());
    }();
    return kTemplates;
}

} // namespace

PromptTemplates templatesForDataset(const std::string& dataset)
{
    const nlohmann::json& all = shippedTemplates();
    PromptTemplates out;
    out.key = all.contains(dataset) ? dataset : "openai";
    for (const auto& pattern : all.at(out.key))
        out.templates.push_back(pattern.get<std::string>());
    return out;
}

std::vector<std::string> templateSetNames()
{
    std::vector<std::string> names;
    for (const auto& item : shippedTemplates().items())
        names.push_back(item.key());
    return names;
}

std::string fillTemplate(const std::string& pattern, const std::string& className)
{
    std::string out;
    std::size_t start = 0;
    for (std::size_t at = pattern.find("{}"); at != std::string::npos; at = pattern.find("{}", start)) {
        out.append(pattern, start, at - start);
        out += className;
        start = at + 2;
    }
    out.append(pattern, start, std::string::npos);
    return out;
}

} // namespace clipwb::zeroshot
