#include "Commands.h"
#include "TrainConsole.h"

#include "common/Error.h"
#include "config/TrainConfig.h"
#include "data/DemoDataset.h"
#include "train/Trainer.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

namespace clipwb::cli {
namespace {

namespace fs = std::filesystem;

void makeDatasetIfMissing(const fs::path& dir)
{
    if (fs::exists(dir / "lmdb" / "train" / "pairs") && fs::exists(dir / "lmdb" / "valid" / "pairs")) {
        std::fprintf(stderr, "demo dataset: %s (already there)\n", dir.string().c_str());
        return;
    }
    std::fprintf(stderr, "demo dataset: drawing images and captions into %s\n", dir.string().c_str());
    data::DemoDatasetOptions options;
    options.outDir = dir;
    data::makeDemoDataset(options, nullptr);
}

void printValidation(const char* label, const train::ValidationMetrics& v)
{
    std::printf("%-7s valid loss %.4f | in-batch accuracy image->text %.1f%%, text->image %.1f%% (%lld pairs)\n",
                label, v.loss, v.i2t * 100, v.t2i * 100, static_cast<long long>(v.numSamples));
    if (v.hasRecall)
        std::printf("%-7s retrieval over the whole split: text->image R@1 %.1f R@5 %.1f R@10 %.1f | "
                    "image->text R@1 %.1f R@5 %.1f R@10 %.1f | mean recall %.1f\n",
                    "", v.t2iR1, v.t2iR5, v.t2iR10, v.i2tR1, v.i2tR5, v.i2tR10, v.meanRecall);
}

} // namespace

int runDemo(const Args& args)
{
    fs::path dir = "clipwb-demo";
    std::vector<std::string> flags;
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--out") {
            CLIPWB_CHECK(i + 1 < args.size(), "--out needs a folder");
            dir = args[++i];
        } else if (args[i].rfind("--out=", 0) == 0) {
            dir = args[i].substr(6);
        } else if (args[i] == "--help" || args[i] == "-h") {
            std::printf("usage: clipwb-cli demo [--out DIR] [--upstream-flag VALUE ...]\n"
                        "Makes the demo dataset in DIR (default ./clipwb-demo) if missing, trains the demo preset\n"
                        "(Tiny-ViT + Tiny-BERT) on it and prints the validation accuracy and retrieval recall (R@1/5/10) before and after.\n");
            return 0;
        } else {
            flags.push_back(args[i]);
        }
    }
    fs::create_directories(dir);
    dir = fs::absolute(dir);
    makeDatasetIfMissing(dir);

    config::ConfigResult preset = config::loadPreset("demo", dir);
    std::vector<config::ConfigIssue> issues = preset.issues;
    config::applyFlags(preset.config, flags, issues, fs::current_path());
    for (auto& issue : config::validate(preset.config))
        issues.push_back(issue);
    preset.issues = issues;
    const config::TrainConfig& cfg = config::requireValid(preset);

    // The demo always trains anew: an earlier demo run would otherwise be resumed, as upstream does.
    const fs::path runDir = config::runFolder(cfg);
    if (!cfg.resume && fs::exists(runDir / "checkpoints"))
        fs::remove_all(runDir);

    const auto t0 = std::chrono::steady_clock::now();
    const train::ValidationMetrics before = train::Trainer(cfg).evaluateOnly();
    trainWithConsole(cfg);
    const train::ValidationMetrics after = train::Trainer(cfg).evaluateOnly();
    const double minutes = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / 60;

    std::printf("\nclipwb demo: %s + %s trained on %s for %.1f minutes\n", cfg.vision_model.c_str(),
                cfg.text_model.c_str(), cfg.train_data.c_str(), minutes);
    printValidation("before", before);
    printValidation("after", after);
    std::printf("chance   in-batch accuracy %.1f%% (batches of %d); R@1 %.1f%% (1 in %lld pairs)\n",
                100.0 / cfg.valid_batch_size, cfg.valid_batch_size,
                after.numSamples > 0 ? 100.0 / static_cast<double>(after.numSamples) : 0.0,
                static_cast<long long>(after.numSamples));
    std::printf("run folder %s (metrics.jsonl, train.log, checkpoints/)\n", runDir.string().c_str());
    return 0;
}

} // namespace clipwb::cli
