#include "zeroshot/LabelFile.h"

#include "common/AtomicFile.h"
#include "common/Error.h"
#include "text/Unicode.h"
#include "text/UnicodeTables.h"

namespace clipwb::zeroshot {
namespace {

bool isPythonSpace(char32_t cp)
{
    return (text::unicode::flags(cp) & text::unicode::PythonSpace) != 0;
}

/// The byte offset where the first invalid UTF-8 sequence starts, or npos.
std::size_t invalidUtf8At(std::string_view s)
{
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        int length = c < 0x80             ? 1
                     : (c & 0xe0) == 0xc0 ? 2
                     : (c & 0xf0) == 0xe0 ? 3
                     : (c & 0xf8) == 0xf0 ? 4
                                          : 0;
        if (length == 0 || (length == 2 && c < 0xc2) || i + length > s.size())
            return i;
        for (int k = 1; k < length; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80)
                return i;
        i += length;
    }
    return std::string_view::npos;
}

} // namespace

std::string pythonStrip(std::string_view text)
{
    const std::u32string cps = text::unicode::decodeUtf8(text);
    std::size_t begin = 0, end = cps.size();
    while (begin < end && isPythonSpace(cps[begin]))
        ++begin;
    while (end > begin && isPythonSpace(cps[end - 1]))
        --end;
    return text::unicode::encodeUtf8(std::u32string_view(cps).substr(begin, end - begin));
}

std::vector<std::string> parseLabelLines(std::string_view text, const std::string& what)
{
    std::vector<std::string> names;
    std::size_t start = 0;
    int line = 1;
    while (start < text.size()) {
        std::size_t end = text.find_first_of("\r\n", start);
        const std::string_view content =
            text.substr(start, end == std::string_view::npos ? end : end - start);
        const std::size_t bad = invalidUtf8At(content);
        CLIPWB_CHECK(bad == std::string_view::npos, what, ":", line, ": not UTF-8 text (byte ", bad + 1, ")");
        names.push_back(pythonStrip(content));
        if (end == std::string_view::npos)
            break;
        start = end + ((text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n') ? 2 : 1);
        ++line;
    }
    return names;
}

std::vector<std::string> readLabelFile(const std::filesystem::path& path)
{
    CLIPWB_CHECK(std::filesystem::is_regular_file(path), "the label file ", path.string(),
                 " does not exist (one class name a line, e.g. label_cn.txt)");
    return parseLabelLines(readFile(path), path.string());
}

} // namespace clipwb::zeroshot
