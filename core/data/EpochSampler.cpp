#include "data/EpochSampler.h"

#include "common/Error.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

namespace clipwb::data {

EpochSampler::EpochSampler(int64_t numSamples, int64_t globalBatchSize, uint64_t seed)
    : numSamples_(numSamples), globalBatchSize_(globalBatchSize), seed_(seed)
{
    CLIPWB_CHECK(numSamples > 0, "EpochSampler: the split has no samples");
    CLIPWB_CHECK(globalBatchSize > 0, "EpochSampler: bad batch size ", globalBatchSize);
    paddedLength_ = (numSamples + globalBatchSize - 1) / globalBatchSize * globalBatchSize;
}

std::vector<int64_t> EpochSampler::epochOrder(int64_t epoch) const
{
    CLIPWB_CHECK(epoch >= 0, "EpochSampler: negative epoch ", epoch);
    // DistributedSampler seeds a fresh CPU generator with seed + epoch (Python ints; wraps like
    // the uint64 manual_seed takes).
    auto generator = at::make_generator<at::CPUGeneratorImpl>(seed_ + static_cast<uint64_t>(epoch));
    const torch::Tensor order = at::randperm(paddedLength_, generator, torch::kLong);
    const int64_t* data = order.data_ptr<int64_t>();
    return std::vector<int64_t>(data, data + paddedLength_);
}

} // namespace clipwb::data
