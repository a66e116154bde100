#include "config/TrainConfig.h"

#include "common/AtomicFile.h"
#include "common/Error.h"
#include "config/OptionTable.h"
#include "config/RunScriptFlags.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace clipwb::config {

using detail::Field;
using detail::OptionSpec;
using nlohmann::json;

bool TrainConfig::operator==(const TrainConfig& other) const
{
    for (const OptionSpec& s : detail::optionSpecs()) {
        const bool same = std::visit([&](auto member) { return this->*member == other.*member; }, s.field);
        if (!same)
            return false;
    }
    return true;
}

std::string ConfigIssue::text() const
{
    return key.empty() ? message : key + ": " + message;
}

std::string ConfigResult::errorText() const
{
    std::string out;
    for (const ConfigIssue& issue : issues) {
        if (!out.empty())
            out += '\n';
        out += issue.text();
    }
    return out;
}

namespace {

std::string describe(const json& value)
{
    std::string dumped = value.dump();
    if (dumped.size() > 40)
        dumped = dumped.substr(0, 37) + "...";
    return dumped;
}

template <typename T> bool toInteger(const json& value, T& out)
{
    long double number;
    if (value.is_number_integer() || value.is_number_unsigned())
        number = value.is_number_unsigned() ? static_cast<long double>(value.get<uint64_t>())
                                            : static_cast<long double>(value.get<int64_t>());
    else if (value.is_number_float() && std::isfinite(value.get<double>()) &&
             std::floor(value.get<double>()) == value.get<double>())
        number = value.get<double>(); // 1e3 and 48.0 are whole numbers
    else
        return false;
    if (number < static_cast<long double>(std::numeric_limits<T>::min()) ||
        number > static_cast<long double>(std::numeric_limits<T>::max()))
        return false;
    out = static_cast<T>(number);
    return true;
}

const char* expected(OptionType type)
{
    switch (type) {
    case OptionType::Bool:
        return "true or false";
    case OptionType::Int:
        return "a whole number";
    case OptionType::Double:
        return "a number";
    default:
        return "a string";
    }
}

/// Sets one member from a JSON value; false (and nothing changed) when the type is wrong.
bool assign(TrainConfig& config, const OptionSpec& s, const json& value, const std::filesystem::path& baseDir)
{
    struct Visitor {
        TrainConfig& config;
        const OptionSpec& s;
        const json& value;
        const std::filesystem::path& baseDir;
        bool operator()(bool TrainConfig::*m) const
        {
            if (!value.is_boolean())
                return false;
            config.*m = value.get<bool>();
            return true;
        }
        bool operator()(int TrainConfig::*m) const { return toInteger(value, config.*m); }
        bool operator()(int64_t TrainConfig::*m) const { return toInteger(value, config.*m); }
        bool operator()(double TrainConfig::*m) const
        {
            if (!value.is_number())
                return false;
            config.*m = value.get<double>();
            return true;
        }
        bool operator()(std::string TrainConfig::*m) const
        {
            if (!value.is_string())
                return false;
            config.*m = detail::isPathOption(s.info)
                            ? detail::resolvePathValue(s.info, value.get<std::string>(), baseDir)
                            : value.get<std::string>();
            return true;
        }
        bool operator()(std::optional<int> TrainConfig::*m) const
        {
            int v;
            if (!toInteger(value, v))
                return false;
            config.*m = v;
            return true;
        }
        bool operator()(std::optional<int64_t> TrainConfig::*m) const
        {
            int64_t v;
            if (!toInteger(value, v))
                return false;
            config.*m = v;
            return true;
        }
        bool operator()(std::optional<double> TrainConfig::*m) const
        {
            if (!value.is_number())
                return false;
            config.*m = value.get<double>();
            return true;
        }
        bool operator()(std::optional<std::string> TrainConfig::*m) const
        {
            if (!value.is_string())
                return false;
            const std::string text = value.get<std::string>();
            config.*m = detail::isPathOption(s.info) ? detail::resolvePathValue(s.info, text, baseDir) : text;
            return true;
        }
    };
    return std::visit(Visitor{config, s, value, baseDir}, s.field);
}

void unset(TrainConfig& config, const OptionSpec& s)
{
    std::visit(
        [&](auto member) {
            using Value = std::decay_t<decltype(config.*member)>;
            if constexpr (!std::is_same_v<Value, bool> && !std::is_same_v<Value, int> &&
                          !std::is_same_v<Value, int64_t> && !std::is_same_v<Value, double> &&
                          !std::is_same_v<Value, std::string>)
                config.*member = std::nullopt;
        },
        s.field);
}

json valueToJson(const TrainConfig& config, const OptionSpec& s)
{
    return std::visit(
        [&](auto member) -> json {
            const auto& value = config.*member;
            using Value = std::decay_t<decltype(value)>;
            if constexpr (std::is_same_v<Value, bool> || std::is_same_v<Value, int> ||
                          std::is_same_v<Value, int64_t> || std::is_same_v<Value, double> ||
                          std::is_same_v<Value, std::string>)
                return json(value);
            else
                return value ? json(*value) : json(nullptr);
        },
        s.field);
}

/// A value formatted for a flag: whole doubles keep a decimal point only when needed.
std::string flagValue(const json& value)
{
    if (value.is_string())
        return value.get<std::string>();
    if (value.is_number_float()) {
        std::ostringstream out;
        out.precision(12);
        out << value.get<double>();
        return out.str();
    }
    return value.dump();
}

std::string shellQuote(const std::string& word)
{
    const bool plain =
        !word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                "0123456789-_=./:,+@%") == std::string::npos;
    if (plain)
        return word;
    std::string out = "'";
    for (char c : word)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

/// "at line 3, column 5: unexpected '}'; expected string literal" from the parser's
/// "[json.exception.parse_error.101] parse error at line 3, column 5: syntax error while
/// parsing object key - unexpected '}'; expected string literal".
std::string jsonErrorPlace(const std::string& text, const json::parse_error& error)
{
    std::size_t line = 1, column = 1;
    const std::size_t end = std::min<std::size_t>(error.byte > 0 ? error.byte - 1 : 0, text.size());
    for (std::size_t i = 0; i < end; ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) { // count characters, not UTF-8 bytes
            ++column;
        }
    }
    std::string reason = error.what();
    const std::size_t dash = reason.find(" - ");
    if (dash != std::string::npos) {
        reason = reason.substr(dash + 3);
    } else {
        const std::size_t colon = reason.find(": ");
        reason = colon == std::string::npos ? reason : reason.substr(colon + 2);
    }
    if (reason.rfind("unexpected end of input", 0) == 0)
        reason = "the file ends too early (a bracket or quote is not closed)";
    return "at line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + reason;
}

} // namespace

std::string flagFor(const std::string& key)
{
    if (key == "distillation")
        return "--distllation";
    if (key == "kd_loss_weight")
        return "--kd_loss_weight";
    std::string out = "--";
    for (char c : key)
        out += c == '_' ? '-' : c;
    return out;
}

json toJson(const TrainConfig& config)
{
    json object = json::object();
    for (const OptionSpec& s : detail::optionSpecs())
        object[s.info.key] = valueToJson(config, s);
    return object;
}

std::string toJsonText(const TrainConfig& config, int indent)
{
    nlohmann::ordered_json object = nlohmann::ordered_json::object();
    const json values = toJson(config);
    for (const OptionSpec& s : detail::optionSpecs())
        object[s.info.key] = values[s.info.key];
    return object.dump(indent);
}

ConfigResult fromJson(const json& object, const std::filesystem::path& baseDir)
{
    ConfigResult result;
    if (!object.is_object()) {
        result.issues.push_back({"", "expected a JSON object of options, got " + describe(object)});
        return result;
    }
    for (const auto& [key, value] : object.items()) {
        // "_description", "_comment": notes for people, as in the presets.
        if (!key.empty() && key[0] == '_')
            continue;
        const OptionSpec* s = detail::findSpec(key);
        if (!s || (detail::normaliseKey(key) != key && key != "logsfan")) {
            if (s) {
                result.issues.push_back({key, "unknown key; did you mean " + s->info.key + "?"});
                continue;
            }
            const std::string suggestion = suggestKey(key);
            result.issues.push_back(
                {key, suggestion.empty() ? "unknown key" : "unknown key; did you mean " + suggestion + "?"});
            continue;
        }
        if (value.is_null()) {
            if (s->info.nullable)
                unset(result.config, *s);
            else
                result.issues.push_back(
                    {key, "must not be null: expected " + std::string(expected(s->info.type))});
            continue;
        }
        if (!assign(result.config, *s, value, baseDir))
            result.issues.push_back({key, std::string("wrong type: expected ") + expected(s->info.type) +
                                              ", got " + describe(value)});
    }
    return result;
}

ConfigResult loadConfigFile(const std::filesystem::path& file)
{
    ConfigResult result;
    std::string text;
    try {
        text = readFile(file);
    } catch (const std::exception& e) {
        result.issues.push_back({"", e.what()});
        return result;
    }
    json object;
    try {
        object = json::parse(text);
    } catch (const json::parse_error& e) {
        result.issues.push_back({"", file.string() + ": not valid JSON " + jsonErrorPlace(text, e)});
        return result;
    }
    const std::filesystem::path baseDir = std::filesystem::absolute(file).parent_path();
    return fromJson(object, baseDir);
}

void saveConfigFile(const TrainConfig& config, const std::filesystem::path& file)
{
    const std::filesystem::path folder = std::filesystem::absolute(file).parent_path().lexically_normal();
    nlohmann::ordered_json object = nlohmann::ordered_json::parse(toJsonText(config));
    for (const OptionSpec& s : detail::optionSpecs()) {
        if (!detail::isPathOption(s.info) || !object[s.info.key].is_string())
            continue;
        const std::filesystem::path path(object[s.info.key].get<std::string>());
        if (!path.is_absolute())
            continue;
        const std::filesystem::path relative = path.lexically_normal().lexically_relative(folder);
        if (!relative.empty() && *relative.begin() != "..")
            object[s.info.key] = relative.string();
    }
    writeFileAtomic(file, object.dump(2) + "\n");
}

void applyFlags(TrainConfig& config, const std::vector<std::string>& args, std::vector<ConfigIssue>& issues,
                const std::filesystem::path& baseDir)
{
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg.rfind("--", 0) != 0 || arg.size() == 2) {
            issues.push_back({arg, "unexpected argument (options look like --batch-size 48)"});
            continue;
        }
        const size_t equals = arg.find('=');
        const std::string flag = arg.substr(0, equals);
        std::optional<std::string> inlineValue;
        if (equals != std::string::npos)
            inlineValue = arg.substr(equals + 1);
        const std::string key = detail::normaliseKey(flag.substr(2));

        // Upstream's launcher arguments: accepted so that a run script's line works, but meaningless here.
        if (key == "local_rank" || key == "debug") {
            if (key == "local_rank" && !inlineValue && i + 1 < args.size())
                ++i;
            continue;
        }
        const OptionSpec* s = detail::findSpec(key);
        if (!s) {
            const std::string suggestion = suggestKey(key);
            issues.push_back({flag, suggestion.empty()
                                        ? "unknown option"
                                        : "unknown option; did you mean " + flagFor(suggestion) + "?"});
            if (!inlineValue && i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0)
                ++i; // skip its value so it is not reported a second time
            continue;
        }
        if (s->info.type == OptionType::Bool) {
            bool value = true;
            if (inlineValue) {
                const std::string v = detail::normaliseKey(*inlineValue);
                if (v == "true" || v == "1" || v == "yes")
                    value = true;
                else if (v == "false" || v == "0" || v == "no")
                    value = false;
                else {
                    issues.push_back({flag, "expected true or false, got '" + *inlineValue + "'"});
                    continue;
                }
            }
            assign(config, *s, json(value), baseDir);
            continue;
        }
        std::string text;
        if (inlineValue) {
            text = *inlineValue;
        } else if (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) {
            text = args[++i];
        } else {
            issues.push_back({flag, "needs a value"});
            continue;
        }
        if (s->info.nullable && (text.empty() || text == "None" || text == "none" || text == "null")) {
            unset(config, *s);
            continue;
        }
        json value;
        if (s->info.type == OptionType::Int || s->info.type == OptionType::Double) {
            try {
                size_t used = 0;
                const double number = std::stod(text, &used);
                if (used != text.size())
                    throw std::invalid_argument(text);
                value = number;
            } catch (const std::exception&) {
                issues.push_back(
                    {flag, std::string("expected ") + expected(s->info.type) + ", got '" + text + "'"});
                continue;
            }
        } else {
            value = text;
        }
        if (!assign(config, *s, value, baseDir))
            issues.push_back(
                {flag, std::string("expected ") + expected(s->info.type) + ", got '" + text + "'"});
    }
}

std::vector<std::string> toFlags(const TrainConfig& config)
{
    const TrainConfig defaults;
    std::vector<std::string> flags;
    for (const OptionSpec& s : detail::optionSpecs()) {
        const json value = valueToJson(config, s);
        if (s.info.key != "train_data" && value == valueToJson(defaults, s))
            continue;
        const std::string name = flagFor(s.info.key);
        if (s.info.type == OptionType::Bool)
            flags.push_back(value.get<bool>() ? name : name + "=false");
        else if (value.is_null())
            flags.push_back(name + "=None");
        else
            flags.push_back(name + "=" + flagValue(value));
    }
    return flags;
}

std::string toCommandLine(const TrainConfig& config, const std::string& program)
{
    std::string line = program;
    for (const std::string& flag : toFlags(config)) {
        const size_t equals = flag.find('=');
        line += " \\\n    ";
        line += equals == std::string::npos
                    ? flag
                    : flag.substr(0, equals + 1) + shellQuote(flag.substr(equals + 1));
    }
    return line;
}

} // namespace clipwb::config
