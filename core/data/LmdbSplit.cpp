#include "data/LmdbSplit.h"

#include "common/Error.h"
#include "common/Pickle.h"
#include "data/Base64.h"
#include "data/LmdbReader.h"

#include <charconv>

namespace clipwb::data {

namespace {

std::optional<std::int64_t> parseDecimal(std::string_view s)
{
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty())
        return std::nullopt;
    return v;
}

std::int64_t readCount(const LmdbReader& env, const char* key, const std::string& what)
{
    const auto text = env.get(key, std::string("key ") + key);
    CLIPWB_CHECK(text.has_value(), what, ": key ", key, " is missing");
    const auto v = parseDecimal(*text);
    CLIPWB_CHECK(v && *v >= 0, what, ": key ", key, " is not a count: '", text->substr(0, 40), "'");
    return *v;
}

} // namespace

struct LmdbSplit::Impl {
    std::filesystem::path path;
    std::string name;
    std::unique_ptr<LmdbReader> imgs, pairs;
    std::int64_t numSamples = 0, numImages = 0;
};

LmdbSplit::LmdbSplit(const std::filesystem::path& splitDir) : d(std::make_unique<Impl>())
{
    d->path = splitDir;
    d->name = splitDir.string();
    CLIPWB_CHECK(!splitDir.empty(), "no LMDB split folder given (a folder with imgs/ and pairs/)");
    CLIPWB_CHECK(std::filesystem::is_directory(splitDir), "LMDB split ", d->name, " is not a folder");
    d->imgs = std::make_unique<LmdbReader>(splitDir / "imgs", d->name + " imgs");
    d->pairs = std::make_unique<LmdbReader>(splitDir / "pairs", d->name + " pairs");
    d->numSamples = readCount(*d->pairs, "num_samples", d->name + " pairs");
    d->numImages = readCount(*d->imgs, "num_images", d->name + " imgs");
}

LmdbSplit::~LmdbSplit() = default;

std::int64_t LmdbSplit::numSamples() const
{
    return d->numSamples;
}
std::int64_t LmdbSplit::numImages() const
{
    return d->numImages;
}
std::int64_t LmdbSplit::storedPairEntries() const
{
    return d->pairs->entries() - (d->pairs->get("num_samples", "key num_samples") ? 1 : 0);
}
std::int64_t LmdbSplit::storedImageEntries() const
{
    return d->imgs->entries() - (d->imgs->get("num_images", "key num_images") ? 1 : 0);
}
const std::filesystem::path& LmdbSplit::path() const
{
    return d->path;
}

void LmdbSplit::setDamageListener(std::function<void(const std::string&)> listener)
{
    d->imgs->setDamageListener(listener);
    d->pairs->setDamageListener(std::move(listener));
}

bool LmdbSplit::damaged() const
{
    return d->imgs->damaged() || d->pairs->damaged();
}

std::optional<std::string> LmdbSplit::rawPair(std::int64_t index) const
{
    return d->pairs->get(std::to_string(index), "pair index " + std::to_string(index));
}

PairRecord LmdbSplit::decodePair(const std::string& pickled, std::int64_t index, const std::string& what)
{
    pickle::DecodeOptions options;
    options.allowedGlobals = std::set<std::pair<std::string, std::string>>{}; // a pair never holds globals
    options.maxDepth = 8;
    options.what = what;
    const pickle::Value v = pickle::decode(pickled, options);
    using T = pickle::Value::Type;
    CLIPWB_CHECK(v.is(T::Tuple) && v.items().size() == 3 && v.items()[0].is(T::Int) &&
                     v.items()[1].is(T::Int) && v.items()[2].is(T::String),
                 what, ": expected a pickled (image_id, text_id, text) tuple, found ",
                 v.repr().substr(0, 120));
    return {index, v.items()[0].toInt(), v.items()[1].toInt(), v.items()[2].toStr()};
}

PairRecord LmdbSplit::pair(std::int64_t index) const
{
    const std::string what = d->name + " pair index " + std::to_string(index);
    CLIPWB_CHECK(index >= 0 && index < d->numSamples, what, ": outside 0..", d->numSamples - 1);
    const auto raw = rawPair(index);
    CLIPWB_CHECK(raw.has_value(), what, ": no such record");
    return decodePair(*raw, index, what);
}

std::optional<std::string> LmdbSplit::imageBase64(std::int64_t imageId) const
{
    return d->imgs->get(std::to_string(imageId), "image " + std::to_string(imageId));
}

bool LmdbSplit::hasImage(std::int64_t imageId) const
{
    return imageBase64(imageId).has_value();
}

std::string LmdbSplit::imageBytes(std::int64_t imageId) const
{
    const auto text = imageBase64(imageId);
    CLIPWB_CHECK(text.has_value(), d->name, ": image ", imageId, " is missing");
    auto bytes = decodeBase64(*text);
    CLIPWB_CHECK(bytes.has_value(), d->name, ": image ", imageId, " is not valid base64");
    return std::move(*bytes);
}

std::vector<std::int64_t> LmdbSplit::imageIds() const
{
    std::vector<std::int64_t> ids;
    ids.reserve(static_cast<std::size_t>(std::max<std::int64_t>(d->numImages, 0)));
    d->imgs->forEachKey([&](std::string_view key) {
        if (const auto id = parseDecimal(key))
            ids.push_back(*id);
    });
    return ids;
}

} // namespace clipwb::data
