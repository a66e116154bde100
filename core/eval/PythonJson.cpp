#include "eval/PythonJson.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace clipwb::eval {

void appendPythonFloat(std::string& out, double value)
{
    if (std::isnan(value)) {
        out += "NaN";
        return;
    }
    if (std::isinf(value)) {
        out += value > 0 ? "Infinity" : "-Infinity";
        return;
    }
    // Shortest round-trip digits in scientific form ("-1.2345e-05"), then laid
    // out the way CPython's float_repr does.
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
    const std::string_view text(buffer, static_cast<std::size_t>(result.ptr - buffer));
    const std::size_t ePos = text.find('e');
    std::string_view mantissa = text.substr(0, ePos);
    const int exponent = std::atoi(std::string(text.substr(ePos + 1)).c_str());
    const bool negative = !mantissa.empty() && mantissa.front() == '-';
    if (negative)
        mantissa.remove_prefix(1);
    std::string digits;
    for (char c : mantissa)
        if (c != '.')
            digits += c;
    if (negative)
        out += '-';
    if (exponent < -4 || exponent >= 16) {
        out += digits[0];
        if (digits.size() > 1) {
            out += '.';
            out.append(digits, 1, std::string::npos);
        }
        out += 'e';
        out += exponent < 0 ? '-' : '+';
        const int magnitude = std::abs(exponent);
        if (magnitude < 10)
            out += '0';
        out += std::to_string(magnitude);
        return;
    }
    const int pointPosition = exponent + 1; // digits before the decimal point
    if (pointPosition <= 0) {
        out += "0.";
        out.append(static_cast<std::size_t>(-pointPosition), '0');
        out += digits;
    } else if (static_cast<std::size_t>(pointPosition) >= digits.size()) {
        out += digits;
        out.append(static_cast<std::size_t>(pointPosition) - digits.size(), '0');
        out += ".0";
    } else {
        out.append(digits, 0, static_cast<std::size_t>(pointPosition));
        out += '.';
        out.append(digits, static_cast<std::size_t>(pointPosition), std::string::npos);
    }
}

std::string pythonFloatRepr(double value)
{
    std::string out;
    appendPythonFloat(out, value);
    return out;
}

std::string pythonJsonString(std::string_view utf8)
{
    return nlohmann::json(std::string(utf8))
        .dump(-1, ' ', /*ensure_ascii=*/true, nlohmann::json::error_handler_t::replace);
}

} // namespace clipwb::eval
