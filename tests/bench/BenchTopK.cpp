// Top-k retrieval benchmark: 30,000 image and 5,000 text features of width
// 512 (synthetic, L2-normalised), top-10 both ways, against upstream's
// make_topk_predictions(.py, _tr.py) search loop run by /usr/bin/python3 on the
// same files in the same run.
//
//   bench_topk [--images N] [--texts N] [--dim D] [--top-k K] [--baseline-queries N | --full-baseline]
//
// The baseline costs minutes in full (one query at a time); by default it runs
// the first --baseline-queries queries of each direction (default 500) plus
// its complete feature loading, and extrapolates linearly (its per-query cost
// does not depend on the query). Figures: wall seconds of the whole job
// (read the jsonl files, search, write predictions) and of the search alone.
#include "common/AtomicFile.h"
#include "eval/BlockedTopK.h"
#include "eval/FeatureTable.h"
#include "eval/TopkPredictionFiles.h"

#include <ATen/Parallel.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <time.h>
#include <unistd.h>

namespace fs = std::filesystem;
using clipwb::eval::FeatureTable;

namespace {

FeatureTable syntheticFeatures(const std::string& key, std::int64_t rows, std::int64_t dim, std::int64_t firstId,
                               std::uint32_t seed)
{
    FeatureTable table;
    table.idKey = key;
    table.dim = dim;
    table.values.resize(static_cast<std::size_t>(rows * dim));
    std::mt19937 random(seed);
    std::normal_distribution<float> normal;
    for (std::int64_t r = 0; r < rows; ++r) {
        table.ids.push_back(firstId + r);
        float* row = table.values.data() + r * dim;
        double norm = 0;
        for (std::int64_t d = 0; d < dim; ++d) {
            row[d] = normal(random);
            norm += static_cast<double>(row[d]) * row[d];
        }
        const float scale = static_cast<float>(1.0 / std::sqrt(norm));
        for (std::int64_t d = 0; d < dim; ++d)
            row[d] *= scale;
    }
    return table;
}

double seconds(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// CPU seconds used by this process (all threads): the figure that a machine
/// shared with other jobs distorts least.
double processCpuSeconds()
{
    timespec now{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

struct Baseline {
    double loadSeconds = 0, querySeconds = 0, loadCpu = 0, queryCpu = 0;
    std::int64_t queries = 0;
    bool ok = false;
};

Baseline runUpstream(const fs::path& script, const fs::path& images, const fs::path& texts, std::int64_t k,
                     bool imageToText, std::int64_t maxQueries, const fs::path& output)
{
    std::ostringstream command;
    command << "/usr/bin/python3 '" << script.string() << "' --image-feats '" << images.string()
            << "' --text-feats '" << texts.string() << "' --top-k " << k << " --output '" << output.string() << "'"
            << (imageToText ? " --image-to-text" : "") << " --max-queries " << maxQueries;
    Baseline baseline;
    std::FILE* pipe = ::popen(command.str().c_str(), "r");
    if (!pipe)
        return baseline;
    std::string text;
    char buffer[4096];
    while (std::fgets(buffer, sizeof buffer, pipe))
        text += buffer;
    if (::pclose(pipe) != 0)
        return baseline;
    const auto report = nlohmann::json::parse(text.substr(text.rfind('{')));
    baseline.loadSeconds = report.at("load_seconds");
    baseline.querySeconds = report.at("query_seconds");
    baseline.queries = report.at("queries");
    baseline.loadCpu = report.at("load_cpu_seconds");
    baseline.queryCpu = report.at("query_cpu_seconds");
    baseline.ok = true;
    return baseline;
}

/// Lines of `ours` that equal the corresponding line of `upstream` (upstream may stop early).
std::pair<std::int64_t, std::int64_t> compareLines(const fs::path& ours, const fs::path& upstream)
{
    std::istringstream a(clipwb::readFile(ours)), b(clipwb::readFile(upstream));
    std::string lineA, lineB;
    std::int64_t same = 0, total = 0;
    while (std::getline(b, lineB) && std::getline(a, lineA)) {
        ++total;
        same += lineA == lineB;
    }
    return {same, total};
}

} // namespace

int main(int argc, char** argv)
{
    std::int64_t images = 30000, texts = 5000, dim = 512, k = 10, baselineQueries = 500;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto next = [&]() -> std::int64_t { return i + 1 < argc ? std::atoll(argv[++i]) : 0; };
        if (arg == "--images")
            images = next();
        else if (arg == "--texts")
            texts = next();
        else if (arg == "--dim")
            dim = next();
        else if (arg == "--top-k")
            k = next();
        else if (arg == "--baseline-queries")
            baselineQueries = next();
        else if (arg == "--full-baseline")
            baselineQueries = 0;
        else {
            std::fprintf(stderr, "usage: bench_topk [--images N] [--texts N] [--dim D] [--top-k K] "
                                 "[--baseline-queries N | --full-baseline]\n");
            return 2;
        }
    }
    if (!std::getenv("OMP_NUM_THREADS"))
        at::set_num_threads(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
    const fs::path dir = fs::temp_directory_path() / ("clipwb_bench_topk_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const fs::path imagePath = dir / "imgs.img_feat.jsonl", textPath = dir / "texts.txt_feat.jsonl";
    {
        const FeatureTable imageTable = syntheticFeatures("image_id", images, dim, 1000000, 1);
        const FeatureTable textTable = syntheticFeatures("text_id", texts, dim, 1, 2);
        imageTable.writeJsonl(imagePath);
        textTable.writeJsonl(textPath);
    }
    std::printf("top-%lld retrieval, %lld images x %lld texts, dim %lld, %d threads (at::get_num_threads)\n",
                static_cast<long long>(k), static_cast<long long>(images), static_cast<long long>(texts),
                static_cast<long long>(dim), at::get_num_threads());
    std::printf("feature files: %.0f MB + %.0f MB\n", fs::file_size(imagePath) / 1e6, fs::file_size(textPath) / 1e6);

    // Ours: the whole job (read, search both ways in one pass, write), as the CLI runs it.
    clipwb::eval::TopkPredictionJob job;
    job.imageFeatures = imagePath;
    job.textFeatures = textPath;
    job.k = k;
    job.textToImageOutput = dir / "ours_t2i.jsonl";
    job.imageToTextOutput = dir / "ours_i2t.jsonl";
    auto start = std::chrono::steady_clock::now();
    double cpuStart = processCpuSeconds();
    const auto report = clipwb::eval::makeTopkPredictionFiles(job);
    const double oursTotal = seconds(start), oursTotalCpu = processCpuSeconds() - cpuStart;

    // Search alone, in memory, each direction by itself and both from one pass.
    const FeatureTable imageTable = FeatureTable::readJsonl(imagePath, "image_id");
    const FeatureTable textTable = FeatureTable::readJsonl(textPath, "text_id");
    auto timeSearch = [&](bool rows, bool columns) {
        clipwb::eval::BlockedTopKOptions options;
        options.k = k;
        options.rowsToColumns = rows;
        options.columnsToRows = columns;
        const auto begin = std::chrono::steady_clock::now();
        const double cpuBegin = processCpuSeconds();
        clipwb::eval::blockedTopK(textTable.values.data(), texts, imageTable.values.data(), images, dim, options);
        return std::pair{seconds(begin), processCpuSeconds() - cpuBegin};
    };
    const auto [searchT2i, searchT2iCpu] = timeSearch(true, false);
    const auto [searchI2t, searchI2tCpu] = timeSearch(false, true);
    const auto [searchBoth, searchBothCpu] = timeSearch(true, true);

    // Upstream's loop, each direction as its own script run, as upstream does it.
    const fs::path script = fs::path(CLIPWB_SOURCE_DIR) / "tests/bench/upstream_make_topk.py";
    const Baseline t2i = runUpstream(script, imagePath, textPath, k, false, baselineQueries, dir / "up_t2i.jsonl");
    const Baseline i2t = runUpstream(script, imagePath, textPath, k, true, baselineQueries, dir / "up_i2t.jsonl");
    std::printf("\nours (clipwb, one pass both ways): total %.2f s wall, %.2f s CPU = read %.2f s + search %.2f s "
                "+ write %.2f s (wall)\n",
                oursTotal, oursTotalCpu, report.readSeconds, report.searchSeconds, report.writeSeconds);
    std::printf("ours search only, in memory (wall / CPU): text->image %.2f / %.2f s, image->text %.2f / %.2f s, "
                "both in one pass %.2f / %.2f s\n",
                searchT2i, searchT2iCpu, searchI2t, searchI2tCpu, searchBoth, searchBothCpu);
    if (!t2i.ok || !i2t.ok) {
        std::printf("baseline: /usr/bin/python3 with torch and numpy not available, no ratio\n");
        fs::remove_all(dir);
        return 0;
    }
    // Extrapolates the measured queries to all of them (upstream's per-query work is uniform).
    auto scale = [](const Baseline& b, std::int64_t total) {
        return static_cast<double>(total) / static_cast<double>(std::max<std::int64_t>(b.queries, 1));
    };
    const double upWall = t2i.loadSeconds + t2i.querySeconds * scale(t2i, texts) + i2t.loadSeconds +
                          i2t.querySeconds * scale(i2t, images);
    const double upCpu = t2i.loadCpu + t2i.queryCpu * scale(t2i, texts) + i2t.loadCpu + i2t.queryCpu * scale(i2t, images);
    const double upSearchWall = t2i.querySeconds * scale(t2i, texts) + i2t.querySeconds * scale(i2t, images);
    const double upSearchCpu = t2i.queryCpu * scale(t2i, texts) + i2t.queryCpu * scale(i2t, images);
    const bool full = baselineQueries == 0;
    std::printf("upstream (python3 make_topk_predictions.py + _tr.py, %s): total %.1f s wall, %.1f s CPU; "
                "text->image: load %.1f s, %lld queries %.1f s; image->text: load %.1f s, %lld queries %.1f s\n",
                full ? "full run" : "measured queries extrapolated to all", upWall, upCpu, t2i.loadSeconds,
                static_cast<long long>(t2i.queries), t2i.querySeconds, i2t.loadSeconds,
                static_cast<long long>(i2t.queries), i2t.querySeconds);
    const auto [sameT2i, checkedT2i] = compareLines(dir / "ours_t2i.jsonl", dir / "up_t2i.jsonl");
    const auto [sameI2t, checkedI2t] = compareLines(dir / "ours_i2t.jsonl", dir / "up_i2t.jsonl");
    std::printf("identical prediction lines: text->image %lld/%lld, image->text %lld/%lld\n",
                static_cast<long long>(sameT2i), static_cast<long long>(checkedT2i), static_cast<long long>(sameI2t),
                static_cast<long long>(checkedI2t));
    std::printf("\nspeed-up, whole job both ways (files in, files out): %.0fx wall (upstream %.1f s, ours %.2f s), "
                "%.0fx CPU (upstream %.1f s, ours %.2f s)\n",
                upWall / oursTotal, upWall, oursTotal, upCpu / oursTotalCpu, upCpu, oursTotalCpu);
    std::printf("speed-up, search both ways: %.0fx wall (upstream %.1f s, ours %.2f s), %.0fx CPU (upstream %.1f s, "
                "ours %.2f s)\n",
                upSearchWall / searchBoth, upSearchWall, searchBoth, upSearchCpu / searchBothCpu, upSearchCpu,
                searchBothCpu);
    fs::remove_all(dir);
    return 0;
}
