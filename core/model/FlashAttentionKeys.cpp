#include "model/FlashAttentionKeys.h"

#include <regex>

namespace clipwb::model {
namespace {

// Optional "module." prefix, then the layer path.
const std::regex
    kBertQkv(R"(^(.*bert\.encoder\.layer\.\d+\.attention\.self\.)(query|key|value)\.(weight|bias)$)");
const std::regex kBertDense(R"(^(.*bert\.encoder\.layer\.\d+\.attention\.)output\.dense\.(weight|bias)$)");
const std::regex kVitInProj(R"(^(.*\.attn\.)in_proj_(weight|bias)$)");
const std::regex kBertWqkv(R"(^(.*bert\.encoder\.layer\.\d+\.attention\.self\.)Wqkv\.(weight|bias)$)");
const std::regex kBertOutProj(R"(^(.*bert\.encoder\.layer\.\d+\.attention\.)self\.out_proj\.(weight|bias)$)");
const std::regex kVitWqkv(R"(^(.*\.attn\.)Wqkv\.(weight|bias)$)");

} // namespace

std::optional<std::string> flashAttentionName(const std::string& plainName)
{
    std::smatch m;
    if (std::regex_match(plainName, m, kBertQkv)) {
        if (m[2] != "query")
            return std::nullopt;
        return m[1].str() + "Wqkv." + m[3].str();
    }
    if (std::regex_match(plainName, m, kBertDense))
        return m[1].str() + "self.out_proj." + m[2].str();
    if (std::regex_match(plainName, m, kVitInProj))
        return m[1].str() + "Wqkv." + m[2].str();
    return plainName;
}

std::vector<std::string> plainAttentionNames(const std::string& flashName)
{
    std::smatch m;
    if (std::regex_match(flashName, m, kBertWqkv)) {
        const std::string base = m[1].str();
        const std::string kind = m[2].str();
        return {base + "query." + kind, base + "key." + kind, base + "value." + kind};
    }
    if (std::regex_match(flashName, m, kBertOutProj))
        return {m[1].str() + "output.dense." + m[2].str()};
    if (std::regex_match(flashName, m, kVitWqkv))
        return {m[1].str() + "in_proj_" + m[2].str()};
    return {flashName};
}

bool hasFlashAttentionNames(const std::vector<std::string>& names)
{
    for (const auto& name : names)
        if (plainAttentionNames(name).size() != 1 || plainAttentionNames(name)[0] != name)
            return true;
    return false;
}

} // namespace clipwb::model
