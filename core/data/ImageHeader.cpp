#include "data/ImageHeader.h"

#include <cstdint>
#include <limits>

namespace clipwb::data {

namespace {

uint32_t be16(std::string_view b, size_t at)
{
    return (uint32_t(uint8_t(b[at])) << 8) | uint8_t(b[at + 1]);
}
uint32_t be32(std::string_view b, size_t at)
{
    return (be16(b, at) << 16) | be16(b, at + 2);
}
uint32_t le16(std::string_view b, size_t at)
{
    return uint8_t(b[at]) | (uint32_t(uint8_t(b[at + 1])) << 8);
}
uint32_t le24(std::string_view b, size_t at)
{
    return le16(b, at) | (uint32_t(uint8_t(b[at + 2])) << 16);
}
int32_t le32s(std::string_view b, size_t at)
{
    return int32_t(le16(b, at) | (le16(b, at + 2) << 16));
}

bool startsWith(std::string_view bytes, std::string_view prefix)
{
    return bytes.substr(0, prefix.size()) == prefix;
}

std::optional<ImageHeader> readJpeg(std::string_view b)
{
    size_t at = 2;
    while (at + 4 <= b.size()) {
        if (uint8_t(b[at]) != 0xFF)
            return std::nullopt;
        const uint8_t marker = uint8_t(b[at + 1]);
        if (marker == 0xFF) { // fill byte
            ++at;
            continue;
        }
        if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
            at += 2;
            continue;
        }
        const uint32_t length = be16(b, at + 2);
        // Start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) do not.
        const bool startOfFrame =
            marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        if (startOfFrame) {
            if (at + 9 > b.size())
                return std::nullopt;
            return ImageHeader{"JPEG", int(be16(b, at + 7)), int(be16(b, at + 5))};
        }
        if (length < 2)
            return std::nullopt;
        at += 2 + length;
    }
    return std::nullopt;
}

std::optional<ImageHeader> readWebp(std::string_view b)
{
    if (b.size() < 30)
        return std::nullopt;
    const std::string_view chunk = b.substr(12, 4);
    if (chunk == "VP8 ") // lossy: frame tag, start code, then 14-bit sizes
        return ImageHeader{"WebP", int(le16(b, 26) & 0x3FFF), int(le16(b, 28) & 0x3FFF)};
    if (chunk == "VP8L") {
        const uint32_t bits = uint32_t(le16(b, 21)) | (uint32_t(le16(b, 23)) << 16);
        return ImageHeader{"WebP", int((bits & 0x3FFF) + 1), int(((bits >> 14) & 0x3FFF) + 1)};
    }
    if (chunk == "VP8X")
        return ImageHeader{"WebP", int(le24(b, 24) + 1), int(le24(b, 27) + 1)};
    return std::nullopt;
}

} // namespace

std::string imageFormatName(std::string_view b)
{
    if (startsWith(b, "\xFF\xD8"))
        return "JPEG";
    if (startsWith(b, "\x89PNG\r\n\x1A\n"))
        return "PNG";
    if (b.size() >= 12 && startsWith(b, "RIFF") && b.substr(8, 4) == "WEBP")
        return "WebP";
    if (startsWith(b, "BM"))
        return "BMP";
    if (startsWith(b, "GIF8"))
        return "GIF";
    return "unknown";
}

std::optional<ImageHeader> readImageHeader(std::string_view b)
{
    const std::string format = imageFormatName(b);
    if (format == "JPEG")
        return readJpeg(b);
    if (format == "PNG") {
        if (b.size() < 24 || b.substr(12, 4) != "IHDR")
            return std::nullopt;
        // The PNG specification caps both at 2^31 - 1.
        if (be32(b, 16) > 0x7fffffffu || be32(b, 20) > 0x7fffffffu)
            return std::nullopt;
        return ImageHeader{format, int(be32(b, 16)), int(be32(b, 20))};
    }
    if (format == "WebP")
        return readWebp(b);
    if (format == "BMP") {
        if (b.size() < 26)
            return std::nullopt;
        const int32_t width = le32s(b, 18);
        const int32_t height = le32s(b, 22); // negative for top-down bitmaps
        if (width < 0 || height == std::numeric_limits<int32_t>::min())
            return std::nullopt;
        return ImageHeader{format, width, height < 0 ? -height : height};
    }
    if (format == "GIF") {
        if (b.size() < 10)
            return std::nullopt;
        return ImageHeader{format, int(le16(b, 6)), int(le16(b, 8))};
    }
    return std::nullopt;
}

} // namespace clipwb::data
