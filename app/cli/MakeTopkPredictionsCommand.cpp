#include "ArgParser.h"
#include "Commands.h"

#include "common/Error.h"
#include "eval/TopkPredictionFiles.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace clipwb::cli {

// Upstream: make_topk_predictions.py (text to image) and make_topk_predictions_tr.py
// (image to text, here --image-to-text), same flags and files.
int runMakeTopkPredictions(const Args& args)
{
    ArgParser parser;
    parser.option("image-feats", "image feature jsonl ({\"image_id\", \"feature\"} lines)")
        .option("text-feats", "text feature jsonl ({\"text_id\", \"feature\"} lines)")
        .option("top-k", "predictions per query (default 10)")
        .option("eval-batch-size", "images per score block (upstream flag; default 4096 here)")
        .option("text-batch-size", "texts per score block (default 2048)")
        .option("output", "prediction jsonl to write")
        .option("image-to-text-output", "also write image-to-text predictions here (same pass)")
        .flag("image-to-text", "write image-to-text predictions to --output, as make_topk_predictions_tr.py");
    parser.parse(args);
    CLIPWB_CHECK(parser.positionals().empty(), "unexpected argument '", parser.positionals().front(), "'");

    eval::TopkPredictionJob job;
    job.imageFeatures = parser.required("image-feats");
    job.textFeatures = parser.required("text-feats");
    job.k = parser.intValue("top-k", 10);
    job.imageBlock = parser.intValue("eval-batch-size", 4096);
    job.textBlock = parser.intValue("text-batch-size", 2048);
    CLIPWB_CHECK(job.imageBlock > 0 && job.textBlock > 0, "block sizes must be positive");
    const std::string output = parser.required("output");
    if (parser.has("image-to-text"))
        job.imageToTextOutput = output;
    else
        job.textToImageOutput = output;
    if (const auto extra = parser.value("image-to-text-output")) {
        CLIPWB_CHECK(!parser.has("image-to-text"), "--image-to-text-output cannot be combined with --image-to-text");
        job.imageToTextOutput = *extra;
    }

    // LibTorch counts physical cores (one on some virtual machines); use every core unless told.
    if (!std::getenv("OMP_NUM_THREADS"))
        at::set_num_threads(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
    const eval::TopkPredictionReport report = eval::makeTopkPredictionFiles(job);
    std::fprintf(stderr, "%lld images, %lld texts, dim %lld: read %.3f s, top-%lld %.3f s, write %.3f s\n",
                 static_cast<long long>(report.images), static_cast<long long>(report.texts),
                 static_cast<long long>(report.dim), report.readSeconds, static_cast<long long>(job.k),
                 report.searchSeconds, report.writeSeconds);
    std::printf("Top-%lld predictions are saved in %s\n", static_cast<long long>(job.k), output.c_str());
    if (!job.imageToTextOutput.empty() && job.imageToTextOutput != output)
        std::printf("Top-%lld image-to-text predictions are saved in %s\n", static_cast<long long>(job.k),
                    job.imageToTextOutput.c_str());
    return 0;
}

} // namespace clipwb::cli
