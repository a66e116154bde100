#include "eval/RetrievalSession.h"

#include "common/AtomicFile.h"
#include "data/LmdbSplit.h"
#include "eval/BlockedTopK.h"
#include "eval/FeatureExtractor.h"
#include "eval/FeatureTable.h"
#include "eval/RecallEvaluation.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <mutex>
#include <unordered_map>

namespace clipwb::eval {

DirectionRecall recallInPercent(const RecallScores& scores)
{
    DirectionRecall recall;
    recall.r1 = scores.r1 * 100;
    recall.r5 = scores.r5 * 100;
    recall.r10 = scores.r10 * 100;
    recall.meanRecall = scores.meanRecall * 100;
    recall.queries = scores.queries;
    return recall;
}
namespace fs = std::filesystem;

namespace {

constexpr const char* kImageFile = "imgs.img_feat.jsonl";
constexpr const char* kTextFile = "texts.txt_feat.jsonl";
constexpr const char* kMetaFile = "meta.json";

/// What a cache entry depends on: the files (with size and time) and the settings.
nlohmann::json cacheIdentity(const RetrievalSessionOptions& options)
{
    auto describe = [](const fs::path& path) {
        nlohmann::json file;
        std::error_code ec;
        const fs::path absolute = path.empty() ? path : fs::weakly_canonical(path, ec);
        file["path"] = absolute.string();
        if (!path.empty() && fs::is_regular_file(path, ec)) {
            file["size"] = fs::file_size(path, ec);
            file["mtime"] = static_cast<long long>(fs::last_write_time(path, ec).time_since_epoch().count());
        }
        return file;
    };
    nlohmann::json identity;
    identity["format"] = 1;
    identity["checkpoint"] = describe(options.checkpoint);
    identity["vision_model"] = options.visionModel;
    identity["text_model"] = options.textModel;
    identity["context_length"] = options.contextLength;
    identity["split"] = describe(options.split);
    identity["split_images"] = describe(options.split / "imgs" / "data.mdb");
    identity["split_pairs"] = describe(options.split / "pairs" / "data.mdb");
    identity["texts"] = describe(options.textsJsonl);
    return identity;
}

std::string hexHash(const std::string& text)
{
    std::uint64_t hash = 1469598103934665603ull; // FNV-1a
    for (const unsigned char c : text) {
        hash ^= c;
        hash *= 1099511628211ull;
    }
    char buffer[17];
    std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(hash));
    return buffer;
}

std::vector<RetrievalText> textsFromJsonl(const fs::path& path)
{
    const auto rows = readTextsJsonl(path);
    const GoldStandard gold = readGoldJsonl(path);
    std::vector<RetrievalText> texts;
    for (const auto& [id, text] : rows)
        texts.push_back({id, text, gold.answers.at(id)});
    return texts;
}

std::vector<RetrievalText> textsFromPairs(const data::LmdbSplit& split)
{
    std::vector<RetrievalText> texts;
    std::unordered_map<std::int64_t, std::size_t> index;
    for (std::int64_t i = 0; i < split.numSamples(); ++i) {
        const data::PairRecord pair = split.pair(i);
        const auto [it, inserted] = index.emplace(pair.textId, texts.size());
        if (inserted)
            texts.push_back({pair.textId, pair.text, {}});
        auto& gold = texts[it->second].goldImageIds;
        if (std::find(gold.begin(), gold.end(), pair.imageId) == gold.end())
            gold.push_back(pair.imageId);
    }
    return texts;
}

bool sameIds(const std::vector<std::int64_t>& a, const std::vector<std::int64_t>& b)
{
    return a == b;
}

} // namespace

struct RetrievalSession::Impl {
    RetrievalSessionOptions options;
    bool prepared = false;
    std::unique_ptr<FeatureExtractor> extractor;
    mutable std::mutex modelMutex;
    FeatureTable images;
    FeatureTable textFeatures;
    std::vector<RetrievalText> texts;
    std::unordered_map<std::int64_t, std::int64_t> imageRow;

    const RetrievalText& textAt(std::int64_t row) const { return texts[static_cast<std::size_t>(row)]; }
};

RetrievalSession::RetrievalSession(RetrievalSessionOptions options) : m_impl(std::make_unique<Impl>())
{
    m_impl->options = std::move(options);
}

RetrievalSession::~RetrievalSession() = default;
RetrievalSession::RetrievalSession(RetrievalSession&&) noexcept = default;
RetrievalSession& RetrievalSession::operator=(RetrievalSession&&) noexcept = default;

const RetrievalSessionOptions& RetrievalSession::options() const
{
    return m_impl->options;
}

fs::path RetrievalSession::cacheDirectory() const
{
    fs::path root = m_impl->options.cacheRoot;
    if (root.empty()) {
        if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
            root = fs::path(xdg) / "clipwb" / "features";
        else if (const char* home = std::getenv("HOME"); home && *home)
            root = fs::path(home) / ".cache" / "clipwb" / "features";
        else
            root = fs::temp_directory_path() / "clipwb-features";
    }
    const std::string stem = m_impl->options.checkpoint.stem().string();
    return root / (stem + "-" + hexHash(cacheIdentity(m_impl->options).dump()));
}

void RetrievalSession::prepare(const ProgressCallback& progress)
{
    Impl& d = *m_impl;
    const RetrievalSessionOptions& options = d.options;
    // The model is the first 5% of the job, the texts the next 15%, the images the rest.
    auto report = [&](const char* stage, std::int64_t done, std::int64_t total) {
        const double within = total > 0 ? double(done) / double(total) : 1.0;
        const std::string name = stage;
        const double fraction = name == "model"   ? 0.05 * within
                                : name == "texts" ? 0.05 + 0.15 * within
                                : name == "cache" ? 0.05 + 0.95 * within
                                                  : 0.2 + 0.8 * within;
        reportProgress(progress, {fraction, stage, done, total});
    };
    d.prepared = false;

    report("model", 0, 1);
    const data::LmdbSplit split(options.split);
    std::vector<std::int64_t> imageIds = split.imageIds();
    if (static_cast<std::int64_t>(imageIds.size()) > split.numImages())
        imageIds.resize(static_cast<std::size_t>(split.numImages()));
    d.texts = options.textsJsonl.empty() ? textsFromPairs(split) : textsFromJsonl(options.textsJsonl);
    CLIPWB_CHECK(!imageIds.empty(), options.split.string(), ": no images");
    CLIPWB_CHECK(!d.texts.empty(), "no texts in ",
                 (options.textsJsonl.empty() ? options.split : options.textsJsonl).string());
    std::vector<std::int64_t> textIds;
    for (const auto& text : d.texts)
        textIds.push_back(text.textId);
    report("model", 0, 1); // a chance to stop before the model loads

    FeatureExtractorOptions extractorOptions;
    extractorOptions.checkpoint = options.checkpoint;
    extractorOptions.visionModel = options.visionModel;
    extractorOptions.textModel = options.textModel;
    extractorOptions.contextLength = options.contextLength;
    extractorOptions.precision = "fp32";
    extractorOptions.device = options.device;
    d.extractor = std::make_unique<FeatureExtractor>(extractorOptions);
    report("model", 1, 1);

    const fs::path cache = cacheDirectory();
    bool cached = false;
    try {
        if (fs::exists(cache / kMetaFile) && fs::exists(cache / kImageFile) &&
            fs::exists(cache / kTextFile)) {
            report("cache", 0, 1);
            d.images = FeatureTable::readJsonl(cache / kImageFile, "image_id");
            d.textFeatures = FeatureTable::readJsonl(cache / kTextFile, "text_id");
            cached = sameIds(d.images.ids, imageIds) && sameIds(d.textFeatures.ids, textIds) &&
                     d.images.dim == d.extractor->embedDim() && d.textFeatures.dim == d.images.dim;
            report("cache", 1, 1);
        }
    } catch (const Cancelled&) {
        throw;
    } catch (const Error&) {
        cached = false; // a damaged cache is rebuilt
    }
    if (!cached) {
        std::vector<std::pair<std::int64_t, std::string>> rows;
        for (const auto& text : d.texts)
            rows.emplace_back(text.textId, text.text);
        d.textFeatures = d.extractor->extractTexts(
            rows, options.textBatchSize,
            [&](const Progress& p) {
                report("texts", p.done, p.total);
                return true;
            });
        d.images = d.extractor->extractImages(
            split, imageIds, options.imageBatchSize,
            [&](const Progress& p) {
                report("images", p.done, p.total);
                return true;
            });
        fs::create_directories(cache);
        d.images.writeJsonl(cache / kImageFile);
        d.textFeatures.writeJsonl(cache / kTextFile);
        writeFileAtomic(cache / kMetaFile, cacheIdentity(options).dump(2) + "\n");
    }
    d.imageRow.clear();
    for (std::int64_t r = 0; r < d.images.rows(); ++r)
        d.imageRow.emplace(d.images.ids[static_cast<std::size_t>(r)], r);
    d.prepared = true;
}

bool RetrievalSession::isPrepared() const
{
    return m_impl->prepared;
}

std::vector<std::int64_t> RetrievalSession::imageIds() const
{
    return m_impl->images.ids;
}

const std::vector<RetrievalText>& RetrievalSession::texts() const
{
    return m_impl->texts;
}

std::vector<ImageHit> RetrievalSession::queryText(const std::string& text, int k) const
{
    const Impl& d = *m_impl;
    CLIPWB_CHECK(d.prepared, "retrieval session: prepare() first");
    CLIPWB_CHECK(k > 0, "k must be positive");
    std::vector<float> query;
    {
        std::lock_guard<std::mutex> lock(d.modelMutex);
        const torch::Tensor features = d.extractor->encodeTexts({text}).contiguous();
        query.assign(features.data_ptr<float>(), features.data_ptr<float>() + features.numel());
    }
    BlockedTopKOptions options;
    options.k = k;
    options.columnsToRows = false;
    const auto result =
        blockedTopK(query.data(), 1, d.images.values.data(), d.images.rows(), d.images.dim, options);
    std::vector<ImageHit> hits;
    for (std::int64_t r = 0; r < result.rowsToColumns.count(0); ++r)
        hits.push_back({d.images.ids[static_cast<std::size_t>(result.rowsToColumns.indicesOf(0)[r])],
                        result.rowsToColumns.scoresOf(0)[r]});
    return hits;
}

std::vector<TextHit> RetrievalSession::queryImage(std::int64_t imageId, int k) const
{
    const Impl& d = *m_impl;
    CLIPWB_CHECK(d.prepared, "retrieval session: prepare() first");
    CLIPWB_CHECK(k > 0, "k must be positive");
    const auto it = d.imageRow.find(imageId);
    CLIPWB_CHECK(it != d.imageRow.end(), "image ", imageId, " is not in ", d.options.split.string());
    BlockedTopKOptions options;
    options.k = k;
    options.columnsToRows = false;
    const auto result = blockedTopK(d.images.row(it->second), 1, d.textFeatures.values.data(),
                                    d.textFeatures.rows(), d.images.dim, options);
    std::vector<TextHit> hits;
    for (std::int64_t r = 0; r < result.rowsToColumns.count(0); ++r) {
        const RetrievalText& text = d.textAt(result.rowsToColumns.indicesOf(0)[r]);
        hits.push_back({text.textId, text.text, result.rowsToColumns.scoresOf(0)[r]});
    }
    return hits;
}

RetrievalEvaluation RetrievalSession::evaluate() const
{
    const Impl& d = *m_impl;
    CLIPWB_CHECK(d.prepared, "retrieval session: prepare() first");
    BlockedTopKOptions options;
    options.k = 10;
    const auto result = blockedTopK(d.textFeatures.values.data(), d.textFeatures.rows(),
                                    d.images.values.data(), d.images.rows(), d.images.dim, options);

    GoldStandard textGold;
    textGold.direction = RetrievalDirection::TextToImage;
    for (const auto& text : d.texts) {
        if (textGold.answers.emplace(text.textId, text.goldImageIds).second)
            textGold.queries.push_back(text.textId);
        else
            textGold.answers[text.textId] = text.goldImageIds;
    }
    const GoldStandard imageGold = invertGold(textGold);

    auto listScores = [](const TopKLists& lists, std::int64_t query) {
        return std::vector<float>(lists.scoresOf(query), lists.scoresOf(query) + lists.count(query));
    };

    RetrievalEvaluation evaluation;
    Predictions textPredictions;
    textPredictions.direction = RetrievalDirection::TextToImage;
    std::unordered_map<std::int64_t, std::int64_t> textRow;
    for (std::int64_t row = 0; row < d.textFeatures.rows(); ++row) {
        const std::int64_t id = d.textFeatures.ids[static_cast<std::size_t>(row)];
        textRow[id] = row;
        textPredictions.answers[id] = result.rowsToColumns.idsOf(row, d.images.ids);
    }
    Predictions imagePredictions;
    imagePredictions.direction = RetrievalDirection::ImageToText;
    for (std::int64_t row = 0; row < d.images.rows(); ++row)
        imagePredictions.answers[d.images.ids[static_cast<std::size_t>(row)]] =
            result.columnsToRows.idsOf(row, d.textFeatures.ids);

    evaluation.textToImage = recallInPercent(computeRecall(textGold, textPredictions));
    // Images without any text have no gold: upstream's inverted gold leaves them out too.
    GoldStandard answerableImages = imageGold;
    answerableImages.queries.erase(std::remove_if(answerableImages.queries.begin(),
                                                  answerableImages.queries.end(),
                                                  [&](std::int64_t id) { return !d.imageRow.count(id); }),
                                   answerableImages.queries.end());
    if (!answerableImages.queries.empty())
        evaluation.imageToText = recallInPercent(computeRecall(answerableImages, imagePredictions));
    const auto& a = evaluation.textToImage;
    const auto& b = evaluation.imageToText;
    evaluation.meanRecall = (a.r1 + a.r5 + a.r10 + b.r1 + b.r5 + b.r10) / 6.0;

    for (const std::int64_t id : textGold.queries) {
        const auto& predicted = textPredictions.answers.at(id);
        if (hitAt(textGold.answers.at(id), predicted, 10))
            continue;
        const std::int64_t row = textRow.at(id);
        evaluation.failedTextQueries.push_back({id, d.textAt(row).text, textGold.answers.at(id), predicted,
                                                listScores(result.rowsToColumns, row)});
    }
    for (const std::int64_t id : answerableImages.queries) {
        const auto& predicted = imagePredictions.answers.at(id);
        if (hitAt(answerableImages.answers.at(id), predicted, 10))
            continue;
        evaluation.failedImageQueries.push_back({id,
                                                 {},
                                                 answerableImages.answers.at(id),
                                                 predicted,
                                                 listScores(result.columnsToRows, d.imageRow.at(id))});
    }
    return evaluation;
}

} // namespace clipwb::eval
