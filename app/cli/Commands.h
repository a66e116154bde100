#pragma once
// One function per clipwb-cli subcommand: it parses its arguments and calls
// the core. Each returns the exit code; clipwb::Error escapes to main(),
// which prints its one-line message and exits 1.
#include <string>
#include <vector>

namespace clipwb::cli {

using Args = std::vector<std::string>;

int runConfig(const Args& args);          // config check FILE [flags]
int runTokenize(const Args& args);        // tokenize [--context-length N] [--raw]
int runDataset(const Args& args);         // dataset info|pairs|check|bench LMDB_SPLIT_DIR
int runDatasetBench(const Args& args);    // dataset bench LMDB_SPLIT_DIR [...]
int runBuildLmdb(const Args& args);       // build-lmdb --data-dir DIR --splits a,b
int runMakeDemoDataset(const Args& args); // make-demo-dataset --out DIR
int runTrain(const Args& args);           // train [--config FILE] [--flags]
int runDemo(const Args& args);            // demo [--out DIR]: dataset + train + eval, headless
int runExtractFeatures(const Args& args); // extract-features (upstream flags)
int runMakeTopkPredictions(const Args& args);
int runEvaluate(const Args& args);          // evaluate GOLD PRED OUT
int runConvertCheckpoint(const Args& args); // convert-checkpoint IN OUT | --summary IN
int runModels(const Args& args);           // models list|download|import|verify|path
int runZeroshotEval(const Args& args);     // zeroshot-eval (upstream zeroshot_evaluation.py flags)
int runExportTensorBoard(const Args& args); // export-tensorboard RUN_DIR

} // namespace clipwb::cli
