#pragma once
// Upstream Chinese-CLIP's BERT tokenizer (cn_clip/clip/bert_tokenizer.py +
// cn_clip.clip.tokenize): basic tokenisation (text cleaning, CJK characters
// split apart, Python's str.lower(), NFD accent stripping, punctuation split),
// then greedy longest-match WordPiece over the vocab. No torch, no Qt, no ICU:
// the Unicode data comes from generated tables (UnicodeTables.h).
// All methods are const and safe to call from several threads at once.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace clipwb::text {

class Tokenizer {
public:
    /// The shipped 21128-token Chinese vocab (resources/vocab.txt).
    static Tokenizer fromEmbeddedVocab();
    /// A vocab file, one token a line (id = line number); throws clipwb::Error naming the file.
    static Tokenizer fromFile(const std::filesystem::path& path);
    /// Vocab text as in a vocab file; `what` names it in errors.
    static Tokenizer fromVocabText(std::string_view text, const std::string& what);

    /// Word pieces, as upstream FullTokenizer.tokenize. Invalid UTF-8 bytes are
    /// replaced by U+FFFD (as Python's errors="replace" decoding would), which the
    /// text cleaning then drops.
    std::vector<std::string> tokenize(std::string_view text) const;
    /// The basic tokenizer's words, before WordPiece.
    std::vector<std::string> basicTokenize(std::string_view text) const;
    /// Ids of the word pieces (no [CLS]/[SEP], no truncation).
    std::vector<std::int64_t> tokenizeToIds(std::string_view text) const;
    /// [CLS] + ids[:contextLength-2] + [SEP], padded with 0 to contextLength (>= 2).
    std::vector<std::int64_t> encode(std::string_view text, int contextLength) const;
    /// The same, written to out[0..contextLength).
    void encodeInto(std::string_view text, int contextLength, std::int64_t* out) const;

    /// Id of a vocab token, or -1 when it is not in the vocab.
    std::int64_t tokenToId(const std::string& token) const;
    /// Token of an id; throws clipwb::Error when out of range.
    const std::string& idToToken(std::int64_t id) const;
    std::size_t vocabSize() const;

    std::int64_t padId() const { return m_pad; }
    std::int64_t unkId() const { return m_unk; }
    std::int64_t clsId() const { return m_cls; }
    std::int64_t sepId() const { return m_sep; }

private:
    struct Vocab {
        std::vector<std::string> tokens;
        std::unordered_map<std::string, std::int64_t> ids;
        std::size_t longestToken = 0; // in code points
    };
    Tokenizer() = default;
    template <typename Emit> void forEachBasicToken(std::string_view text, Emit&& emit) const;
    template <typename Emit> void wordpiece(const std::u32string& word, Emit&& emit) const;

    std::shared_ptr<const Vocab> m_vocab;
    std::int64_t m_pad = 0, m_unk = 100, m_cls = 101, m_sep = 102;
};

/// Upstream's training/evaluation text preprocessing: Python's str.lower(),
/// then the curly double quotes U+201C/U+201D replaced by '"'.
std::string preprocessText(std::string_view text);

} // namespace clipwb::text
