#include "ArgParser.h"
#include "Commands.h"

#include "common/AtomicFile.h"
#include "common/Error.h"
#include "eval/RecallEvaluation.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>

namespace clipwb::cli {
namespace {

/// Image-to-text when the prediction file's first object has "image_id" and no "text_id".
bool predictionsLookImageToText(const std::string& path)
{
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        if (line.find_first_not_of(" \t\r\n") == std::string::npos)
            continue;
        const auto object = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
        return object.is_object() && !object.contains("text_id") && object.contains("image_id");
    }
    return false;
}

} // namespace

// Upstream: evaluation.py GOLD PRED OUT (text to image) and evaluation_tr.py
// (image to text). The direction follows the prediction file (or
// --image-to-text); image-to-text gold may be the texts jsonl itself, inverted
// as transform_ir_annotation_to_tr.py does.
int runEvaluate(const Args& args)
{
    ArgParser parser;
    parser.flag("image-to-text", "evaluate image-to-text predictions ({\"image_id\", \"text_ids\"})")
        .option("top-k", "predictions required per query (default 10, as upstream)")
        .flag("error-report", "on bad input also write upstream's failure JSON to OUTPUT (exit code stays 1)");
    parser.parse(args);
    const auto& positional = parser.positionals();
    CLIPWB_CHECK(positional.size() == 3, "usage: clipwb-cli evaluate GOLD_texts.jsonl PREDICTIONS.jsonl OUTPUT.json");
    const std::string goldPath = positional[0], predictionPath = positional[1], outputPath = positional[2];
    const int k = static_cast<int>(parser.intValue("top-k", 10));
    CLIPWB_CHECK(k > 0, "--top-k must be positive");

    try {
        eval::GoldStandard gold = eval::readGoldJsonl(goldPath);
        const bool imageToText = parser.has("image-to-text") || predictionsLookImageToText(predictionPath);
        if (imageToText && gold.direction == eval::RetrievalDirection::TextToImage)
            gold = eval::invertGold(gold);
        CLIPWB_CHECK(imageToText || gold.direction == eval::RetrievalDirection::TextToImage, goldPath,
                     ": image-to-text gold given for text-to-image predictions");
        const eval::Predictions predictions = eval::readPredictionsJsonl(predictionPath, gold, k);
        const eval::RecallScores scores = eval::computeRecall(gold, predictions);
        writeFileAtomic(outputPath, eval::upstreamScoreJson(scores));
        std::printf("%s: R@1 %.2f  R@5 %.2f  R@10 %.2f  mean recall %.2f  (%lld queries)\n",
                    imageToText ? "image to text" : "text to image", scores.r1 * 100, scores.r5 * 100,
                    scores.r10 * 100, scores.meanRecall * 100, static_cast<long long>(scores.queries));
        return 0;
    } catch (const Error& e) {
        if (parser.has("error-report"))
            writeFileAtomic(outputPath, eval::upstreamErrorJson(e.what()));
        throw;
    }
}

} // namespace clipwb::cli
