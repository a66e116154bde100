#include "FuzzEntries.h"

#include "common/AtomicFile.h"
#include "common/Error.h"
#include "common/Pickle.h"
#include "config/TrainConfig.h"
#include "data/Base64.h"
#include "data/DatasetChecker.h"
#include "data/ImageDecoder.h"
#include "data/ImageTransform.h"
#include "data/LmdbReader.h"
#include "data/LmdbSplit.h"
#include "eval/FeatureTable.h"
#include "eval/RecallEvaluation.h"
#include "model/CheckpointInfo.h"
#include "model/TorchCheckpoint.h"
#include "text/Tokenizer.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string_view>

namespace clipwb::fuzz {

namespace fs = std::filesystem;

namespace {

thread_local std::string t_lastRejection;

std::string_view bytesOf(const std::uint8_t* data, std::size_t size)
{
    return {reinterpret_cast<const char*>(data), size};
}

/// A folder of this process's own for readers that take a path.
const fs::path& scratch()
{
    static const fs::path dir = [] {
        const char* tmp = std::getenv("TMPDIR");
        fs::path d = fs::path(tmp && *tmp ? tmp : "/tmp") / ("clipwb-fuzz-" + std::to_string(::getpid()));
        fs::create_directories(d);
        return d;
    }();
    return dir;
}

fs::path writeScratch(const std::string& name, std::string_view bytes)
{
    const fs::path path = scratch() / name;
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    return path;
}

template <typename F> Outcome guardedRun(F&& f)
{
    try {
        f();
        return Outcome::Accepted;
    } catch (const Error& e) {
        // The one exception a reader may throw at bad input (LmdbDamaged is one).
        t_lastRejection = e.what();
        return Outcome::Rejected;
    }
}

Outcome pickleEntry(const std::uint8_t* data, std::size_t size)
{
    return guardedRun([&] {
        pickle::DecodeOptions options;
        options.what = "fuzz pickle";
        options.maxValues = 100'000;
        std::size_t consumed = 0;
        const pickle::Value v = pickle::decode(bytesOf(data, size), options, &consumed);
        CLIPWB_CHECK(consumed <= size, "consumed past the end");
        (void)v.repr();
        // What a checkpoint reader allows: torch globals only.
        options.allowedGlobals = std::set<std::pair<std::string, std::string>>{
            {"collections", "OrderedDict"}, {"torch._utils", "_rebuild_tensor_v2"}};
        (void)pickle::decode(bytesOf(data, size), options);
    });
}

Outcome checkpointEntry(const std::uint8_t* data, std::size_t size)
{
    const fs::path path = writeScratch("checkpoint.pt", bytesOf(data, size));
    return guardedRun([&] {
        // Shapes only first (the summary the Checkpoints page shows), then the tensors.
        (void)model::readCheckpointSummary(path);
        const model::TorchCheckpoint checkpoint = model::readTorchCheckpoint(path, true);
        for (const auto& [name, tensor] : checkpoint.stateDict)
            (void)tensor.numel();
    });
}

Outcome lmdbEnvEntry(const std::uint8_t* data, std::size_t size)
{
    // The same bytes as imgs/ and pairs/ of a split, then everything a reader does.
    const fs::path split = scratch() / "split";
    writeScratch("split/imgs/data.mdb", bytesOf(data, size));
    writeScratch("split/pairs/data.mdb", bytesOf(data, size));
    return guardedRun([&] {
        {
            const data::LmdbReader reader(split / "imgs", "fuzz imgs");
            (void)reader.entries();
            std::vector<std::string> keys;
            reader.forEachKey([&](std::string_view key) {
                if (keys.size() < 256)
                    keys.emplace_back(key);
            });
            for (const std::string& key : keys)
                (void)reader.get(key);
        }
        data::DatasetCheckOptions options;
        options.decodeImages = true;
        const data::DatasetCheckReport report = data::checkDataset(split, options);
        (void)report.toJson();
        // Bad records are the record fuzzer's business; here: was the file readable?
        for (const data::DatasetProblem& problem : report.problems)
            if (problem.kind == data::DatasetProblem::Kind::DamagedFile)
                throw Error(problem.message);
    });
}

Outcome lmdbRecordEntry(const std::uint8_t* data, std::size_t size)
{
    // First byte: which value of a record. Even: a pickled pair, as the pairs/
    // environment stores it. Odd: a base64 image, as imgs/ stores it, decoded and
    // preprocessed as the loader does.
    if (size == 0)
        return Outcome::Rejected;
    const std::string value(bytesOf(data + 1, size - 1));
    return guardedRun([&] {
        if (data[0] % 2 == 0) {
            const data::PairRecord pair = data::LmdbSplit::decodePair(value, 0, "fuzz pair");
            (void)text::preprocessText(pair.text);
            return;
        }
        const auto bytes = data::decodeBase64(value);
        CLIPWB_CHECK(bytes.has_value(), "fuzz image: not valid base64");
        const data::DecodedImage image = data::decodeImage(*bytes, "fuzz image");
        std::vector<float> out(3 * 32 * 32);
        data::preprocessForEvalInto(image, 32, out.data());
    });
}

Outcome imageEntry(const std::uint8_t* data, std::size_t size)
{
    return guardedRun([&] {
        const data::DecodedImage image = data::decodeImage(bytesOf(data, size), "fuzz image");
        (void)data::toRgb(image);
    });
}

Outcome configJsonEntry(const std::uint8_t* data, std::size_t size)
{
    const fs::path path = writeScratch("config.json", bytesOf(data, size));
    return guardedRun([&] {
        const config::ConfigResult result = config::loadConfigFile(path);
        (void)config::validate(result.config);
        (void)config::toJsonText(result.config);
        (void)config::toCommandLine(result.config);
        CLIPWB_CHECK(result.ok(), result.errorText());
    });
}

Outcome configFlagsEntry(const std::uint8_t* data, std::size_t size)
{
    // One argument a line, as a shell would pass them.
    std::vector<std::string> args;
    std::string current;
    for (const char c : bytesOf(data, size)) {
        if (c == '\n') {
            args.push_back(std::move(current));
            current.clear();
        } else {
            current += c;
        }
    }
    if (!current.empty())
        args.push_back(std::move(current));
    return guardedRun([&] {
        config::TrainConfig config;
        std::vector<config::ConfigIssue> issues;
        config::applyFlags(config, args, issues, scratch());
        (void)config::validate(config);
        (void)config::toFlags(config);
        CLIPWB_CHECK(issues.empty(), issues.front().message);
    });
}

Outcome tokenizerEntry(const std::uint8_t* data, std::size_t size)
{
    static const text::Tokenizer tokenizer = text::Tokenizer::fromEmbeddedVocab();
    return guardedRun([&] {
        const std::string_view text = bytesOf(data, size);
        const std::vector<std::int64_t> ids = tokenizer.encode(text::preprocessText(text), 52);
        CLIPWB_CHECK(ids.size() == 52, "encode gave ", ids.size(), " ids");
        for (const std::int64_t id : tokenizer.tokenizeToIds(text))
            (void)tokenizer.idToToken(id);
        // The vocab file reader too (a user may point vocab_file at anything); a
        // vocab without the special tokens is a fine rejection, not this target's verdict.
        if (size < 4096)
            (void)guardedRun(
                [&] { (void)text::Tokenizer::fromVocabText(text, "fuzz vocab").tokenize(text); });
    });
}

Outcome featureJsonlEntry(const std::uint8_t* data, std::size_t size)
{
    const fs::path path = writeScratch("features.jsonl", bytesOf(data, size));
    return guardedRun([&] {
        const eval::FeatureTable images = eval::FeatureTable::readJsonl(path, "image_id");
        (void)images.toJsonl();
    });
}

Outcome predictionJsonlEntry(const std::uint8_t* data, std::size_t size)
{
    const fs::path path = writeScratch("predictions.jsonl", bytesOf(data, size));
    return guardedRun([&] {
        // As gold (an annotation file) and as predictions against a fixed gold.
        Outcome asGold = guardedRun([&] { (void)eval::readGoldJsonl(path); });
        (void)asGold;
        eval::GoldStandard gold;
        for (std::int64_t t = 1; t <= 3; ++t) {
            gold.queries.push_back(t);
            gold.answers[t] = {t * 10, t * 10 + 1};
        }
        const eval::Predictions predictions = eval::readPredictionsJsonl(path, gold, 2);
        (void)eval::computeRecall(gold, predictions);
    });
}

} // namespace

const std::vector<Target>& targets()
{
    static const std::vector<Target> all{
        {"pickle", &pickleEntry, "the inert unpickler (common/Pickle.h)"},
        {"checkpoint", &checkpointEntry,
         "torch.save files, zip and legacy (model/TorchCheckpoint.h, CheckpointInfo.h)"},
        {"lmdb_env", &lmdbEnvEntry,
         "a whole LMDB environment, damaged files (data/LmdbReader.h, dataset check)"},
        {"lmdb_record", &lmdbRecordEntry, "an LMDB record: pickled pair, base64 image, decode, preprocess"},
        {"image", &imageEntry, "the image decoder (data/ImageDecoder.h)"},
        {"config_json", &configJsonEntry, "the config JSON loader (config/TrainConfig.h loadConfigFile)"},
        {"config_flags", &configFlagsEntry, "the upstream-flag parser (config/TrainConfig.h applyFlags)"},
        {"tokenizer", &tokenizerEntry, "the tokenizer and the vocab reader (text/Tokenizer.h)"},
        {"feature_jsonl", &featureJsonlEntry, "the feature jsonl reader (eval/FeatureTable.h)"},
        {"prediction_jsonl", &predictionJsonlEntry,
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

const std::string& lastRejection()
{
    return t_lastRejection;
}

} // namespace clipwb::fuzz
