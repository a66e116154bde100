#pragma once
// Unicode facts for the BERT tokenizer, generated from Python's unicodedata
// (tests/text/generate_unicode_tables.py -> UnicodeTables.cpp), so that the
// core matches upstream's Python without ICU.
#include <cstddef>
#include <cstdint>

namespace clipwb::text::unicode {

enum Flag : std::uint8_t {
    SpaceSeparator = 1, // category Zs
    Control = 2,        // category Cc or Cf
    Punctuation = 4,    // category P*
    NonspacingMark = 8, // category Mn
    PythonSpace = 16,   // str.isspace()
    CaseIgnorable = 32, // Case_Ignorable (for str.lower()'s final sigma)
    Cased = 64,         // Cased and not Case_Ignorable
};

struct FlagRange {
    std::uint32_t first, last;
    std::uint8_t value;
};

struct MappingEntry {
    std::uint32_t codePoint;
    std::uint32_t offset;
    std::uint8_t length;
};

struct Tables {
    const FlagRange* flags;
    std::size_t flagCount;
    const FlagRange* combining; // canonical combining class
    std::size_t combiningCount;
    const MappingEntry* lower; // str.lower(), except U+03A3 (context-dependent)
    std::size_t lowerCount;
    const std::uint32_t* lowerPool;
    const MappingEntry* nfd; // full canonical decomposition, Hangul syllables excluded
    std::size_t nfdCount;
    const std::uint32_t* nfdPool;
    const char* unicodeVersion;
};

const Tables& tables();

} // namespace clipwb::text::unicode
