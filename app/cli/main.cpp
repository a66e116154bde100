// clipwb-cli: the headless workbench. See README.md ("Command line").
#include "ArgParser.h"
#include "CliTranslation.h"
#include "Commands.h"

#include "common/Error.h"
#include "common/TranslateNoop.h"

#include <c10/util/Exception.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

namespace {

using clipwb::cli::substitute;
using clipwb::cli::translate;

struct Command {
    const char* name;
    const char* summary;
    int (*run)(const clipwb::cli::Args&);
};

const Command kCommands[] = {
    {"config",
     CLIPWB_TR_NOOP("clipwb-cli", "config check FILE [flags]: print the resolved config or every error"),
     clipwb::cli::runConfig},
    {"tokenize",
     CLIPWB_TR_NOOP("clipwb-cli",
                    "tokenize [--context-length N] [--raw]: JSON strings on stdin to token ids"),
     clipwb::cli::runTokenize},
    {"dataset",
     CLIPWB_TR_NOOP("clipwb-cli", "dataset info|pairs|check|bench LMDB_SPLIT_DIR: inspect an LMDB split"),
     clipwb::cli::runDataset},
    {"build-lmdb",
     CLIPWB_TR_NOOP("clipwb-cli", "build-lmdb --data-dir DIR --splits train,valid [--lmdb-dir OUT]"),
     clipwb::cli::runBuildLmdb},
    {"make-demo-dataset",
     CLIPWB_TR_NOOP("clipwb-cli", "make-demo-dataset --out DIR [--train N] [--valid M] [--resolution R]"),
     clipwb::cli::runMakeDemoDataset},
    {"train", CLIPWB_TR_NOOP("clipwb-cli", "train [--config FILE.json] [--upstream-flag VALUE ...]"),
     clipwb::cli::runTrain},
    {"demo",
     CLIPWB_TR_NOOP("clipwb-cli",
                    "demo [--out DIR]: make the demo dataset, train on it and evaluate, headless"),
     clipwb::cli::runDemo},
    {"extract-features",
     CLIPWB_TR_NOOP("clipwb-cli", "extract-features (upstream extract_features.py flags)"),
     clipwb::cli::runExtractFeatures},
    {"make-topk-predictions",
     CLIPWB_TR_NOOP("clipwb-cli",
                    "make-topk-predictions --image-feats F --text-feats F --top-k K --output OUT"),
     clipwb::cli::runMakeTopkPredictions},
    {"evaluate", CLIPWB_TR_NOOP("clipwb-cli", "evaluate GOLD_texts.jsonl PREDICTIONS.jsonl OUTPUT.json"),
     clipwb::cli::runEvaluate},
    {"zeroshot-eval", CLIPWB_TR_NOOP("clipwb-cli", "zeroshot-eval (upstream zeroshot_evaluation.py flags)"),
     clipwb::cli::runZeroshotEval},
    {"models",
     CLIPWB_TR_NOOP(
         "clipwb-cli",
         "models list | download NAME [--mirror huggingface|modelscope|URL] | import FILE | verify NAME"),
     clipwb::cli::runModels},
    {"convert-checkpoint",
     CLIPWB_TR_NOOP("clipwb-cli", "convert-checkpoint IN OUT [--strip-optimizer] [--fp16] | --summary IN"),
     clipwb::cli::runConvertCheckpoint},
    {"export-tensorboard",
     CLIPWB_TR_NOOP("clipwb-cli",
                    "export-tensorboard RUN_DIR: TensorBoard event files from the run's metrics.jsonl"),
     clipwb::cli::runExportTensorBoard},
};

void printUsage(std::FILE* out)
{
    std::fprintf(
        out, "%s\n",
        translate("clipwb-cli", "usage: clipwb-cli COMMAND [ARGS]\n       clipwb-cli --version\n\ncommands:")
            .c_str());
    for (const Command& command : kCommands)
        std::fprintf(out, "  %s\n", translate("clipwb-cli", command.summary).c_str());
}

/// One line naming the command; the message is the core's (English).
void printError(const char* command, const char* message)
{
    std::fprintf(stderr, "%s\n",
                 substitute(translate("clipwb-cli", "clipwb-cli %1: error: %2"), {command, message}).c_str());
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
            std::printf("%s\n", substitute(translate("clipwb-cli", "usage: clipwb-cli %1\n%2"),
                                           {translate("clipwb-cli", command.summary), help.options})
                                    .c_str());
            return 0;
        } catch (const clipwb::Error& e) {
            printError(command.name, e.what());
        } catch (const c10::Error& e) {
            printError(command.name, e.what_without_backtrace());
        } catch (const std::exception& e) {
            printError(command.name, e.what());
        }
        return 1;
    }
    std::fprintf(stderr, "%s\n\n",
                 substitute(translate("clipwb-cli", "clipwb-cli: unknown command '%1'"), {name}).c_str());
    printUsage(stderr);
    return 2;
}
