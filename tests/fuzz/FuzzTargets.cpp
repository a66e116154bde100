#include "FuzzEntries.h"

namespace clipwb::fuzz {

const std::vector<Target>& targets()
{
    static const std::vector<Target> all{
        {"pickle", &fuzzPickle, "the inert unpickler (common/Pickle.h)"},
        {"checkpoint", &fuzzCheckpoint,
         "torch.save files, zip and legacy (model/TorchCheckpoint.h, CheckpointInfo.h)"},
        {"lmdb_env", &fuzzLmdbEnv,
         "a whole LMDB environment, damaged files (data/LmdbReader.h, dataset check)"},
        {"lmdb_record", &fuzzLmdbRecord, "an LMDB record: pickled pair, base64 image, decode, preprocess"},
        {"image", &fuzzImage, "the image decoder (data/ImageDecoder.h)"},
        {"config_json", &fuzzConfigJson, "the config JSON loader (config/TrainConfig.h loadConfigFile)"},
        {"config_flags", &fuzzConfigFlags, "the upstream-flag parser (config/TrainConfig.h applyFlags)"},
        {"tokenizer", &fuzzTokenizer, "the tokenizer and the vocab reader (text/Tokenizer.h)"},
        {"feature_jsonl", &fuzzFeatureJsonl, "the feature jsonl reader (eval/FeatureTable.h)"},
        {"prediction_jsonl", &fuzzPredictionJsonl,
         "the gold and prediction jsonl readers (eval/RecallEvaluation.h)"},
    };
    return all;
}

const Target* findTarget(const std::string& name)
{
    for (const Target& target : targets())
        if (name == target.name)
            return &target;
    return nullptr;
}

} // namespace clipwb::fuzz
