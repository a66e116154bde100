#include "ArgParser.h"
#include "Commands.h"

#include "common/Error.h"
#include "train/TensorBoardExport.h"

#include <cstdio>

namespace clipwb::cli {

int runExportTensorBoard(const Args& args)
{
    ArgParser parser;
    parser.parse(args);
    CLIPWB_CHECK(parser.positionals().size() == 1, "usage: export-tensorboard RUN_DIR");
    const auto result = train::exportTensorBoard(parser.positionals()[0]);
    std::printf("%s\n", result.file.string().c_str());
    std::fprintf(stderr, "wrote %zu events", result.events);
    if (result.replacedFiles)
        std::fprintf(stderr, ", replacing %zu earlier event file%s", result.replacedFiles,
                     result.replacedFiles == 1 ? "" : "s");
    if (result.restarts)
        std::fprintf(stderr, ", steps repeated by %zu resume%s kept once", result.restarts,
                     result.restarts == 1 ? "" : "s");
    if (result.skippedLines)
        std::fprintf(stderr, ", %zu line%s of metrics.jsonl not JSON (skipped)", result.skippedLines,
                     result.skippedLines == 1 ? "" : "s");
    std::fprintf(stderr, "; view with: tensorboard --logdir %s\n", parser.positionals()[0].c_str());
    return 0;
}

} // namespace clipwb::cli
