#include "eval/RecallEvaluation.h"

#include "common/AtomicFile.h"
#include "common/Error.h"
#include "eval/BlockedTopK.h"
#include "eval/JsonLines.h"
#include "eval/PythonJson.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <unordered_set>

namespace clipwb::eval {
namespace {

using Json = nlohmann::json;

std::vector<std::int64_t> integerList(const Json& object, const char* key, const std::filesystem::path& path,
                                      std::int64_t line)
{
    const auto it = object.find(key);
    CLIPWB_CHECK(it != object.end(), path.string(), ":", line, ": missing key \"", key, "\"");
    CLIPWB_CHECK(it->is_array(), path.string(), ":", line, ": \"", key, "\" is not a list");
    std::vector<std::int64_t> values;
    for (const auto& value : *it) {
        CLIPWB_CHECK(value.is_number_integer(), path.string(), ":", line, ": \"", key,
                     "\" holds a non-integer id ", value.dump());
        values.push_back(value.get<std::int64_t>());
    }
    return values;
}

std::int64_t integerId(const Json& object, const char* key, const std::filesystem::path& path,
                       std::int64_t line)
{
    const auto it = object.find(key);
    CLIPWB_CHECK(it != object.end(), path.string(), ":", line, ": missing key \"", key, "\"");
    CLIPWB_CHECK(it->is_number_integer(), path.string(), ":", line, ": invalid ", key, " ", it->dump(),
                 ", it should be an integer (not string)");
    return it->get<std::int64_t>();
}

} // namespace

const char* queryKey(RetrievalDirection direction)
{
    return direction == RetrievalDirection::TextToImage ? "text_id" : "image_id";
}

const char* answersKey(RetrievalDirection direction)
{
    return direction == RetrievalDirection::TextToImage ? "image_ids" : "text_ids";
}

GoldStandard readGoldJsonl(const std::filesystem::path& path)
{
    GoldStandard gold;
    bool first = true;
    forEachJsonLine(path, "cannot read " + path.string() + ": file not found or not readable",
                    [&](std::int64_t line, const Json& object) {
                        if (first) {
                            first = false;
                            if (!object.contains("text_id") && object.contains("image_id") &&
                                object.contains("text_ids"))
                                gold.direction = RetrievalDirection::ImageToText;
                        }
                        const std::int64_t id = integerId(object, queryKey(gold.direction), path, line);
                        auto answers = integerList(object, answersKey(gold.direction), path, line);
                        const auto [it, inserted] = gold.answers.emplace(id, std::vector<std::int64_t>{});
                        if (inserted)
                            gold.queries.push_back(id);
                        it->second = std::move(answers);
                    });
    CLIPWB_CHECK(!gold.queries.empty(), path.string(), ": no gold queries (expected one {\"text_id\": N, ",
                 "\"image_ids\": [...]} object a line)");
    return gold;
}

GoldStandard invertGold(const GoldStandard& textToImage)
{
    CLIPWB_CHECK(textToImage.direction == RetrievalDirection::TextToImage,
                 "invertGold needs text-to-image gold");
    GoldStandard inverted;
    inverted.direction = RetrievalDirection::ImageToText;
    for (const std::int64_t textId : textToImage.queries)
        for (const std::int64_t imageId : textToImage.answers.at(textId)) {
            const auto [it, inserted] = inverted.answers.emplace(imageId, std::vector<std::int64_t>{});
            if (inserted)
                inverted.queries.push_back(imageId);
            it->second.push_back(textId);
        }
    return inverted;
}

Predictions readPredictionsJsonl(const std::filesystem::path& path, const GoldStandard& gold, int k)
{
    CLIPWB_CHECK(std::filesystem::exists(path), "the submission file ", path.string(), " is not found");
    Predictions predictions;
    predictions.direction = gold.direction;
    const char* idKey = queryKey(gold.direction);
    const char* listKey = answersKey(gold.direction);
    const std::string what = gold.direction == RetrievalDirection::TextToImage ? "Text_id" : "Image_id";
    const std::string listWhat = gold.direction == RetrievalDirection::TextToImage ? "images" : "texts";
    forEachJsonLine(
        path, "cannot read " + path.string() + ": file not found or not readable",
        [&](std::int64_t line, const Json& object) {
            const std::string where = path.string() + ":" + std::to_string(line) + ": ";
            CLIPWB_CHECK(object.contains(idKey), where, "this line does not contain ", idKey,
                         gold.direction == RetrievalDirection::TextToImage && object.contains("image_id")
                             ? " (image-to-text predictions need image-to-text gold: pass --image-to-text)"
                             : "");
            const std::int64_t id = integerId(object, idKey, path, line);
            const auto it = object.find(listKey);
            CLIPWB_CHECK(it != object.end(), where, "this line does not contain the predicted ", listKey);
            CLIPWB_CHECK(it->is_array(), where, "the ", listKey, " field of ", idKey, " ", id,
                         " is not a list");
            CLIPWB_CHECK(static_cast<int>(it->size()) == k, where, what, " ", id,
                         " has wrong number of predicted ", listKey, "! Require ", k, ", but ", it->size(),
                         " found");
            std::vector<std::int64_t> answers;
            for (std::size_t rank = 0; rank < it->size(); ++rank) {
                const Json& value = (*it)[rank];
                CLIPWB_CHECK(value.is_number_integer(), where, what, " ", id, " has an invalid predicted id ",
                             value.dump(), " at rank ", rank + 1, ", it should be an integer (not string)");
                answers.push_back(value.get<std::int64_t>());
            }
            CLIPWB_CHECK(std::unordered_set<std::int64_t>(answers.begin(), answers.end()).size() ==
                             answers.size(),
                         where, what, " ", id, " has duplicate top-k ", listWhat, " in the prediction");
            predictions.answers[id] = std::move(answers);
        });
    std::string missing;
    std::size_t missingCount = 0;
    for (const std::int64_t id : gold.queries)
        if (!predictions.answers.count(id)) {
            if (missingCount++ < 20)
                missing += (missing.empty() ? "" : ", ") + std::to_string(id);
        }
    CLIPWB_CHECK(missingCount == 0, path.string(), ": the following ", idKey,
                 "s have no prediction: ", missing,
                 missingCount > 20 ? " and " + std::to_string(missingCount - 20) + " more" : std::string());
    return predictions;
}

std::string predictionsJsonl(RetrievalDirection direction, const std::vector<std::int64_t>& queryIds,
                             const TopKLists& lists, const std::vector<std::int64_t>& answerIds)
{
    CLIPWB_CHECK(static_cast<std::int64_t>(queryIds.size()) == lists.queries,
                 "predictions: ", queryIds.size(), " query ids for ", lists.queries, " top-k lists");
    std::string out;
    out.reserve(queryIds.size() * static_cast<std::size_t>(lists.k * 12 + 40));
    const std::string prefix = std::string("{\"") + queryKey(direction) + "\": ";
    const std::string middle = std::string(", \"") + answersKey(direction) + "\": [";
    for (std::int64_t q = 0; q < lists.queries; ++q) {
        out += prefix;
        out += std::to_string(queryIds[static_cast<std::size_t>(q)]);
        out += middle;
        const std::int64_t* indices = lists.indicesOf(q);
        for (std::int64_t r = 0; r < lists.k && indices[r] >= 0; ++r) {
            if (r)
                out += ", ";
            out += std::to_string(answerIds[static_cast<std::size_t>(indices[r])]);
        }
        out += "]}\n";
    }
    return out;
}

bool hitAt(const std::vector<std::int64_t>& gold, const std::vector<std::int64_t>& predicted,
           std::size_t depth)
{
    const std::size_t n = std::min(depth, predicted.size());
    for (const std::int64_t id : gold)
        for (std::size_t r = 0; r < n; ++r)
            if (predicted[r] == id)
                return true;
    return false;
}

RecallScores computeRecall(const GoldStandard& gold, const Predictions& predictions)
{
    CLIPWB_CHECK(!gold.queries.empty(), "recall: no gold queries");
    std::int64_t r1 = 0, r5 = 0, r10 = 0;
    for (const std::int64_t id : gold.queries) {
        const auto& truth = gold.answers.at(id);
        const auto it = predictions.answers.find(id);
        CLIPWB_CHECK(it != predictions.answers.end(), "recall: ", queryKey(gold.direction), " ", id,
                     " has no prediction");
        r1 += hitAt(truth, it->second, 1);
        r5 += hitAt(truth, it->second, 5);
        r10 += hitAt(truth, it->second, 10);
    }
    RecallScores scores;
    scores.queries = static_cast<std::int64_t>(gold.queries.size());
    const double n = static_cast<double>(scores.queries);
    scores.r1 = static_cast<double>(r1) * 1.0 / n;
    scores.r5 = static_cast<double>(r5) * 1.0 / n;
    scores.r10 = static_cast<double>(r10) * 1.0 / n;
    scores.meanRecall = (scores.r1 + scores.r5 + scores.r10) / 3.0;
    return scores;
}

std::string upstreamScoreJson(const RecallScores& scores)
{
    const std::string score = pythonFloatRepr(scores.meanRecall * 100);
    return "{\"success\": true, \"score\": " + score + ", \"scoreJson\": {\"score\": " + score +
           ", \"mean_recall\": " + score + ", \"r1\": " + pythonFloatRepr(scores.r1 * 100) +
           ", \"r5\": " + pythonFloatRepr(scores.r5 * 100) +
           ", \"r10\": " + pythonFloatRepr(scores.r10 * 100) + "}}";
}

std::string upstreamErrorJson(const std::string& message)
{
    const std::string text = pythonJsonString(message);
    return "{\"errorDetail\": " + text + ", \"errorMsg\": " + text +
           ", \"score\": 0, \"scoreJson\": {}, \"success\": false}";
}

} // namespace clipwb::eval
