#include "ArgParser.h"
#include "Commands.h"
#include "ProgressBar.h"

#include "common/Error.h"
#include "data/DatasetChecker.h"
#include "data/LmdbSplit.h"

#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>

namespace clipwb::cli {

namespace {

const char* kUsage = "dataset info|pairs|check|bench LMDB_SPLIT_DIR";

int runInfo(const Args& args)
{
    ArgParser parser;
    parser.parse(args);
    CLIPWB_CHECK(parser.positionals().size() == 1, "usage: dataset info LMDB_SPLIT_DIR");
    const data::LmdbSplit split(parser.positionals()[0]);
    nlohmann::ordered_json j{{"path", split.path().string()},
                     {"num_samples", split.numSamples()},
                     {"num_images", split.numImages()}};
    std::cout << j.dump(2) << "\n";
    return 0;
}

int runPairs(const Args& args)
{
    ArgParser parser;
    parser.option("offset", "first pair index (default 0)").option("limit", "most pairs to print (default all)");
    parser.parse(args);
    CLIPWB_CHECK(parser.positionals().size() == 1, "usage: dataset pairs LMDB_SPLIT_DIR [--offset K] [--limit N]");
    const data::LmdbSplit split(parser.positionals()[0]);
    const long long offset = parser.intValue("offset", 0);
    const long long limit = parser.intValue("limit", -1);
    CLIPWB_CHECK(offset >= 0, "--offset must not be negative");
    const std::int64_t end =
        limit < 0 ? split.numSamples() : std::min<std::int64_t>(split.numSamples(), offset + limit);
    std::ios::sync_with_stdio(false);
    for (std::int64_t i = offset; i < end; ++i) {
        const data::PairRecord pair = split.pair(i);
        const nlohmann::ordered_json j{{"index", pair.index}, {"image_id", pair.imageId}, {"text_id", pair.textId},
                               {"text", pair.text}};
        std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    }
    std::cout.flush();
    return 0;
}

int runCheck(const Args& args)
{
    ArgParser parser;
    parser.flag("no-images", "skip decoding the images");
    parser.parse(args);
    CLIPWB_CHECK(parser.positionals().size() == 1, "usage: dataset check LMDB_SPLIT_DIR [--no-images]");
    data::DatasetCheckOptions options;
    options.decodeImages = !parser.has("no-images");
    std::unique_ptr<ProgressBar> bar;
    const auto report = data::checkDataset(parser.positionals()[0], options, [&](const Progress& p) {
        if (!bar)
            bar = std::make_unique<ProgressBar>("check", p.total);
        bar->update(p.done);
        return true;
    });
    if (bar)
        bar->finish(report.problems.empty() ? "clean" : std::to_string(report.problems.size()) + " problems");
    std::cout << report.toJson(2) << "\n";
    return report.clean() ? 0 : 1;
}

} // namespace

int runDataset(const Args& args)
{
    CLIPWB_CHECK(!args.empty(), "usage: ", kUsage);
    const std::string sub = args[0];
    const Args rest(args.begin() + 1, args.end());
    if (sub == "info")
        return runInfo(rest);
    if (sub == "pairs")
        return runPairs(rest);
    if (sub == "check")
        return runCheck(rest);
    if (sub == "bench")
        return runDatasetBench(rest);
    throw Error("unknown dataset subcommand '" + sub + "'; usage: " + kUsage);
}

} // namespace clipwb::cli
