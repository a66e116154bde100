#pragma once
// Out-of-memory failures of a training run: recognised whatever LibTorch
// reports them as, and turned into one line that says what to change.
// LibTorch 2.x throws c10::OutOfMemoryError (CUDA caching allocator); 1.13
// throws a plain c10::Error whose message says "CUDA out of memory", and the
// CPU allocator says "can't allocate memory" on both.
#include "config/TrainConfig.h"

#include <exception>
#include <string>

namespace clipwb::train {

/// Whether e reports that an allocation failed (device or host memory).
bool isOutOfMemory(const std::exception& e);

struct OutOfMemoryContext {
    std::string device;          ///< "cuda:0", "cpu"
    std::string precision;       ///< the effective precision ("fp32", "amp", "bf16")
    std::string phase;           ///< "training step 12", "validation at step 40", "set-up"
    bool validation = false;     ///< the allocation failed while validating
    std::string lastCheckpoint;  ///< the newest checkpoint of the run (written or resumed from); may be empty
    bool fusedAttention = false; ///< fused attention kernels are available in this build
};

/// One line: what ran out where (LibTorch's own first line, trimmed), then what to change in the
/// config, then that the run folder and its last checkpoint are intact and how to go on.
std::string outOfMemoryMessage(const std::string& torchMessage, const config::TrainConfig& cfg,
                               const OutOfMemoryContext& context);

/// Gives the CUDA caching allocator's unused blocks back to the driver after a failure, so that
/// the process (the GUI) can go on; does nothing without CUDA.
void releaseCachedDeviceMemory();

} // namespace clipwb::train
