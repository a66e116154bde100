#include "data/Base64.h"

#include <array>

namespace clipwb::data {

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

struct DecodeTable {
    std::array<signed char, 256> v{};
    DecodeTable()
    {
        v.fill(-1);
        for (int i = 0; i < 64; ++i)
            v[static_cast<unsigned char>(kAlphabet[i])] = static_cast<signed char>(i);
        v['-'] = 62;
        v['_'] = 63;
    }
};

} // namespace

std::optional<std::string> decodeBase64(std::string_view text)
{
    static const DecodeTable table;
    std::string out(text.size() / 4 * 3 + 3, '\0');
    std::size_t written = 0;
    // Fast path (images are megabytes of base64): whole groups of four alphabet characters.
    std::size_t start = 0;
    const auto* in = reinterpret_cast<const unsigned char*>(text.data());
    while (start + 4 <= text.size()) {
        const int a = table.v[in[start]], b = table.v[in[start + 1]];
        const int c = table.v[in[start + 2]], d = table.v[in[start + 3]];
        if ((a | b | c | d) < 0)
            break;
        const std::uint32_t n = (std::uint32_t(a) << 18) | (std::uint32_t(b) << 12) | (std::uint32_t(c) << 6) |
                                std::uint32_t(d);
        out[written++] = static_cast<char>(n >> 16);
        out[written++] = static_cast<char>((n >> 8) & 0xff);
        out[written++] = static_cast<char>(n & 0xff);
        start += 4;
    }
    std::uint32_t acc = 0;
    int bits = 0;
    std::size_t symbols = start;
    bool padding = false;
    for (unsigned char c : text.substr(start)) {
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            continue;
        if (c == '=') {
            padding = true;
            continue;
        }
        const int d = table.v[c];
        if (d < 0 || padding)
            return std::nullopt;
        acc = (acc << 6) | static_cast<std::uint32_t>(d);
        bits += 6;
        ++symbols;
        if (bits >= 8) {
            bits -= 8;
            out[written++] = static_cast<char>((acc >> bits) & 0xff);
        }
    }
    if (symbols % 4 == 1)
        return std::nullopt;
    out.resize(written);
    return out;
}

std::string encodeBase64(std::string_view bytes)
{
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const std::uint32_t n = (std::uint32_t(static_cast<unsigned char>(bytes[i])) << 16) |
                                (std::uint32_t(static_cast<unsigned char>(bytes[i + 1])) << 8) |
                                static_cast<unsigned char>(bytes[i + 2]);
        out.push_back(kAlphabet[(n >> 18) & 63]);
        out.push_back(kAlphabet[(n >> 12) & 63]);
        out.push_back(kAlphabet[(n >> 6) & 63]);
        out.push_back(kAlphabet[n & 63]);
    }
    if (i < bytes.size()) {
        std::uint32_t n = std::uint32_t(static_cast<unsigned char>(bytes[i])) << 16;
        if (i + 1 < bytes.size())
            n |= std::uint32_t(static_cast<unsigned char>(bytes[i + 1])) << 8;
        out.push_back(kAlphabet[(n >> 18) & 63]);
        out.push_back(kAlphabet[(n >> 12) & 63]);
        out.push_back(i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=');
        out.push_back('=');
    }
    return out;
}

} // namespace clipwb::data
