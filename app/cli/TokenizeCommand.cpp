#include "ArgParser.h"
#include "Commands.h"

#include "common/Error.h"
#include "text/Tokenizer.h"

#include <nlohmann/json.hpp>

#include <iostream>
#include <string>

namespace clipwb::cli {

int runTokenize(const Args& args)
{
    ArgParser parser;
    parser.option("context-length", "token ids per line, padded with 0 (default 52)")
        .option("vocab", "vocab file instead of the shipped one")
        .flag("raw", "skip the training text preprocessing (lower-case, curly quotes)");
    parser.parse(args);
    CLIPWB_CHECK(parser.positionals().empty(), "unexpected argument '", parser.positionals().front(),
                 "' (texts are read from stdin, one JSON string a line)");
    const long long contextLength = parser.intValue("context-length", 52);
    CLIPWB_CHECK(contextLength >= 2 && contextLength <= 100000, "--context-length must be at least 2, not ",
                 contextLength);
    const text::Tokenizer tokenizer = parser.value("vocab") ? text::Tokenizer::fromFile(*parser.value("vocab"))
                                                            : text::Tokenizer::fromEmbeddedVocab();
    const bool raw = parser.has("raw");

    std::ios::sync_with_stdio(false);
    std::string line, out;
    std::vector<std::int64_t> ids(static_cast<std::size_t>(contextLength));
    for (long long lineNumber = 1; std::getline(std::cin, line); ++lineNumber) {
        if (line.find_first_not_of(" \t\r") == std::string::npos)
            continue;
        nlohmann::json value;
        try {
            value = nlohmann::json::parse(line);
        } catch (const nlohmann::json::exception& e) {
            throw Error("stdin line " + std::to_string(lineNumber) + ": not JSON (" + e.what() + ")");
        }
        CLIPWB_CHECK(value.is_string(), "stdin line ", lineNumber, ": expected a JSON string, got ",
                     value.type_name());
        const std::string& text = value.get_ref<const std::string&>();
        tokenizer.encodeInto(raw ? text : text::preprocessText(text), static_cast<int>(contextLength),
                             ids.data());
        out.clear();
        for (std::size_t i = 0; i < ids.size(); ++i) {
            if (i)
                out.push_back(' ');
            out += std::to_string(ids[i]);
        }
        out.push_back('\n');
        std::cout << out;
    }
    std::cout.flush();
    CLIPWB_CHECK(std::cout.good(), "cannot write to stdout");
    return 0;
}

} // namespace clipwb::cli
