#include "ArgParser.h"
#include "Commands.h"
#include "ProgressBar.h"

#include "common/Error.h"
#include "data/LmdbSplit.h"
#include "eval/FeatureExtractor.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace clipwb::cli {
namespace {

/// Python's str.replace (every occurrence).
std::string replaceAll(std::string text, const std::string& from, const std::string& to)
{
    for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
    return text;
}

} // namespace

// Upstream: cn_clip/eval/extract_features.py, same flags, defaults and output paths.
int runExtractFeatures(const Args& args)
{
    ArgParser parser;
    parser.flag("extract-image-feats", "extract image features")
        .flag("extract-text-feats", "extract text features")
        .option("image-data", "the image LMDB folder (LMDB/split/imgs)")
        .option("text-data", "the texts jsonl ({\"text_id\", \"text\", ...} a line)")
        .option("image-feat-output-path", "default: TEXT_DATA with _texts.jsonl replaced by _imgs.img_feat.jsonl")
        .option("text-feat-output-path", "default: TEXT_DATA without .jsonl, plus .txt_feat.jsonl")
        .option("img-batch-size", "image batch size (default 64)")
        .option("text-batch-size", "text batch size (default 64)")
        .option("context-length", "text length with [CLS] and [SEP] (default 52)")
        .option("resume", "the checkpoint")
        .option("precision", "amp, fp16 or fp32 (default amp)")
        .option("vision-model", "vision config name or JSON (default ViT-B-16)")
        .option("text-model", "text config name or JSON (default RoBERTa-wwm-ext-base-chinese)")
        .option("vocab", "vocab file (default: the shipped vocab)")
        .option("device", "auto, cpu, cuda or cuda:N (default auto: CUDA when available)")
        .flag("debug", "accepted for upstream compatibility");
    parser.parse(args);
    CLIPWB_CHECK(parser.positionals().empty(), "unexpected argument '", parser.positionals().front(), "'");
    const bool images = parser.has("extract-image-feats"), texts = parser.has("extract-text-feats");
    CLIPWB_CHECK(images || texts, "--extract-image-feats and --extract-text-feats cannot both be missing");

    const std::string imageData = parser.valueOr("image-data", "../Multimodal_Retrieval/lmdb/test/imgs");
    const std::string textData = parser.valueOr("text-data", "../Multimodal_Retrieval/test_texts.jsonl");
    const long long imageBatch = parser.intValue("img-batch-size", 64);
    const long long textBatch = parser.intValue("text-batch-size", 64);

    if (!std::getenv("OMP_NUM_THREADS"))
        at::set_num_threads(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));

    eval::FeatureExtractorOptions options;
    options.checkpoint = parser.required("resume");
    options.visionModel = parser.valueOr("vision-model", "ViT-B-16");
    options.textModel = parser.valueOr("text-model", "RoBERTa-wwm-ext-base-chinese");
    options.contextLength = static_cast<int>(parser.intValue("context-length", 52));
    options.precision = parser.valueOr("precision", "amp");
    options.device = parser.valueOr("device", "auto");
    options.vocab = parser.valueOr("vocab", "");

    // Inputs are checked before the model is built, so that a typo fails fast.
    std::vector<std::pair<std::int64_t, std::string>> textRows;
    if (texts)
        textRows = eval::readTextsJsonl(textData);
    std::unique_ptr<data::LmdbSplit> split;
    std::vector<std::int64_t> imageIds;
    if (images) {
        // upstream reads the imgs environment; the split folder holds it next to pairs/
        const std::filesystem::path imagesDir = std::filesystem::path(imageData);
        CLIPWB_CHECK(std::filesystem::is_directory(imagesDir), "the image LMDB directory ", imageData,
                     " does not exist");
        split = std::make_unique<data::LmdbSplit>(imagesDir.lexically_normal().parent_path());
        imageIds = split->imageIds();
        const std::int64_t count = split->numImages();
        if (static_cast<std::int64_t>(imageIds.size()) > count) // upstream reads num_images entries
            imageIds.resize(static_cast<std::size_t>(count));
    }

    eval::FeatureExtractor extractor(options);
    std::fprintf(stderr, "loaded checkpoint %s (epoch %lld @ %lld steps) on %s\n", options.checkpoint.c_str(),
                 static_cast<long long>(extractor.checkpointEpoch().value_or(-1)),
                 static_cast<long long>(extractor.checkpointStep().value_or(-1)), extractor.device().str().c_str());

    if (texts) {
        const std::string output = parser.valueOr(
            "text-feat-output-path", textData.substr(0, textData.size() >= 6 ? textData.size() - 6 : 0) + ".txt_feat.jsonl");
        ProgressBar bar("texts", static_cast<std::int64_t>(textRows.size()));
        const eval::FeatureTable table =
            extractor.extractTexts(textRows, textBatch, [&](const Progress& p) {
            bar.update(p.done);
            return true;
        });
        bar.finish();
        table.writeJsonl(output);
        std::printf("%lld text features are stored in %s\n", static_cast<long long>(table.rows()), output.c_str());
    }
    if (images) {
        const std::string output = parser.valueOr("image-feat-output-path",
                                                  replaceAll(textData, "_texts.jsonl", "_imgs") + ".img_feat.jsonl");
        ProgressBar bar("images", static_cast<std::int64_t>(imageIds.size()));
        const eval::FeatureTable table = extractor.extractImages(
            *split, imageIds, imageBatch, [&](const Progress& p) {
                bar.update(p.done);
                return true;
            });
        bar.finish();
        table.writeJsonl(output);
        std::printf("%lld image features are stored in %s\n", static_cast<long long>(table.rows()), output.c_str());
    }
    return 0;
}

} // namespace clipwb::cli
