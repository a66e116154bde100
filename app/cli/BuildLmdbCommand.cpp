#include "ArgParser.h"
#include "Commands.h"
#include "ProgressBar.h"

#include "common/Error.h"
#include "data/LmdbBuilder.h"

#include <iostream>
#include <memory>
#include <sstream>

namespace clipwb::cli {

int runBuildLmdb(const Args& args)
{
    ArgParser parser;
    parser.option("data-dir", "folder with {split}_imgs.tsv and {split}_texts.jsonl")
        .option("splits", "comma-separated splits (default train,valid)")
        .option("lmdb-dir", "output folder (default DATA_DIR/lmdb)");
    parser.parse(args);
    CLIPWB_CHECK(parser.positionals().empty(), "unexpected argument '", parser.positionals().front(), "'");
    data::BuildLmdbOptions options;
    options.dataDir = parser.required("data-dir");
    options.lmdbDir = parser.valueOr("lmdb-dir", "");
    options.splits.clear();
    std::stringstream splits(parser.valueOr("splits", "train,valid"));
    for (std::string s; std::getline(splits, s, ',');)
        if (!s.empty())
            options.splits.push_back(s);

    std::unique_ptr<ProgressBar> bar;
    std::string current;
    const auto results = data::buildLmdb(options, [&](const Progress& p) {
        if (p.stage != current) {
            if (bar)
                bar->finish();
            bar = std::make_unique<ProgressBar>(p.stage, p.total);
            current = p.stage;
        }
        bar->update(p.done, p.detail);
        return true;
    });
    if (bar)
        bar->finish();
    for (const auto& r : results)
        std::cerr << "Finished " << r.split << ": " << r.numSamples << " pairs, " << r.numImages << " images in "
                  << r.path.string() << "\n";
    return 0;
}

} // namespace clipwb::cli
