#include "ArgParser.h"

#include "CliTranslation.h"

#include "common/Error.h"

#include <cstdlib>

namespace clipwb::cli {

ArgParser& ArgParser::option(const std::string& name, const std::string& help)
{
    m_options.insert(name);
    m_help[name] = help;
    return *this;
}

ArgParser& ArgParser::flag(const std::string& name, const std::string& help)
{
    m_flags.insert(name);
    m_help[name] = help;
    return *this;
}

ArgParser& ArgParser::allowUnknown()
{
    m_allowUnknown = true;
    return *this;
}

void ArgParser::parse(const std::vector<std::string>& args)
{
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--help" || arg == "-h")
            throw HelpRequested{usage()};
        if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
            m_positionals.push_back(arg);
            continue;
        }
        std::string name = arg.substr(2);
        std::optional<std::string> inlineValue;
        if (const auto eq = name.find('='); eq != std::string::npos) {
            inlineValue = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        if (m_flags.count(name)) {
            CLIPWB_CHECK(!inlineValue, substitute(translate("clipwb-cli", "--%1 takes no value"), {name}));
            m_seenFlags.insert(name);
        } else if (m_options.count(name)) {
            if (inlineValue) {
                m_values[name] = *inlineValue;
            } else {
                CLIPWB_CHECK(i + 1 < args.size(),
                             substitute(translate("clipwb-cli", "missing value for --%1"), {name}));
                m_values[name] = args[++i];
            }
        } else {
            CLIPWB_CHECK(m_allowUnknown, substitute(translate("clipwb-cli", "unknown option --%1"), {name}),
                         "\n", usage());
            m_unknown.push_back(arg);
        }
    }
}

bool ArgParser::has(const std::string& name) const
{
    return m_seenFlags.count(name) || m_values.count(name);
}

std::optional<std::string> ArgParser::value(const std::string& name) const
{
    const auto it = m_values.find(name);
    if (it == m_values.end())
        return std::nullopt;
    return it->second;
}

std::string ArgParser::valueOr(const std::string& name, const std::string& fallback) const
{
    return value(name).value_or(fallback);
}

std::string ArgParser::required(const std::string& name) const
{
    const auto v = value(name);
    CLIPWB_CHECK(v.has_value(), substitute(translate("clipwb-cli", "missing --%1"), {name}));
    return *v;
}

long long ArgParser::intValue(const std::string& name, long long fallback) const
{
    const auto v = value(name);
    if (!v)
        return fallback;
    char* end = nullptr;
    const long long result = std::strtoll(v->c_str(), &end, 10);
    CLIPWB_CHECK(!v->empty() && end && *end == '\0',
                 substitute(translate("clipwb-cli", "--%1 expects an integer, got '%2'"), {name, *v}));
    return result;
}

double ArgParser::doubleValue(const std::string& name, double fallback) const
{
    const auto v = value(name);
    if (!v)
        return fallback;
    char* end = nullptr;
    const double result = std::strtod(v->c_str(), &end);
    CLIPWB_CHECK(!v->empty() && end && *end == '\0',
                 substitute(translate("clipwb-cli", "--%1 expects a number, got '%2'"), {name, *v}));
    return result;
}

std::string ArgParser::usage() const
{
    std::string text = translate("clipwb-cli", "options:");
    for (const auto& name : m_options)
        text += "\n  --" + name + " VALUE  " + m_help.at(name);
    for (const auto& name : m_flags)
        text += "\n  --" + name + "  " + m_help.at(name);
    return text;
}

} // namespace clipwb::cli
