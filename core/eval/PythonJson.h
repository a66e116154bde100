#pragma once
// Byte-exact renderings of what Python's json.dumps writes (default
// separators ", " and ": ", ensure_ascii), so files we write compare equal to
// upstream's.
#include <string>
#include <string_view>

namespace clipwb::eval {

/// repr() of a Python float: shortest round-trip digits, ".0" on integral
/// values, exponent form below 1e-4 and from 1e16 ("1e-05", "1e+16").
/// Non-finite values as json.dumps writes them: NaN, Infinity, -Infinity.
std::string pythonFloatRepr(double value);

/// Appends pythonFloatRepr(value) to out (no temporary string).
void appendPythonFloat(std::string& out, double value);

/// A JSON string literal as json.dumps writes it (quotes, escapes, \uXXXX for non-ASCII).
std::string pythonJsonString(std::string_view utf8);

} // namespace clipwb::eval
