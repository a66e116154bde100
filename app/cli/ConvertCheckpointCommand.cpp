#include "ArgParser.h"
#include "Commands.h"

#include "common/Error.h"
#include "model/CheckpointInfo.h"

#include <cstdio>
#include <iostream>

namespace clipwb::cli {

int runConvertCheckpoint(const Args& args)
{
    ArgParser parser;
    parser
        .flag("summary",
              "print what the checkpoint IN holds (keys, shapes, dtypes, parameter count, epoch, step)")
        .flag("json", "with --summary: one JSON object instead of text")
        .flag("strip-optimizer", "drop the optimizer state (a slim export for inference or fine-tuning)")
        .flag("fp16", "store in fp16 what upstream's convert_weights() makes half: Conv/Linear weights and "
                      "biases, attention in_proj, all of BERT, text_projection, visual.proj (LayerNorm, "
                      "BatchNorm, class/positional embeddings and logit_scale stay fp32)");
    parser.parse(args);
    const auto& positionals = parser.positionals();
    if (parser.has("summary")) {
        CLIPWB_CHECK(positionals.size() == 1, "usage: convert-checkpoint --summary [--json] IN");
        const auto summary = model::readCheckpointSummary(positionals[0]);
        if (parser.has("json"))
            std::cout << summary.toJson().dump() << "\n";
        else
            std::cout << summary.toText();
        return 0;
    }
    CLIPWB_CHECK(positionals.size() == 2,
                 "usage: convert-checkpoint IN OUT [--strip-optimizer] [--fp16] | --summary [--json] IN");
    CLIPWB_CHECK(parser.has("strip-optimizer") || parser.has("fp16") || positionals[0] != positionals[1],
                 "nothing to do: give --strip-optimizer and/or --fp16, or a different OUT");
    model::convertCheckpoint(positionals[0], positionals[1], parser.has("strip-optimizer"),
                             parser.has("fp16"));
    const auto summary = model::readCheckpointSummary(positionals[1]);
    std::fprintf(stderr, "wrote %s: %lld parameters, optimizer %s, %.1f MB\n", positionals[1].c_str(),
                 static_cast<long long>(summary.parameterCount), summary.hasOptimizer ? "kept" : "none",
                 static_cast<double>(summary.fileSize) / 1e6);
    return 0;
}

} // namespace clipwb::cli
