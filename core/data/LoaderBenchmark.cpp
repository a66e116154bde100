#include "data/LoaderBenchmark.h"

#include "common/Error.h"
#include "data/DataLoader.h"
#include "data/ImageDecoder.h"
#include "data/ImageTransform.h"
#include "data/LmdbSplit.h"
#include "data/TrainTransform.h"

#include <chrono>
#include <ctime>
#include <vector>

namespace clipwb::data {

namespace {

double secondsSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double cpuSeconds(clockid_t clock)
{
    timespec now{};
    clock_gettime(clock, &now);
    return now.tv_sec + now.tv_nsec * 1e-9;
}

} // namespace

std::vector<LoaderBenchmarkResult>
runLoaderBenchmark(const LoaderBenchmarkOptions& options, std::shared_ptr<const text::Tokenizer> tokenizer,
                   const std::function<void(const LoaderBenchmarkResult&)>& onResult)
{
    CLIPWB_CHECK(options.samples > 0, "dataset bench: --samples must be positive");
    std::vector<LoaderBenchmarkResult> results;
    const auto report = [&](LoaderBenchmarkResult result) {
        results.push_back(result);
        if (onResult)
            onResult(result);
    };

    // What upstream's LMDBDataset.__getitem__ does per sample, without the tokenizer: read the
    // pair and the image, base64-decode, decode, resize, normalise.
    {
        const LmdbSplit split(options.split);
        const int r = options.resolution;
        const TrainTransform augmenter(r);
        std::vector<float> out(3 * static_cast<size_t>(r) * r);
        // One warm-up pass over a few samples (page cache, allocator).
        const int64_t warmup = std::min<int64_t>(16, options.samples);
        auto start = std::chrono::steady_clock::now();
        double cpuStart = 0;
        for (int64_t i = -warmup; i < options.samples; ++i) {
            if (i == 0) {
                start = std::chrono::steady_clock::now();
                cpuStart = cpuSeconds(CLOCK_THREAD_CPUTIME_ID);
            }
            const int64_t index = (i + warmup) % split.numSamples();
            const PairRecord pair = split.pair(index);
            const DecodedImage image = decodeImage(split.imageBytes(pair.imageId), "image");
            if (options.augment)
                augmenter.augmentInto(image, TrainTransform::sampleSeed(1, 0, index), out.data());
            else
                preprocessForEvalInto(image, r, out.data());
        }
        report({"decode+preprocess (1 thread)", -1, options.samples, secondsSince(start),
                cpuSeconds(CLOCK_THREAD_CPUTIME_ID) - cpuStart});
    }

    for (const int workers : options.workers) {
        LoaderOptions loaderOptions;
        loaderOptions.split = options.split;
        loaderOptions.batchSize = options.batchSize;
        loaderOptions.resolution = options.resolution;
        loaderOptions.numWorkers = workers;
        loaderOptions.augment = options.augment;
        loaderOptions.training = true;
        DataLoader loader(loaderOptions, tokenizer);
        int64_t samples = 0;
        int64_t epoch = 0;
        loader.startEpoch(epoch);
        (void)loader.next(); // warm-up: threads started, first batch
        const auto start = std::chrono::steady_clock::now();
        const double cpuStart = cpuSeconds(CLOCK_PROCESS_CPUTIME_ID);
        while (samples < options.samples) {
            auto batch = loader.next();
            if (!batch) {
                loader.startEpoch(++epoch);
                continue;
            }
            samples += batch->images.size(0);
        }
        report({"DataLoader num_workers=" + std::to_string(workers), workers, samples, secondsSince(start),
                cpuSeconds(CLOCK_PROCESS_CPUTIME_ID) - cpuStart});
    }
    return results;
}

} // namespace clipwb::data
