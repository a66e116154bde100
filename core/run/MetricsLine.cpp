#include "run/MetricsLine.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

namespace clipwb::run {
namespace {

enum class Fast { Ok, Invalid, Complex };

void skipSpace(std::string_view s, size_t& i)
{
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])))
        ++i;
}

// A string without escapes; Complex when it has any.
Fast readPlainString(std::string_view s, size_t& i, std::string_view& out)
{
    if (i >= s.size() || s[i] != '"')
        return Fast::Invalid;
    const size_t start = ++i;
    while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\')
            return Fast::Complex;
        ++i;
    }
    if (i >= s.size())
        return Fast::Invalid;
    out = s.substr(start, i - start);
    ++i;
    return Fast::Ok;
}

Fast parseFlat(std::string_view s, MetricsLine& out)
{
    size_t i = 0;
    skipSpace(s, i);
    if (i >= s.size() || s[i] != '{')
        return Fast::Invalid;
    ++i;
    skipSpace(s, i);
    if (i < s.size() && s[i] == '}') {
        ++i;
        skipSpace(s, i);
        return i == s.size() ? Fast::Ok : Fast::Invalid;
    }
    for (;;) {
        skipSpace(s, i);
        std::string_view key;
        if (const Fast r = readPlainString(s, i, key); r != Fast::Ok)
            return r;
        skipSpace(s, i);
        if (i >= s.size() || s[i] != ':')
            return Fast::Invalid;
        ++i;
        skipSpace(s, i);
        if (i >= s.size())
            return Fast::Invalid;
        const char c = s[i];
        if (c == '"') {
            std::string_view text;
            if (const Fast r = readPlainString(s, i, text); r != Fast::Ok)
                return r;
            if (key == "type")
                out.type = std::string(text);
        } else if (c == '{' || c == '[') {
            return Fast::Complex;
        } else if (s.substr(i, 4) == "true") {
            out.fields.emplace_back(key, 1.0);
            i += 4;
        } else if (s.substr(i, 5) == "false") {
            out.fields.emplace_back(key, 0.0);
            i += 5;
        } else if (s.substr(i, 4) == "null") {
            i += 4;
        } else if (s.substr(i, 3) == "NaN") { // Python's json writes NaN for nan
            out.fields.emplace_back(key, std::numeric_limits<double>::quiet_NaN());
            i += 3;
        } else {
            double value = 0;
            const auto result = std::from_chars(s.data() + i, s.data() + s.size(), value);
            if (result.ec != std::errc())
                return Fast::Invalid;
            i = static_cast<size_t>(result.ptr - s.data());
            out.fields.emplace_back(key, value);
        }
        skipSpace(s, i);
        if (i >= s.size())
            return Fast::Invalid;
        if (s[i] == ',') {
            ++i;
            continue;
        }
        if (s[i] != '}')
            return Fast::Invalid;
        ++i;
        skipSpace(s, i);
        return i == s.size() ? Fast::Ok : Fast::Invalid;
    }
}

void flatten(const nlohmann::json& value, const std::string& prefix, MetricsLine& out)
{
    if (value.is_object()) {
        for (auto it = value.begin(); it != value.end(); ++it)
            flatten(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
    } else if (value.is_array()) {
        for (size_t k = 0; k < value.size(); ++k)
            flatten(value[k], prefix + "." + std::to_string(k), out);
    } else if (value.is_number()) {
        out.keyStorage.push_back(prefix);
        out.fields.emplace_back(std::string_view(), value.get<double>());
    } else if (value.is_boolean()) {
        out.keyStorage.push_back(prefix);
        out.fields.emplace_back(std::string_view(), value.get<bool>() ? 1.0 : 0.0);
    } else if (value.is_string() && prefix == "type") {
        out.type = value.get<std::string>();
    }
}

} // namespace

bool parseMetricsLine(std::string_view line, MetricsLine& out)
{
    out.type.clear();
    out.keyStorage.clear();
    out.fields.clear();
    const Fast fast = parseFlat(line, out);
    if (fast == Fast::Ok)
        return true;
    out.type.clear();
    out.fields.clear();
    if (fast == Fast::Invalid)
        return false;
    const auto json = nlohmann::json::parse(line, nullptr, false);
    if (json.is_discarded() || !json.is_object())
        return false;
    flatten(json, "", out);
    // keyStorage grew while flattening: point the views at their final strings.
    for (size_t k = 0; k < out.fields.size(); ++k)
        out.fields[k].first = out.keyStorage[k];
    return true;
}

} // namespace clipwb::run
