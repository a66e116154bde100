#include "data/DataLoader.h"

#include "common/Error.h"
#include "data/ImageDecoder.h"
#include "data/ImageTransform.h"
#include "data/LmdbDamaged.h"
#include "data/LmdbSplit.h"
#include "data/TrainTransform.h"
#include "text/Tokenizer.h"

#include <atomic>
#include <condition_variable>
#include <exception>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <variant>

namespace clipwb::data {

struct DataLoader::Impl {
    LoaderOptions options;
    std::shared_ptr<const text::Tokenizer> tokenizer;
    std::unique_ptr<LmdbSplit> split;
    std::unique_ptr<EpochSampler> sampler;
    std::unique_ptr<TrainTransform> trainTransform; // set when augmenting

    // Records found unreadable: logged once, skipped afterwards.
    mutable std::mutex corruptMutex;
    std::set<int64_t> corrupt;
    CorruptRecordHandler onCorrupt;

    // The epoch being served; workers build batches [nextToBuild, end) at most `capacity` ahead
    // of the consumer. `generation` changes with each startEpoch so that stale work is dropped.
    std::mutex mutex;
    std::condition_variable changed;
    uint64_t generation = 0;
    int64_t epoch = 0;
    std::shared_ptr<const std::vector<int64_t>> order;
    int64_t nextToBuild = 0, nextToReturn = 0, end = 0;
    std::map<int64_t, std::variant<Batch, std::exception_ptr>> ready;
    bool stopping = false;
    std::vector<std::thread> workers;

    bool isCorrupt(int64_t pairIndex) const
    {
        std::lock_guard lock(corruptMutex);
        return corrupt.count(pairIndex) != 0;
    }

    void reportCorrupt(int64_t pairIndex, const std::string& message)
    {
        CorruptRecordHandler handler;
        {
            std::lock_guard lock(corruptMutex);
            if (!corrupt.insert(pairIndex).second)
                return;
            handler = onCorrupt;
        }
        if (handler)
            handler(pairIndex, message);
    }

    // Reads, decodes and preprocesses the sample at a dataset position into its batch row;
    // returns the pair index used (the next readable pair when this one is corrupt).
    int64_t loadSample(int64_t position, int64_t sampleEpoch, void* image, int64_t* tokens)
    {
        const int64_t count = sampler->numSamples();
        const int64_t first = sampler->pairIndex(position);
        for (int64_t attempt = 0; attempt < count; ++attempt) {
            const int64_t pairIndex = (first + attempt) % count;
            if (isCorrupt(pairIndex))
                continue;
            try {
                const PairRecord pair = split->pair(pairIndex);
                const std::string bytes = split->imageBytes(pair.imageId);
                const DecodedImage decoded =
                    decodeImage(bytes, detail::concat("image ", pair.imageId, " (pair ", pairIndex, ") of ",
                                                      split->path().string()));
                const auto ids = tokenizer->encode(text::preprocessText(pair.text), options.contextLength);
                CLIPWB_CHECK(static_cast<int>(ids.size()) == options.contextLength, "tokenizer returned ",
                             ids.size(), " ids for context length ", options.contextLength);
                const uint64_t seed = TrainTransform::sampleSeed(options.seed, sampleEpoch, position);
                if (options.pixelImages) {
                    auto* pixels = static_cast<uint8_t*>(image);
                    if (trainTransform)
                        trainTransform->augmentPixelsInto(decoded, seed, pixels);
                    else
                        preprocessPixelsForEvalInto(decoded, options.resolution, pixels);
                } else if (trainTransform) {
                    trainTransform->augmentInto(decoded, seed, static_cast<float*>(image));
                } else {
                    preprocessForEvalInto(decoded, options.resolution, static_cast<float*>(image));
                }
                std::copy(ids.begin(), ids.end(), tokens);
                return pairIndex;
            } catch (const LmdbDamaged&) {
                throw; // the file itself: no other pair can be read either, the run stops
            } catch (const std::exception& e) {
                reportCorrupt(pairIndex, e.what());
            }
        }
        throw Error(detail::concat("no readable pair in ", split->path().string(), " (all ", count,
                                   " records are corrupt)"));
    }

    Batch buildBatch(const std::vector<int64_t>& epochOrder, int64_t batchEpoch, int64_t batchIndex)
    {
        const int64_t size = options.batchSize;
        const int r = options.resolution;
        Batch batch;
        batch.epoch = batchEpoch;
        batch.batchIndex = batchIndex;
        // Page-locked for a CUDA run: the copy to the GPU then runs asynchronously (non_blocking).
        const auto host = torch::TensorOptions().pinned_memory(options.pinMemory);
        batch.images =
            torch::empty({size, 3, r, r}, host.dtype(options.pixelImages ? torch::kUInt8 : torch::kFloat32));
        batch.texts = torch::empty({size, options.contextLength}, host.dtype(torch::kInt64));
        batch.indices.resize(size);
        auto* images = static_cast<char*>(batch.images.data_ptr());
        const int64_t rowBytes = 3 * r * r * static_cast<int64_t>(batch.images.element_size());
        int64_t* texts = batch.texts.data_ptr<int64_t>();
        for (int64_t row = 0; row < size; ++row) {
            const int64_t position = epochOrder[options.rank + options.worldSize * (batchIndex * size + row)];
            batch.indices[row] = loadSample(position, batchEpoch, images + row * rowBytes,
                                            texts + row * options.contextLength);
        }
        return batch;
    }

    int64_t capacity() const
    {
        return static_cast<int64_t>(options.numWorkers) * std::max(1, options.prefetchPerWorker);
    }

    void workerLoop()
    {
        std::unique_lock lock(mutex);
        for (;;) {
            changed.wait(lock, [&] {
                return stopping || (nextToBuild < end && nextToBuild < nextToReturn + capacity());
            });
            if (stopping)
                return;
            const int64_t batchIndex = nextToBuild++;
            const uint64_t myGeneration = generation;
            const auto myOrder = order;
            const int64_t myEpoch = epoch;
            lock.unlock();
            std::variant<Batch, std::exception_ptr> result;
            try {
                result = buildBatch(*myOrder, myEpoch, batchIndex);
            } catch (...) {
                result = std::current_exception();
            }
            lock.lock();
            if (myGeneration == generation) {
                ready.emplace(batchIndex, std::move(result));
                changed.notify_all();
            }
        }
    }
};

DataLoader::DataLoader(LoaderOptions options, std::shared_ptr<const text::Tokenizer> tokenizer)
    : impl_(std::make_unique<Impl>())
{
    CLIPWB_CHECK(tokenizer, "DataLoader: no tokenizer");
    CLIPWB_CHECK(options.batchSize > 0, "DataLoader: bad batch size ", options.batchSize);
    CLIPWB_CHECK(options.resolution > 0, "DataLoader: bad resolution ", options.resolution);
    CLIPWB_CHECK(options.contextLength > 2, "DataLoader: bad context length ", options.contextLength);
    CLIPWB_CHECK(options.numWorkers >= 0, "DataLoader: bad number of workers ", options.numWorkers);
    CLIPWB_CHECK(options.worldSize >= 1 && options.rank >= 0 && options.rank < options.worldSize,
                 "DataLoader: bad rank ", options.rank, " of world size ", options.worldSize);
    impl_->options = options;
    impl_->tokenizer = std::move(tokenizer);
    impl_->split = std::make_unique<LmdbSplit>(options.split);
    impl_->sampler = std::make_unique<EpochSampler>(impl_->split->numSamples(),
                                                    options.batchSize * options.worldSize, options.seed);
    if (options.training && options.augment)
        impl_->trainTransform = std::make_unique<TrainTransform>(options.resolution);
    impl_->onCorrupt = [path = options.split.string()](int64_t pairIndex, const std::string& message) {
        std::cerr << "warning: skipping corrupt record " << pairIndex << " of " << path << ": " << message
                  << '\n';
    };
    for (int i = 0; i < options.numWorkers; ++i)
        impl_->workers.emplace_back([this] { impl_->workerLoop(); });
}

DataLoader::~DataLoader()
{
    {
        std::lock_guard lock(impl_->mutex);
        impl_->stopping = true;
    }
    impl_->changed.notify_all();
    for (auto& worker : impl_->workers)
        worker.join();
}

const LoaderOptions& DataLoader::options() const
{
    return impl_->options;
}

const EpochSampler& DataLoader::sampler() const
{
    return *impl_->sampler;
}

int64_t DataLoader::batchesPerEpoch() const
{
    return impl_->sampler->batchesPerEpoch();
}

int64_t DataLoader::numSamples() const
{
    return impl_->sampler->paddedLength();
}

int64_t DataLoader::splitSamples() const
{
    return impl_->sampler->numSamples();
}

void DataLoader::startEpoch(int64_t epoch, int64_t skipBatches)
{
    CLIPWB_CHECK(epoch >= 0, "DataLoader: negative epoch ", epoch);
    CLIPWB_CHECK(skipBatches >= 0, "DataLoader: negative data offset ", skipBatches);
    const int64_t orderEpoch = impl_->options.training ? epoch : 0;
    auto order = std::make_shared<const std::vector<int64_t>>(impl_->sampler->epochOrder(orderEpoch));
    {
        std::lock_guard lock(impl_->mutex);
        ++impl_->generation;
        impl_->ready.clear();
        impl_->order = std::move(order);
        impl_->epoch = orderEpoch;
        impl_->end = batchesPerEpoch();
        impl_->nextToBuild = impl_->nextToReturn = std::min(skipBatches, impl_->end);
    }
    impl_->changed.notify_all();
}

std::optional<Batch> DataLoader::next()
{
    Impl& d = *impl_;
    std::unique_lock lock(d.mutex);
    CLIPWB_CHECK(d.order, "DataLoader: next() before startEpoch()");
    if (d.nextToReturn >= d.end)
        return std::nullopt;
    if (d.workers.empty()) {
        const int64_t batchIndex = d.nextToReturn++;
        d.nextToBuild = d.nextToReturn;
        const auto order = d.order;
        const int64_t epoch = d.epoch;
        lock.unlock();
        return d.buildBatch(*order, epoch, batchIndex);
    }
    const int64_t wanted = d.nextToReturn;
    d.changed.wait(lock, [&] { return d.ready.count(wanted) != 0; });
    auto node = d.ready.extract(wanted);
    ++d.nextToReturn;
    lock.unlock();
    d.changed.notify_all(); // room for one more batch ahead
    if (auto* error = std::get_if<std::exception_ptr>(&node.mapped()))
        std::rethrow_exception(*error);
    return std::move(std::get<Batch>(node.mapped()));
}

int64_t DataLoader::corruptRecords() const
{
    std::lock_guard lock(impl_->corruptMutex);
    return static_cast<int64_t>(impl_->corrupt.size());
}

void DataLoader::setCorruptRecordHandler(CorruptRecordHandler handler)
{
    std::lock_guard lock(impl_->corruptMutex);
    impl_->onCorrupt = std::move(handler);
}

} // namespace clipwb::data
