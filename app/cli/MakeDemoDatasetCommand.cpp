#include "ArgParser.h"
#include "Commands.h"
#include "ProgressBar.h"

#include "common/Error.h"
#include "data/DemoDataset.h"

#include <iostream>

namespace clipwb::cli {

int runMakeDemoDataset(const Args& args)
{
    ArgParser parser;
    parser.option("out", "output folder")
        .option("train", "training images (default 2000)")
        .option("valid", "validation images (default 200)")
        .option("resolution", "image size in pixels (default 64)")
        .option("seed", "random seed (default 20240601)");
    parser.parse(args);
    CLIPWB_CHECK(parser.positionals().empty(), "unexpected argument '", parser.positionals().front(), "'");
    data::DemoDatasetOptions options;
    options.outDir = parser.required("out");
    options.trainImages = parser.intValue("train", options.trainImages);
    options.validImages = parser.intValue("valid", options.validImages);
    options.resolution = static_cast<int>(parser.intValue("resolution", options.resolution));
    const long long seed = parser.intValue("seed", static_cast<long long>(options.seed));
    CLIPWB_CHECK(seed >= 0, "--seed must not be negative");
    options.seed = static_cast<std::uint64_t>(seed);
    ProgressBar bar("demo dataset", 1000);
    const auto summary = data::makeDemoDataset(options, [&](const Progress& p) {
        bar.update(static_cast<std::int64_t>(p.fraction * 1000), p.stage);
        return true;
    });
    bar.finish();
    std::cerr << "Demo dataset in " << options.outDir.string() << ": train " << summary.trainPairs << " pairs ("
              << summary.trainTexts << " captions), valid " << summary.validPairs << " pairs (" << summary.validTexts
              << " captions); LMDB in " << (options.outDir / "lmdb").string() << "\n";
    return 0;
}

} // namespace clipwb::cli
