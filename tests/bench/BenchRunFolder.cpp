// How fast the dashboard reads a long run's metrics.jsonl: RunFolder::refresh()
// on a million train lines, against the obvious alternative of parsing every
// line with nlohmann::json into the same columns, measured in the same run.
#include "run/RunFolder.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <unistd.h>

namespace fs = std::filesystem;

namespace {

std::string trainLine(int step, int maxSteps)
{
    char line[400];
    std::snprintf(line, sizeof line,
                  "{\"type\":\"train\",\"step\":%d,\"epoch\":%d,\"loss\":%.6f,\"i2t\":%.4f,\"t2i\":%.4f,"
                  "\"lr\":%.3e,\"logit_scale\":%.4f,\"samples_per_s\":%.2f,\"time\":%.3f,"
                  "\"step_time_s\":0.05,\"data_wait_s\":0.01,\"max_steps\":%d}",
                  step, (step - 1) / 10000 + 1, 2.0 / std::sqrt(double(step)), step * 1e-6, step * 2e-6,
                  1e-4, 2.66, 160.0, 1.7e9 + step * 0.05, maxSteps);
    return line;
}

double secondsSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

int main(int argc, char** argv)
{
    const int lines = argc > 1 ? std::atoi(argv[1]) : 1000000;
    const fs::path dir = fs::temp_directory_path() / ("clipwb-bench-run-folder-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    {
        std::ofstream out(dir / "metrics.jsonl", std::ios::binary);
        for (int step = 1; step <= lines; ++step)
            out << trainLine(step, lines) << '\n';
    }
    const double megabytes = double(fs::file_size(dir / "metrics.jsonl")) / 1e6;

    auto start = std::chrono::steady_clock::now();
    clipwb::run::RunFolder run(dir);
    run.refresh();
    const double ours = secondsSince(start);
    const size_t rows = run.train().rows();

    start = std::chrono::steady_clock::now();
    std::map<std::string, std::vector<double>> columns;
    {
        std::ifstream in(dir / "metrics.jsonl", std::ios::binary);
        std::string line;
        while (std::getline(in, line)) {
            const auto record = nlohmann::json::parse(line);
            for (const auto& [key, value] : record.items())
                if (value.is_number())
                    columns[key].push_back(value.get<double>());
        }
    }
    const double baseline = secondsSince(start);
    fs::remove_all(dir);

    std::printf("metrics.jsonl: %d lines, %.1f MB\n", lines, megabytes);
    std::printf("RunFolder::refresh      %8.3f s  (%zu rows)\n", ours, rows);
    std::printf("nlohmann::json per line %8.3f s  (%zu rows)\n", baseline, columns["step"].size());
    std::printf("ratio %.2fx\n", baseline / ours);
    return rows == size_t(lines) && columns["step"].size() == size_t(lines) ? 0 : 1;
}
