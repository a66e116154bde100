#include "data/PairSearch.h"

#include "common/Error.h"
#include "data/LmdbSplit.h"

#include <algorithm>
#include <charconv>

namespace clipwb::data {

namespace {

// Lower-casing ASCII only keeps UTF-8 intact: no byte of a multi-byte sequence is ASCII.
std::string asciiLower(std::string text)
{
    for (char& c : text)
        if (c >= 'A' && c <= 'Z')
            c = char(c - 'A' + 'a');
    return text;
}

int64_t parseId(const std::string& value)
{
    std::string trimmed = value;
    trimmed.erase(0, trimmed.find_first_not_of(" \t#"));
    trimmed.erase(trimmed.find_last_not_of(" \t") + 1);
    int64_t id = 0;
    const auto [end, error] = std::from_chars(trimmed.data(), trimmed.data() + trimmed.size(), id);
    CLIPWB_CHECK(error == std::errc() && end == trimmed.data() + trimmed.size() && !trimmed.empty(), "'", value,
                 "' is not an id (a whole number)");
    return id;
}

} // namespace

PairSearchResult searchPairs(const data::LmdbSplit& split, const PairSearchQuery& query,
                             const ProgressCallback& progress)
{
    PairSearchResult result;
    const int64_t count = split.numSamples();
    if (query.field == PairSearchField::PairIndex) {
        const int64_t index = parseId(query.value);
        if (index >= 0 && index < count)
            result.pairIndices.push_back(index);
        return result;
    }
    const bool byText = query.field == PairSearchField::Text;
    const std::string needle = byText ? asciiLower(query.value) : std::string();
    const int64_t id = byText ? 0 : parseId(query.value);
    const int64_t progressEvery = std::max<int64_t>(1, count / 100);
    for (int64_t i = 0; i < count; ++i) {
        if (i % progressEvery == 0) {
            reportProgress(progress, {double(i) / double(count), "search", i, count});
        }
        data::PairRecord pair;
        try {
            pair = split.pair(i);
        } catch (const std::exception&) {
            ++result.brokenRecords;
            continue;
        }
        bool match = false;
        switch (query.field) {
        case PairSearchField::Text:
            match = asciiLower(pair.text).find(needle) != std::string::npos;
            break;
        case PairSearchField::ImageId:
            match = pair.imageId == id;
            break;
        case PairSearchField::TextId:
            match = pair.textId == id;
            break;
        case PairSearchField::PairIndex:
            break;
        }
        if (match)
            result.pairIndices.push_back(i);
    }
    reportProgress(progress, {1.0, "search", count, count});
    return result;
}

} // namespace clipwb::data
