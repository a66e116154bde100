#pragma once
// Upstream's retrieval files and recall, as cn_clip/eval/evaluation.py
// (text to image) and evaluation_tr.py (image to text) compute them:
// gold jsonl, top-k prediction jsonl and output.json, byte for byte.
#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

namespace clipwb::eval {

struct TopKLists;

enum class RetrievalDirection { TextToImage, ImageToText };

/// Key names of a direction: query "text_id", answers "image_ids" (or the reverse).
const char* queryKey(RetrievalDirection direction);
const char* answersKey(RetrievalDirection direction);

/// Gold answers per query id; queries in first-appearance order (a later line
/// with the same id replaces the answers, as a Python dict does).
struct GoldStandard {
    RetrievalDirection direction = RetrievalDirection::TextToImage;
    std::vector<std::int64_t> queries;
    std::unordered_map<std::int64_t, std::vector<std::int64_t>> answers;
};

/// Reads `{"text_id", "image_ids"}` lines (an upstream X_texts.jsonl) or, when the
/// first object has "image_id" and "text_ids", an evaluation_tr gold file.
GoldStandard readGoldJsonl(const std::filesystem::path& path);
/// Image-to-text gold from text-to-image gold, as upstream's transform_ir_annotation_to_tr.py.
GoldStandard invertGold(const GoldStandard& textToImage);

/// Predicted answers per query id, best first.
struct Predictions {
    RetrievalDirection direction = RetrievalDirection::TextToImage;
    std::unordered_map<std::int64_t, std::vector<std::int64_t>> answers;
};

/// Reads a prediction jsonl with upstream's checks (k answers, integer ids, no
/// duplicates, every gold query answered); the direction comes from the first line.
/// Errors name the file and line.
Predictions readPredictionsJsonl(const std::filesystem::path& path, const GoldStandard& gold, int k = 10);

/// One prediction line per query, in the order of queryIds, as upstream writes them:
/// {"text_id": 1, "image_ids": [3, 4]}. lists hold row indices into answerIds.
std::string predictionsJsonl(RetrievalDirection direction, const std::vector<std::int64_t>& queryIds,
                             const TopKLists& lists, const std::vector<std::int64_t>& answerIds);

/// Fractions (0..1), as upstream computes them before scaling to percent.
struct RecallScores {
    double r1 = 0, r5 = 0, r10 = 0;
    double meanRecall = 0; ///< (r1 + r5 + r10) / 3
    std::int64_t queries = 0;
};

RecallScores computeRecall(const GoldStandard& gold, const Predictions& predictions);
/// True when one of the query's gold answers is in the first `depth` predictions.
bool hitAt(const std::vector<std::int64_t>& gold, const std::vector<std::int64_t>& predicted, std::size_t depth);

/// upstream's output.json: {"success": true, "score": .., "scoreJson": {..}} in percent, no newline.
std::string upstreamScoreJson(const RecallScores& scores);
/// upstream's failure report: {"errorDetail", "errorMsg", "score": 0, "scoreJson": {}, "success": false}.
std::string upstreamErrorJson(const std::string& message);

} // namespace clipwb::eval
