// bench_tokenizer: captions per CPU second of clipwb's tokenizer against the
// same algorithm in Python (upstream_tokenize.py), on the reference tokenizer
// cases, context length 52, one thread; checks both give the same ids.
#include "text/Tokenizer.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

namespace {
double cpuSeconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }
} // namespace

int main(int argc, char** argv)
{
    const int rounds = argc > 1 ? std::atoi(argv[1]) : 20;
    const std::string cases = CLIPWB_SOURCE_DIR "/tests/fixtures/tokenizer/cases.jsonl";
    std::vector<std::string> texts;
    std::ifstream in(cases);
    for (std::string line; std::getline(in, line);)
        texts.push_back(nlohmann::json::parse(line)["text"].get<std::string>());
    const auto tokenizer = clipwb::text::Tokenizer::fromEmbeddedVocab();
    std::vector<std::int64_t> ids(52);
    long long checksum = 0;
    const double start = cpuSeconds();
    for (int r = 0; r < rounds * 10; ++r)
        for (const auto& text : texts) {
            tokenizer.encodeInto(text, 52, ids.data());
            for (auto id : ids)
                checksum += id;
        }
    const double ours = cpuSeconds() - start;
    const double oursRate = texts.size() * rounds * 10 / ours;
    std::printf("clipwb: %.0f captions/s (CPU time)\n", oursRate);

    const std::string command = "/usr/bin/python3 " CLIPWB_SOURCE_DIR "/tests/bench/upstream_tokenize.py " CLIPWB_SOURCE_DIR
                                "/resources/vocab.txt " + cases + " " + std::to_string(rounds);
    FILE* pipe = ::popen(command.c_str(), "r");
    double count = 0, seconds = 0;
    long long theirSum = 0;
    if (!pipe || std::fscanf(pipe, "%lf %lf %lld", &count, &seconds, &theirSum) != 3) {
        std::printf("python baseline unavailable\n");
        return 0;
    }
    ::pclose(pipe);
    const double theirRate = count / seconds;
    std::printf("python (upstream algorithm): %.0f captions/s (CPU time)\n", theirRate);
    std::printf("ratio: %.1fx; ids %s\n", oursRate / theirRate,
                checksum == theirSum * 10 ? "identical (checksum)" : "DIFFER");
    return checksum == theirSum * 10 ? 0 : 1;
}
