#pragma once
// Throughput of the data path (LMDB read, base64 decode, image decode, preprocessing, and for the
// loader also tokenisation and batching), for `clipwb-cli dataset bench` and tests/bench.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace clipwb::text {
class Tokenizer;
}

namespace clipwb::data {

struct LoaderBenchmarkOptions {
    std::filesystem::path split;
    int resolution = 224;
    int64_t samples = 2000;            ///< samples per measurement
    std::vector<int> workers{0, 1, 2}; ///< DataLoader num_workers values to measure
    int64_t batchSize = 32;
    bool augment = false; ///< measure the training augmentation instead of the eval transform
};

struct LoaderBenchmarkResult {
    std::string name; ///< "decode+preprocess (1 thread)" or "DataLoader num_workers=N"
    int workers = -1; ///< -1 for the single-thread loop
    int64_t samples = 0;
    double seconds = 0;    ///< wall clock
    double cpuSeconds = 0; ///< CPU time of the measuring thread (1 thread) or of the process (loaders)
    double samplesPerSecond() const { return seconds > 0 ? samples / seconds : 0; }
    double samplesPerCpuSecond() const { return cpuSeconds > 0 ? samples / cpuSeconds : 0; }
};

/// Runs the measurements one after the other; `onResult` sees each as it finishes.
std::vector<LoaderBenchmarkResult>
runLoaderBenchmark(const LoaderBenchmarkOptions& options, std::shared_ptr<const text::Tokenizer> tokenizer,
                   const std::function<void(const LoaderBenchmarkResult&)>& onResult = {});

} // namespace clipwb::data
