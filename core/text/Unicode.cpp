#include "text/Unicode.h"

#include "text/UnicodeTables.h"

#include <algorithm>
#include <array>

namespace clipwb::text::unicode {

std::u32string decodeUtf8(std::string_view s)
{
    std::u32string out;
    out.reserve(s.size());
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    std::size_t i = 0;
    while (i < n) {
        const unsigned char c = p[i];
        if (c < 0x80) {
            out.push_back(c);
            ++i;
            continue;
        }
        int len = 0;
        char32_t cp = 0, min = 0;
        if ((c & 0xe0) == 0xc0) {
            len = 2, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4, cp = c & 0x07, min = 0x10000;
        }
        bool ok = len > 0 && i + static_cast<std::size_t>(len) <= n;
        for (int k = 1; ok && k < len; ++k) {
            if ((p[i + k] & 0xc0) != 0x80)
                ok = false;
            else
                cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        if (ok && (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)))
            ok = false;
        if (!ok) {
            out.push_back(0xfffd);
            ++i;
            continue;
        }
        out.push_back(cp);
        i += static_cast<std::size_t>(len);
    }
    return out;
}

void appendUtf8(std::string& out, char32_t cp)
{
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
        out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
}

std::string encodeUtf8(std::u32string_view cps)
{
    std::string out;
    out.reserve(cps.size());
    for (char32_t cp : cps)
        appendUtf8(out, cp);
    return out;
}

namespace {

std::uint8_t lookupRange(const FlagRange* ranges, std::size_t count, char32_t cp)
{
    const FlagRange* end = ranges + count;
    const FlagRange* it = std::upper_bound(ranges, end, static_cast<std::uint32_t>(cp),
                                           [](std::uint32_t v, const FlagRange& r) { return v < r.first; });
    if (it == ranges)
        return 0;
    --it;
    return cp <= it->last ? it->value : 0;
}

const MappingEntry* lookupMapping(const MappingEntry* entries, std::size_t count, char32_t cp)
{
    const MappingEntry* end = entries + count;
    const MappingEntry* it = std::lower_bound(
        entries, end, static_cast<std::uint32_t>(cp),
        [](const MappingEntry& e, std::uint32_t v) { return e.codePoint < v; });
    return it != end && it->codePoint == cp ? it : nullptr;
}

struct AsciiFlags {
    std::array<std::uint8_t, 128> values{};
    AsciiFlags()
    {
        const Tables& t = tables();
        for (char32_t c = 0; c < 128; ++c)
            values[c] = lookupRange(t.flags, t.flagCount, c);
    }
};

} // namespace

std::uint8_t flags(char32_t cp)
{
    static const AsciiFlags ascii;
    if (cp < 128)
        return ascii.values[cp];
    if (cp >= 0x4e00 && cp <= 0x9fff) // CJK unified ideographs: Lo, no flags
        return 0;
    const Tables& t = tables();
    return lookupRange(t.flags, t.flagCount, cp);
}

int combiningClass(char32_t cp)
{
    if (cp < 0x300)
        return 0;
    const Tables& t = tables();
    return lookupRange(t.combining, t.combiningCount, cp);
}

std::u32string pythonLower(std::u32string_view text)
{
    const Tables& t = tables();
    std::u32string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char32_t c = text[i];
        if (c < 128) {
            out.push_back(c >= 'A' && c <= 'Z' ? c + 32 : c);
            continue;
        }
        if (c == 0x3a3) {
            // CPython's handle_capital_sigma: final form after a cased letter
            // (skipping case-ignorables) unless a cased letter follows.
            std::size_t j = i;
            bool cased = false;
            while (j-- > 0) {
                const auto f = flags(text[j]);
                if (!(f & CaseIgnorable)) {
                    cased = f & Cased;
                    break;
                }
            }
            bool finalSigma = cased;
            if (finalSigma) {
                std::size_t k = i + 1;
                while (k < text.size() && (flags(text[k]) & CaseIgnorable))
                    ++k;
                finalSigma = k == text.size() || !(flags(text[k]) & Cased);
            }
            out.push_back(finalSigma ? 0x3c2 : 0x3c3);
            continue;
        }
        if (const MappingEntry* m = lookupMapping(t.lower, t.lowerCount, c))
            out.append(reinterpret_cast<const char32_t*>(t.lowerPool + m->offset), m->length);
        else
            out.push_back(c);
    }
    return out;
}

void appendNfd(std::u32string& out, std::u32string_view text)
{
    static_assert(sizeof(char32_t) == sizeof(std::uint32_t));
    const Tables& t = tables();
    const std::size_t start = out.size();
    bool needsOrdering = false;
    for (char32_t c : text) {
        if (c < 0xc0) {
            out.push_back(c);
            continue;
        }
        if (c >= 0xac00 && c <= 0xd7a3) {
            // Hangul syllable: algorithmic decomposition into conjoining jamo.
            const char32_t s = c - 0xac00;
            out.push_back(0x1100 + s / 588);
            out.push_back(0x1161 + (s % 588) / 28);
            if (s % 28)
                out.push_back(0x11a7 + s % 28);
            continue;
        }
        if (const MappingEntry* m = lookupMapping(t.nfd, t.nfdCount, c))
            out.append(reinterpret_cast<const char32_t*>(t.nfdPool + m->offset), m->length);
        else
            out.push_back(c);
        needsOrdering = true;
    }
    if (!needsOrdering)
        return;
    // Canonical ordering: stable sort of each run of non-starters by combining class.
    std::size_t i = start;
    while (i < out.size()) {
        if (combiningClass(out[i]) == 0) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < out.size() && combiningClass(out[j]) != 0)
            ++j;
        if (j - i > 1)
            std::stable_sort(out.begin() + static_cast<std::ptrdiff_t>(i),
                             out.begin() + static_cast<std::ptrdiff_t>(j),
                             [](char32_t a, char32_t b) { return combiningClass(a) < combiningClass(b); });
        i = j;
    }
}

} // namespace clipwb::text::unicode
