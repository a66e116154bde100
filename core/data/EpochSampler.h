#pragma once
// The order in which upstream visits a split: PyTorch's DistributedSampler over the split padded
// to a whole number of global batches (each rank then takes every world-size-th position of
// this order, see DataLoader). No LibTorch in this header.
#include <cstdint>
#include <vector>

namespace clipwb::data {

class EpochSampler {
public:
    /// numSamples: pairs in the split; globalBatchSize: batch size x world size.
    EpochSampler(int64_t numSamples, int64_t globalBatchSize, uint64_t seed);

    int64_t numSamples() const { return numSamples_; }
    int64_t globalBatchSize() const { return globalBatchSize_; }
    uint64_t seed() const { return seed_; }
    /// numSamples rounded up to a multiple of the global batch (upstream's pad_dataset).
    int64_t paddedLength() const { return paddedLength_; }
    int64_t batchesPerEpoch() const { return paddedLength_ / globalBatchSize_; }

    /// torch.randperm(paddedLength, generator=torch.Generator().manual_seed(seed + epoch)):
    /// dataset positions in visiting order. Validation always uses epoch 0.
    std::vector<int64_t> epochOrder(int64_t epoch) const;

    /// The pair a dataset position reads: upstream's `index % number_samples`.
    int64_t pairIndex(int64_t position) const { return position % numSamples_; }

private:
    int64_t numSamples_;
    int64_t globalBatchSize_;
    uint64_t seed_;
    int64_t paddedLength_;
};

} // namespace clipwb::data
