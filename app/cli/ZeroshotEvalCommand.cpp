#include "ArgParser.h"
#include "Commands.h"
#include "ProgressBar.h"

#include "common/Error.h"
#include "eval/FeatureExtractor.h"
#include "eval/PythonJson.h"
#include "zeroshot/ImageFolder.h"
#include "zeroshot/LabelFile.h"
#include "zeroshot/PromptTemplates.h"
#include "zeroshot/UpstreamZeroShotFile.h"
#include "zeroshot/ZeroShotEncoder.h"
#include "zeroshot/ZeroShotScores.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <thread>

namespace clipwb::cli {

// Upstream: cn_clip/eval/zeroshot_evaluation.py, same flags, defaults, printout and output file.
int runZeroshotEval(const Args& args)
{
    ArgParser parser;
    parser.option("datapath", "the test set: one sub-folder of images per class (required)")
        .option("label-file", "class names, one a line (class i = line i)")
        .option("dataset",
                "dataset name: chooses the prompt templates and names the output (default imagenet)")
        .option("index", "JSON list of image indices: the order of the output rows")
        .option("save-dir", "folder for {dataset}.json (default: the current folder)")
        .option("img-batch-size", "image batch size (default 64)")
        .option("context-length", "text length with [CLS] and [SEP] (default 52)")
        .option("resume", "the checkpoint")
        .option("precision", "amp, fp16 or fp32 (default amp)")
        .option("vision-model", "vision config name or JSON (default ViT-B-16)")
        .option("text-model", "text config name or JSON (default RoBERTa-wwm-ext-base-chinese)")
        .option("num-workers", "accepted for upstream compatibility (images are decoded by a thread pool)")
        .option("vocab", "vocab file (default: the shipped vocab)")
        .option("device", "auto, cpu, cuda or cuda:N (default auto: CUDA when available)");
    parser.parse(args);
    CLIPWB_CHECK(parser.positionals().empty(), "unexpected argument '", parser.positionals().front(), "'");

    std::map<std::string, std::string> params{
        {"context_length", std::to_string(parser.intValue("context-length", 52))},
        {"datapath", parser.required("datapath")},
        {"dataset", parser.valueOr("dataset", "imagenet")},
        {"img_batch_size", std::to_string(parser.intValue("img-batch-size", 64))},
        {"index", parser.valueOr("index", "")},
        {"label_file", parser.valueOr("label-file", "None")},
        {"num_workers", std::to_string(parser.intValue("num-workers", 4))},
        {"precision", parser.valueOr("precision", "amp")},
        {"resume", parser.valueOr("resume", "None")},
        {"save_dir", parser.valueOr("save-dir", "")},
        {"text_model", parser.valueOr("text-model", "RoBERTa-wwm-ext-base-chinese")},
        {"vision_model", parser.valueOr("vision-model", "ViT-B-16")},
    };
    std::printf("Params:\n");
    for (const auto& [name, value] : params)
        std::printf("  %s: %s\n", name.c_str(), value.c_str());
    std::fflush(stdout);

    if (!std::getenv("OMP_NUM_THREADS"))
        at::set_num_threads(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));

    eval::FeatureExtractorOptions options;
    options.checkpoint = parser.required("resume");
    options.visionModel = params["vision_model"];
    options.textModel = params["text_model"];
    options.contextLength = static_cast<int>(parser.intValue("context-length", 52));
    options.precision = params["precision"];
    options.device = parser.valueOr("device", "auto");
    options.vocab = parser.valueOr("vocab", "");
    const long long batchSize = parser.intValue("img-batch-size", 64);
    CLIPWB_CHECK(batchSize > 0, "--img-batch-size must be positive");
    const std::string dataset = params["dataset"];

    // Inputs are checked before the model is built, so that a typo fails fast.
    const std::string labelFile = parser.required("label-file");
    const std::vector<std::string> classNames = zeroshot::readLabelFile(labelFile);
    std::printf("Preparing zeroshot dataset.\n");
    const zeroshot::ImageFolder folder = zeroshot::ImageFolder::scan(params["datapath"]);
    CLIPWB_CHECK(classNames.size() >= folder.classFolders().size(), labelFile, " names ", classNames.size(),
                 " classes but ", params["datapath"], " has ", folder.classFolders().size(),
                 " class folders");
    std::vector<std::int64_t> index;
    if (!params["index"].empty())
        index = zeroshot::readIndexFile(params["index"]);
    const zeroshot::PromptTemplates templates = zeroshot::templatesForDataset(dataset);

    std::printf("Begin to load model checkpoint from %s.\n", options.checkpoint.c_str());
    std::fflush(stdout);
    eval::FeatureExtractor extractor(options);
    std::printf("=> loaded checkpoint '%s' (epoch %lld @ %lld steps)\n", options.checkpoint.c_str(),
                static_cast<long long>(extractor.checkpointEpoch().value_or(0)),
                static_cast<long long>(extractor.checkpointStep().value_or(0)));
    std::fprintf(stderr, "%lld images of %zu classes; %zu prompt templates (\"%s\"); on %s\n",
                 static_cast<long long>(folder.size()), classNames.size(), templates.templates.size(),
                 templates.key.c_str(), extractor.device().str().c_str());
    std::printf("Building zero-shot classifier\n");
    std::fflush(stdout);

    torch::Tensor classifier;
    {
        ProgressBar bar("classes", static_cast<std::int64_t>(classNames.size()));
        classifier =
            zeroshot::buildClassifier(extractor, classNames, templates.templates, [&](const Progress& p) {
                bar.update(p.done);
                return true;
            });
        bar.finish();
    }
    std::printf("Using classifier\n");
    std::fflush(stdout);
    torch::Tensor features;
    {
        ProgressBar bar("images", folder.size());
        features = zeroshot::encodeImageFolder(extractor, folder, batchSize, [&](const Progress& p) {
            bar.update(p.done);
            return true;
        });
        bar.finish();
    }
    const zeroshot::ZeroShotScores scores = zeroshot::scoreImages(features, classifier, folder.targets());

    zeroshot::UpstreamZeroShotOutput output;
    output.modelName = zeroshot::upstreamModelName(params["vision_model"]);
    output.datasetName = dataset;
    output.numParams = extractor.parameterCount();
    output.numVisualParams = extractor.visualParameterCount();
    output.classes = scores.classes();
    if (!params["index"].empty()) {
        std::printf("Use index to rearrange the logits...\n[");
        for (std::size_t i = 0; i < index.size(); ++i)
            std::printf(i ? ", %lld" : "%lld", static_cast<long long>(index[i]));
        std::printf("]\n");
        output.probabilities = scores.probabilitiesInOrder(index, params["index"]);
        output.rows = static_cast<std::int64_t>(index.size());
    } else {
        output.probabilities = scores.probabilities();
        output.rows = scores.images();
    }
    std::printf("torch.Size([%lld, %lld])\n", static_cast<long long>(output.rows),
                static_cast<long long>(output.classes));
    const std::filesystem::path written = zeroshot::writeUpstreamZeroShotJson(params["save_dir"], output);
    std::fprintf(stderr, "top-1 %lld/%lld, top-5 %lld/%lld; predictions written to %s\n",
                 static_cast<long long>(scores.correctTop1()), static_cast<long long>(scores.images()),
                 static_cast<long long>(scores.correctTop5()), static_cast<long long>(scores.images()),
                 written.string().c_str());
    std::printf("Result:\nzeroshot-top1: %s\nFinished.\n", eval::pythonFloatRepr(scores.top1()).c_str());
    return 0;
}

} // namespace clipwb::cli
