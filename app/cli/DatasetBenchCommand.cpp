#include "ArgParser.h"
#include "Commands.h"

#include "common/Error.h"
#include "data/LoaderBenchmark.h"
#include "text/Tokenizer.h"

#include <cstdio>
#include <sstream>
#include <thread>

namespace clipwb::cli {

namespace {

std::vector<int> parseWorkers(const std::string& list)
{
    std::vector<int> workers;
    std::stringstream stream(list);
    std::string item;
    while (std::getline(stream, item, ',')) {
        try {
            size_t used = 0;
            const int value = std::stoi(item, &used);
            CLIPWB_CHECK(used == item.size() && value >= 0, "bad --workers entry '", item, "'");
            workers.push_back(value);
        } catch (const std::logic_error&) {
            throw Error("bad --workers entry '" + item + "' (expected a comma-separated list like 0,1,2)");
        }
    }
    return workers;
}

} // namespace

int runDatasetBench(const Args& rawArgs)
{
    Args args = rawArgs;
    if (!args.empty() && args.front() == "bench") // called with or without the subcommand word
        args.erase(args.begin());
    ArgParser parser;
    parser.option("resolution", "image resolution (default 224)")
        .option("samples", "samples per measurement (default 2000)")
        .option("workers", "DataLoader num_workers values, comma-separated (default 0,1,2)")
        .option("batch-size", "loader batch size (default 32)")
        .flag("augment", "measure the training augmentation (use_augment) instead of the eval transform")
        .flag("json", "print one JSON object per measurement instead of a table");
    parser.parse(args);
    CLIPWB_CHECK(parser.positionals().size() == 1,
                 "usage: clipwb-cli dataset bench LMDB_SPLIT_DIR [--resolution R] "
                 "[--samples N] [--workers 0,1,2] [--batch-size B] [--augment] [--json]");
    data::LoaderBenchmarkOptions options;
    options.split = parser.positionals().front();
    options.resolution = static_cast<int>(parser.intValue("resolution", 224));
    CLIPWB_CHECK(options.resolution > 0 && options.resolution <= 4096, "bad --resolution ",
                 options.resolution);
    options.samples = parser.intValue("samples", 2000);
    options.batchSize = parser.intValue("batch-size", 32);
    CLIPWB_CHECK(options.batchSize > 0, "bad --batch-size ", options.batchSize);
    options.workers = parseWorkers(parser.valueOr("workers", "0,1,2"));
    options.augment = parser.has("augment");
    const bool json = parser.has("json");

    auto tokenizer = std::make_shared<const text::Tokenizer>(text::Tokenizer::fromEmbeddedVocab());
    if (!json)
        std::printf("%-32s %10s %10s %12s %14s\n", "measurement", "samples", "seconds", "samples/s",
                    "samples/cpu-s");
    data::runLoaderBenchmark(options, tokenizer, [&](const data::LoaderBenchmarkResult& r) {
        if (json)
            std::printf(
                "{\"name\": \"%s\", \"workers\": %d, \"samples\": %lld, \"seconds\": %.6f, "
                "\"samples_per_second\": %.3f, \"cpu_seconds\": %.6f, \"resolution\": %d, \"augment\": %s}\n",
                r.name.c_str(), r.workers, static_cast<long long>(r.samples), r.seconds, r.samplesPerSecond(),
                r.cpuSeconds, options.resolution, options.augment ? "true" : "false");
        else
            std::printf("%-32s %10lld %10.3f %12.1f %14.1f\n", r.name.c_str(),
                        static_cast<long long>(r.samples), r.seconds, r.samplesPerSecond(),
                        r.samplesPerCpuSecond());
        std::fflush(stdout);
    });
    return 0;
}

} // namespace clipwb::cli
