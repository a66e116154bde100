// Entry points of the parsers without LibTorch: pickle, config JSON and flags, tokenizer.
#include "FuzzSupport.h"

#include "common/Pickle.h"
#include "config/TrainConfig.h"
#include "text/Tokenizer.h"

#include <set>

namespace clipwb::fuzz {

namespace fs = std::filesystem;

Outcome fuzzPickle(const std::uint8_t* data, std::size_t size)
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

Outcome fuzzConfigJson(const std::uint8_t* data, std::size_t size)
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

Outcome fuzzConfigFlags(const std::uint8_t* data, std::size_t size)
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

Outcome fuzzTokenizer(const std::uint8_t* data, std::size_t size)
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

} // namespace clipwb::fuzz
