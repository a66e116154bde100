#pragma once
// Minimal argument parser for clipwb-cli subcommands: "--name value",
// "--name=value", store-true switches and positionals. Unknown flags are an
// error naming the flag, so typos never pass silently.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace clipwb::cli {

/// Thrown by ArgParser::parse on --help or -h: the caller prints the usage and exits 0.
struct HelpRequested {
    std::string options; ///< the declared flags with their help, as ArgParser::usage()
};

class ArgParser {
public:
    /// Declares a flag that takes a value ("--top-k 10").
    ArgParser& option(const std::string& name, const std::string& help = {});
    /// Declares a store-true switch ("--raw").
    ArgParser& flag(const std::string& name, const std::string& help = {});
    /// Accept any flag (commands that forward upstream flags to the config).
    ArgParser& allowUnknown();

    /// Parses args; throws clipwb::Error naming the bad flag, HelpRequested on --help or -h.
    void parse(const std::vector<std::string>& args);

    bool has(const std::string& name) const;
    std::optional<std::string> value(const std::string& name) const;
    std::string valueOr(const std::string& name, const std::string& fallback) const;
    /// The value, which must be present: throws "missing --name".
    std::string required(const std::string& name) const;
    long long intValue(const std::string& name, long long fallback) const;
    double doubleValue(const std::string& name, double fallback) const;

    const std::vector<std::string>& positionals() const { return m_positionals; }
    /// Flags not declared (only with allowUnknown), in their original order.
    const std::vector<std::string>& unknown() const { return m_unknown; }
    std::string usage() const;

private:
    std::map<std::string, std::string> m_help;
    std::set<std::string> m_options;
    std::set<std::string> m_flags;
    bool m_allowUnknown = false;
    std::map<std::string, std::string> m_values;
    std::set<std::string> m_seenFlags;
    std::vector<std::string> m_positionals;
    std::vector<std::string> m_unknown;
};

} // namespace clipwb::cli
