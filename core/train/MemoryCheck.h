#pragma once
// "Will this run fit?" before it starts: model::estimateTrainingMemory for a
// training config (effective precision and device as the Trainer picks them)
// against the device's free memory, and "find the largest batch size", which
// tries real training steps of growing batches on the CUDA device. Torch-free
// header: the Configuration page and `clipwb-cli config check --memory` use it.
#include "config/TrainConfig.h"
#include "model/MemoryEstimate.h"

#include <functional>
#include <string>
#include <vector>

namespace clipwb::train {

struct DeviceMemoryInfo {
    std::string device;   ///< "cuda:0", "cpu"
    bool known = false;   ///< free/total could be read
    double freeBytes = 0; ///< what a new run could allocate (CUDA: cudaMemGetInfo; CPU: MemAvailable)
    double totalBytes = 0;
};

/// The device a config trains on ("auto": cuda:0 when CUDA is available) and its free memory.
DeviceMemoryInfo queryDeviceMemory(const std::string& deviceSetting);

struct MemoryCheck {
    model::MemoryEstimate estimate;
    model::MemoryEstimateOptions options;
    DeviceMemoryInfo device;
    /// The share of free memory a run may plan to use: the CUDA caching allocator fragments
    /// and the CPU has other tenants.
    static constexpr double kUsableShare = 0.9;
    bool fits = true;         ///< unknown free memory counts as fitting
    int64_t largestBatch = 0; ///< the estimate's largest batch_size within the usable share
    /// Several lines: the figures, the device, and what to change when it does not fit.
    std::string report() const;
};

/// Throws clipwb::Error when the model configs cannot be loaded.
MemoryCheck checkTrainingMemory(const config::TrainConfig& cfg, const DeviceMemoryInfo& device);

struct BatchAttempt {
    int64_t batchSize = 0;
    bool fits = false;
    double peakBytes = 0; ///< CUDA allocator peak during the attempt
    double seconds = 0;   ///< time of the timed step
    std::string error;    ///< the first line of the out-of-memory message when it did not fit
};

struct BatchSearch {
    int64_t largest = 0; ///< 0: not even the smallest tried fits
    std::vector<BatchAttempt> attempts;
};

/// The search itself, for any judge: doubles from `start` until a size fails (or maxBatch), then
/// bisects down to `granularity`.
BatchSearch searchLargestBatch(const std::function<BatchAttempt(int64_t)>& attempt, int64_t start,
                               int64_t maxBatch, int64_t granularity);

/// Tries a real training step (the config's models, precision, gradient checkpointing; forward,
/// loss, backward, AdamW) at growing batch sizes on the config's CUDA device, catching out-of-memory
/// failures, and reports the largest that ran. Starts from the estimate's suggestion. Throws
/// clipwb::Error on the CPU (allocations do not fail there: the system swaps or kills).
BatchSearch findLargestBatchOnDevice(const config::TrainConfig& cfg,
                                     const std::function<void(const BatchAttempt&)>& progress = {});

} // namespace clipwb::train
