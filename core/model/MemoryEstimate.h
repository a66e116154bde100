#pragma once
// How much memory a training run needs, from the model config alone (no
// LibTorch here: the Configuration page and `clipwb-cli config check --memory`
// call it as the user types). Parameters and their gradients, AdamW's two
// moments, the activations one sample keeps for the backward pass (counted
// tensor by tensor from what each layer of core/model saves, for the precision,
// the attention kernel and gradient checkpointing), and the largest transient
// buffers of a step. tests/train/TestMemoryEstimate checks it against the peak
// the CPU allocator sees in a real training step.
#include "model/ModelConfig.h"

#include <cstdint>
#include <string>

namespace clipwb::model {

struct MemoryEstimateOptions {
    int64_t batchSize = 64;
    int64_t contextLength = 52;
    std::string precision = "fp32"; ///< effective: "fp32", "amp" (fp16 autocast) or "bf16"
    bool cuda = false;              ///< dropout masks are bytes on CUDA, floats on the CPU
    bool gradCheckpointing = false;
    /// Attention runs as one fused kernel (LibTorch 2.x): no [heads, tokens, tokens] probabilities kept.
    bool fusedAttention = false;
    bool freezeVision = false;
    double maskRatio = 0.0;
    /// A distillation teacher's parameters (no gradients, no optimizer state); 0 without one.
    int64_t teacherParameterCount = 0;
};

struct MemoryEstimate {
    int64_t parameterCount = 0;
    int64_t trainableParameterCount = 0;
    double parameterBytes = 0;  ///< fp32 master weights (and the teacher's)
    double gradientBytes = 0;   ///< one fp32 gradient per trainable parameter
    double optimizerBytes = 0;  ///< AdamW: exp_avg and exp_avg_sq
    double castWeightBytes = 0; ///< amp/bf16: the low-precision copies autocast keeps during a step
    double activationBytesPerSample = 0;
    double activationBytes = 0; ///< per sample times the batch size
    double workspaceBytes = 0;  ///< the largest transient buffers (gradients in flight, logits)
    double totalBytes = 0;

    /// One line per figure, for the CLI and the Configuration page.
    std::string describe() const;
};

/// Number of parameters of a model built from config (exactly what model::Clip registers).
int64_t parameterCount(const ClipModelConfig& config);
int64_t visionParameterCount(const ClipModelConfig& config);

MemoryEstimate estimateTrainingMemory(const ClipModelConfig& config, const MemoryEstimateOptions& options);

/// The largest batch size whose estimate stays within availableBytes (0 when not even 1 fits).
int64_t largestBatchWithin(const ClipModelConfig& config, MemoryEstimateOptions options,
                           double availableBytes);

/// "1.23 GiB", "456 MiB".
std::string formatBytes(double bytes);

} // namespace clipwb::model
