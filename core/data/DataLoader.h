#pragma once
// Batches of (image, text) pairs from an LMDB split, in upstream's order (EpochSampler), decoded
// and preprocessed by worker threads with bounded prefetch and handed out in order.
#include "data/EpochSampler.h"

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace clipwb::text {
class Tokenizer;
}

namespace clipwb::data {

class LmdbSplit;

struct LoaderOptions {
    std::filesystem::path split; ///< an LMDB split folder (imgs/ and pairs/)
    int64_t batchSize = 128; ///< per rank (upstream's batch_size); the global batch is batchSize x worldSize
    int resolution = 224;    ///< the vision model's image_resolution
    int contextLength = 52;
    int numWorkers = 4;   ///< decoding threads; 0 decodes in the thread calling next()
    bool augment = false; ///< use_augment: timm's training transform (training only)
    uint64_t seed = 123;
    bool training = true;      ///< false: validation (always epoch 0's order, never augmented)
    int prefetchPerWorker = 2; ///< batches each worker may have ready ahead (PyTorch's prefetch_factor)
    /// Data-parallel share, as DistributedSampler: the split is padded to a multiple of
    /// batchSize x worldSize and this rank reads every worldSize-th position from rank.
    int rank = 0;
    int worldSize = 1;
    bool pinMemory = false; ///< page-locked batches (needs CUDA): non-blocking copies to the GPU
    /// Images as uint8 pixels (0-255, not normalised), a quarter of the bytes to copy to a GPU;
    /// data::normalizeImages on the device gives exactly the floats of the default.
    bool pixelImages = false;
};

struct Batch {
    torch::Tensor images;         ///< [B, 3, R, R] float32, normalised (uint8 pixels with pixelImages)
    torch::Tensor texts;          ///< [B, contextLength] int64 token ids
    std::vector<int64_t> indices; ///< the pair index each row was read from
    int64_t epoch = 0;
    int64_t batchIndex = 0; ///< within the epoch
};

/// Called (from a worker thread) the first time a record cannot be read: the pair index and why.
using CorruptRecordHandler = std::function<void(int64_t pairIndex, const std::string& message)>;

class DataLoader {
public:
    DataLoader(LoaderOptions options, std::shared_ptr<const text::Tokenizer> tokenizer);
    ~DataLoader();
    DataLoader(const DataLoader&) = delete;
    DataLoader& operator=(const DataLoader&) = delete;

    const LoaderOptions& options() const;
    const EpochSampler& sampler() const;
    int64_t batchesPerEpoch() const;
    /// The padded length, upstream's dataloader.num_samples.
    int64_t numSamples() const;
    /// Pairs in the split (before padding).
    int64_t splitSamples() const;

    /// Starts (or restarts) an epoch; skipBatches batches of it are skipped (exact resume).
    /// The order is randperm(paddedLength) seeded seed + epoch (validation: always epoch 0);
    /// batch b of rank r holds positions r + worldSize * (b * batchSize + k).
    void startEpoch(int64_t epoch, int64_t skipBatches = 0);

    /// The next batch of the epoch in order, or nothing at its end. Rethrows a worker's error
    /// (a split where no record can be read at all).
    std::optional<Batch> next();

    /// Distinct records that could not be read; each was replaced by the next readable pair.
    int64_t corruptRecords() const;
    /// Replaces the default handler (one line on stderr). Set before startEpoch.
    void setCorruptRecordHandler(CorruptRecordHandler handler);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace clipwb::data
