// clipwb-cli: the headless workbench. See README.md ("Command line").
#include "ArgParser.h"
#include "Commands.h"

#include "common/Error.h"

#include <c10/util/Exception.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

namespace {

struct Command {
    const char* name;
    const char* summary;
    int (*run)(const clipwb::cli::Args&);
};

const Command kCommands[] = {
    {"config", "config check FILE [flags]: print the resolved config or every error", clipwb::cli::runConfig},
    {"tokenize", "tokenize [--context-length N] [--raw]: JSON strings on stdin to token ids",
     clipwb::cli::runTokenize},
    {"dataset", "dataset info|pairs|check|bench LMDB_SPLIT_DIR: inspect an LMDB split",
     clipwb::cli::runDataset},
    {"build-lmdb", "build-lmdb --data-dir DIR --splits train,valid [--lmdb-dir OUT]",
     clipwb::cli::runBuildLmdb},
    {"make-demo-dataset", "make-demo-dataset --out DIR [--train N] [--valid M] [--resolution R]",
     clipwb::cli::runMakeDemoDataset},
    {"train", "train [--config FILE.json] [--upstream-flag VALUE ...]", clipwb::cli::runTrain},
    {"demo", "demo [--out DIR]: make the demo dataset, train on it and evaluate, headless",
     clipwb::cli::runDemo},
    {"extract-features", "extract-features (upstream extract_features.py flags)",
     clipwb::cli::runExtractFeatures},
    {"make-topk-predictions", "make-topk-predictions --image-feats F --text-feats F --top-k K --output OUT",
     clipwb::cli::runMakeTopkPredictions},
    {"evaluate", "evaluate GOLD_texts.jsonl PREDICTIONS.jsonl OUTPUT.json", clipwb::cli::runEvaluate},
    {"zeroshot-eval", "zeroshot-eval (upstream zeroshot_evaluation.py flags)", clipwb::cli::runZeroshotEval},
    {"models", "models list | download NAME [--mirror huggingface|modelscope|URL] | import FILE | verify NAME",
     clipwb::cli::runModels},
    {"convert-checkpoint", "convert-checkpoint IN OUT [--strip-optimizer] [--fp16] | --summary IN",
     clipwb::cli::runConvertCheckpoint},
    {"export-tensorboard", "export-tensorboard RUN_DIR: TensorBoard event files from the run's metrics.jsonl",
     clipwb::cli::runExportTensorBoard},
};

void printUsage(std::FILE* out)
{
    std::fprintf(out, "usage: clipwb-cli COMMAND [ARGS]\n       clipwb-cli --version\n\ncommands:\n");
    for (const Command& command : kCommands)
        std::fprintf(out, "  %s\n", command.summary);
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
        !std::strcmp(argv[1], "help")) {
        printUsage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!std::strcmp(argv[1], "--version")) {
        std::printf("clipwb-cli %s\n", CLIPWB_VERSION);
        return 0;
    }
    const std::string name = argv[1];
    const clipwb::cli::Args args(argv + 2, argv + argc);
    for (const Command& command : kCommands) {
        if (name != command.name)
            continue;
        try {
            return command.run(args);
        } catch (const clipwb::cli::HelpRequested& help) {
            std::printf("usage: clipwb-cli %s\n%s\n", command.summary, help.options.c_str());
            return 0;
        } catch (const clipwb::Error& e) {
            std::fprintf(stderr, "clipwb-cli %s: error: %s\n", command.name, e.what());
        } catch (const c10::Error& e) {
            std::fprintf(stderr, "clipwb-cli %s: error: %s\n", command.name, e.what_without_backtrace());
        } catch (const std::exception& e) {
            std::fprintf(stderr, "clipwb-cli %s: error: %s\n", command.name, e.what());
        }
        return 1;
    }
    std::fprintf(stderr, "clipwb-cli: unknown command '%s'\n\n", name.c_str());
    printUsage(stderr);
    return 2;
}
