#include "text/Tokenizer.h"

#include "common/AtomicFile.h"
#include "common/Error.h"
#include "common/Resources.h"
#include "text/Unicode.h"
#include "text/UnicodeTables.h"

#include <algorithm>

namespace clipwb::text {

namespace {

using unicode::flags;

constexpr std::size_t kMaxInputCharsPerWord = 200;

bool isPythonSpace(char32_t c) { return flags(c) & unicode::PythonSpace; }

// bert_tokenizer._is_whitespace
bool isBertWhitespace(char32_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || (flags(c) & unicode::SpaceSeparator);
}

// bert_tokenizer._is_control
bool isBertControl(char32_t c)
{
    if (c == '\t' || c == '\n' || c == '\r')
        return false;
    return flags(c) & unicode::Control;
}

// bert_tokenizer._is_punctuation: every non-alphanumeric ASCII character, and category P*.
bool isBertPunctuation(char32_t c)
{
    if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126))
        return true;
    return flags(c) & unicode::Punctuation;
}

bool isChineseChar(char32_t cp)
{
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF) ||
           (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) ||
           (cp >= 0x2B820 && cp <= 0x2CEAF) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

// Python's str.strip() on a vocab line.
std::u32string_view pythonStrip(std::u32string_view s)
{
    while (!s.empty() && isPythonSpace(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && isPythonSpace(s.back()))
        s.remove_suffix(1);
    return s;
}

// Calls emit(piece) for each piece of text split on Python whitespace (str.split()).
template <typename Emit> void splitOnPythonSpace(std::u32string_view text, Emit&& emit)
{
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && isPythonSpace(text[i]))
            ++i;
        std::size_t j = i;
        while (j < text.size() && !isPythonSpace(text[j]))
            ++j;
        if (j > i)
            emit(text.substr(i, j - i));
        i = j;
    }
}

} // namespace

Tokenizer Tokenizer::fromVocabText(std::string_view text, const std::string& what)
{
    auto vocab = std::make_shared<Vocab>();
    std::size_t pos = 0;
    // Python's universal newlines: a line ends at \n, \r or \r\n.
    while (pos < text.size()) {
        std::size_t end = text.find_first_of("\r\n", pos);
        std::string_view line = text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
        if (end == std::string_view::npos)
            pos = text.size();
        else
            pos = end + ((text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n') ? 2 : 1);
        const std::u32string cps = unicode::decodeUtf8(line);
        const std::u32string_view stripped = pythonStrip(cps);
        std::string token = unicode::encodeUtf8(stripped);
        const auto id = static_cast<std::int64_t>(vocab->tokens.size());
        vocab->ids[token] = id; // a repeated token keeps its last id, as upstream's dict does
        const std::size_t chars = token.rfind("##", 0) == 0 ? stripped.size() - 2 : stripped.size();
        vocab->longestToken = std::max(vocab->longestToken, chars);
        vocab->tokens.push_back(std::move(token));
    }
    CLIPWB_CHECK(!vocab->tokens.empty(), what, ": empty vocab");
    Tokenizer t;
    auto idOf = [&](const char* token) {
        const auto it = vocab->ids.find(token);
        CLIPWB_CHECK(it != vocab->ids.end(), what, ": vocab has no ", token, " token");
        return it->second;
    };
    t.m_pad = idOf("[PAD]");
    t.m_unk = idOf("[UNK]");
    t.m_cls = idOf("[CLS]");
    t.m_sep = idOf("[SEP]");
    t.m_vocab = std::move(vocab);
    return t;
}

Tokenizer Tokenizer::fromEmbeddedVocab()
{
    static const Tokenizer shipped = [] {
        const auto text = resources::find("vocab.txt");
        CLIPWB_CHECK(text.has_value(), "the embedded vocab.txt is missing from this build");
        return fromVocabText(*text, "embedded vocab.txt");
    }();
    return shipped;
}

Tokenizer Tokenizer::fromFile(const std::filesystem::path& path)
{
    return fromVocabText(readFile(path), path.string());
}

template <typename Emit> void Tokenizer::forEachBasicToken(std::string_view text, Emit&& emit) const
{
    const std::u32string decoded = unicode::decodeUtf8(text);
    // _clean_text + _tokenize_chinese_chars
    std::u32string cleaned;
    cleaned.reserve(decoded.size() * 2);
    for (char32_t c : decoded) {
        if (c == 0 || c == 0xfffd || isBertControl(c))
            continue;
        if (isBertWhitespace(c)) {
            cleaned.push_back(' ');
        } else if (isChineseChar(c)) {
            cleaned.push_back(' ');
            cleaned.push_back(c);
            cleaned.push_back(' ');
        } else {
            cleaned.push_back(c);
        }
    }
    std::u32string lowered, normalized;
    splitOnPythonSpace(cleaned, [&](std::u32string_view token) {
        // lower() + _run_strip_accents (NFD, drop Mn), all-ASCII tokens need neither table.
        const bool ascii = std::all_of(token.begin(), token.end(), [](char32_t c) { return c < 128; });
        normalized.clear();
        if (ascii) {
            for (char32_t c : token)
                normalized.push_back(c >= 'A' && c <= 'Z' ? c + 32 : c);
        } else {
            lowered = unicode::pythonLower(token);
            unicode::appendNfd(normalized, lowered);
            normalized.erase(std::remove_if(normalized.begin(), normalized.end(),
                                            [](char32_t c) { return flags(c) & unicode::NonspacingMark; }),
                             normalized.end());
        }
        // _run_split_on_punc, then whitespace_tokenize of the joined pieces.
        std::size_t start = 0;
        auto flush = [&](std::size_t end) {
            if (end > start)
                splitOnPythonSpace(std::u32string_view(normalized).substr(start, end - start), emit);
        };
        for (std::size_t i = 0; i < normalized.size(); ++i) {
            if (isBertPunctuation(normalized[i])) {
                flush(i);
                emit(std::u32string_view(normalized).substr(i, 1));
                start = i + 1;
            }
        }
        flush(normalized.size());
    });
}

template <typename Emit> void Tokenizer::wordpiece(const std::u32string& word, Emit&& emit) const
{
    const Vocab& vocab = *m_vocab;
    if (word.size() > kMaxInputCharsPerWord) {
        emit(m_unk);
        return;
    }
    // Byte offset of each code point in the UTF-8 form.
    std::string utf8;
    std::vector<std::size_t> offsets;
    offsets.reserve(word.size() + 1);
    for (char32_t c : word) {
        offsets.push_back(utf8.size());
        unicode::appendUtf8(utf8, c);
    }
    offsets.push_back(utf8.size());

    std::int64_t pieces[kMaxInputCharsPerWord];
    std::size_t count = 0;
    std::string key;
    std::size_t start = 0;
    while (start < word.size()) {
        std::size_t end = std::min(word.size(), start + vocab.longestToken);
        std::int64_t found = -1;
        while (start < end) {
            key.assign(start > 0 ? "##" : "");
            key.append(utf8, offsets[start], offsets[end] - offsets[start]);
            const auto it = vocab.ids.find(key);
            if (it != vocab.ids.end()) {
                found = it->second;
                break;
            }
            --end;
        }
        if (found < 0) {
            emit(m_unk);
            return;
        }
        pieces[count++] = found;
        start = end;
    }
    for (std::size_t i = 0; i < count; ++i)
        emit(pieces[i]);
}

std::vector<std::string> Tokenizer::basicTokenize(std::string_view text) const
{
    std::vector<std::string> out;
    forEachBasicToken(text, [&](std::u32string_view token) { out.push_back(unicode::encodeUtf8(token)); });
    return out;
}

std::vector<std::int64_t> Tokenizer::tokenizeToIds(std::string_view text) const
{
    std::vector<std::int64_t> ids;
    std::u32string word;
    forEachBasicToken(text, [&](std::u32string_view token) {
        word.assign(token);
        wordpiece(word, [&](std::int64_t id) { ids.push_back(id); });
    });
    return ids;
}

std::vector<std::string> Tokenizer::tokenize(std::string_view text) const
{
    std::vector<std::string> out;
    for (std::int64_t id : tokenizeToIds(text))
        out.push_back(m_vocab->tokens[static_cast<std::size_t>(id)]);
    return out;
}

void Tokenizer::encodeInto(std::string_view text, int contextLength, std::int64_t* out) const
{
    CLIPWB_CHECK(contextLength >= 2, "context length must be at least 2, not ", contextLength);
    const std::size_t limit = static_cast<std::size_t>(contextLength) - 2;
    std::size_t n = 0;
    out[n++] = m_cls;
    std::u32string word;
    forEachBasicToken(text, [&](std::u32string_view token) {
        if (n - 1 >= limit)
            return;
        word.assign(token);
        wordpiece(word, [&](std::int64_t id) {
            if (n - 1 < limit)
                out[n++] = id;
        });
    });
    out[n++] = m_sep;
    std::fill(out + n, out + contextLength, m_pad);
}

std::vector<std::int64_t> Tokenizer::encode(std::string_view text, int contextLength) const
{
    CLIPWB_CHECK(contextLength >= 2, "context length must be at least 2, not ", contextLength);
    std::vector<std::int64_t> ids(static_cast<std::size_t>(contextLength));
    encodeInto(text, contextLength, ids.data());
    return ids;
}

std::int64_t Tokenizer::tokenToId(const std::string& token) const
{
    const auto it = m_vocab->ids.find(token);
    return it == m_vocab->ids.end() ? -1 : it->second;
}

const std::string& Tokenizer::idToToken(std::int64_t id) const
{
    CLIPWB_CHECK(id >= 0 && static_cast<std::size_t>(id) < m_vocab->tokens.size(), "token id ", id,
                 " is outside the vocab (", m_vocab->tokens.size(), " tokens)");
    return m_vocab->tokens[static_cast<std::size_t>(id)];
}

std::size_t Tokenizer::vocabSize() const { return m_vocab->ids.size(); }

std::string preprocessText(std::string_view text)
{
    const std::u32string lowered = unicode::pythonLower(unicode::decodeUtf8(text));
    std::string out;
    out.reserve(text.size());
    for (char32_t c : lowered)
        unicode::appendUtf8(out, (c == 0x201c || c == 0x201d) ? U'"' : c);
    return out;
}

} // namespace clipwb::text
