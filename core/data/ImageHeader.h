#pragma once
// Format and pixel size of an encoded image read from its header alone, so
// that statistics over a whole split need not decode every image.
#include <optional>
#include <string>
#include <string_view>

namespace clipwb::data {

struct ImageHeader {
    std::string format; ///< "JPEG", "PNG", "WebP", "BMP" or "GIF"
    int width = 0;
    int height = 0;
};

/// The header of an encoded image; std::nullopt when the format is unknown or the header is cut short.
std::optional<ImageHeader> readImageHeader(std::string_view bytes);

/// The format name from the magic bytes alone ("unknown" when none matches).
std::string imageFormatName(std::string_view bytes);

} // namespace clipwb::data
