#pragma once
// The few Unicode operations upstream's Python tokenizer uses, on code points,
// with Python's semantics (str.lower(), str.isspace(), unicodedata.category,
// unicodedata.normalize("NFD")).
#include <cstdint>
#include <string>
#include <string_view>

namespace clipwb::text::unicode {

/// UTF-8 to code points; each invalid byte (and encoded surrogates) becomes U+FFFD.
std::u32string decodeUtf8(std::string_view bytes);
void appendUtf8(std::string& out, char32_t cp);
std::string encodeUtf8(std::u32string_view cps);

/// The Flag bits of UnicodeTables.h for a code point.
std::uint8_t flags(char32_t cp);
int combiningClass(char32_t cp);

/// Python's str.lower() (full case mapping with the final-sigma rule).
std::u32string pythonLower(std::u32string_view text);
/// Appends unicodedata.normalize("NFD", text) to out.
void appendNfd(std::u32string& out, std::u32string_view text);

} // namespace clipwb::text::unicode
