#pragma once
// Base64 as upstream's images use it: upstream decodes with
// base64.urlsafe_b64decode, so both the standard (+/) and the URL-safe (-_)
// alphabets occur. Whitespace is skipped, missing padding tolerated.
#include <optional>
#include <string>
#include <string_view>

namespace clipwb::data {

/// Decoded bytes, or nullopt when text holds a character outside both alphabets
/// or an impossible length.
std::optional<std::string> decodeBase64(std::string_view text);
/// Standard alphabet with padding (what upstream's tools write).
std::string encodeBase64(std::string_view bytes);

} // namespace clipwb::data
