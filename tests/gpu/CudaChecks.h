#pragma once
// The model-level checks of the CUDA path, without Qt: test_cuda (Qt Test, the
// full build) runs them beside its trainer-level checks, and gpu_checks (the
// core-only build, tests/bench/cuda/run.sh) runs them on a lent GPU machine,
// whose image has a CUDA PyTorch but no Qt, OpenCV or LMDB. Each returns
// whether it held and a line of figures saying why.
#include <torch/torch.h>

#include <string>
#include <vector>

namespace clipwb::cuda_checks {

struct Outcome {
    bool ok = false;
    std::string detail;
};

/// Features of the tiny models in fp32 on `device` against the CPU (TF32 off).
Outcome featuresMatchCpu(const torch::Device& device);
/// Five fp32 training steps on `device` against the CPU: losses and final weights.
Outcome trainingStepsMatchCpu(const torch::Device& device);
/// amp (fp16 with the loss scaler) and bf16 follow fp32 over the same batches, and each learns
/// one batch trained again and again.
Outcome ampAndBf16FollowFp32(const torch::Device& device);
/// Gradient checkpointing gives the steps of the plain model, in fp32 and under amp.
Outcome gradientCheckpointingGivesTheSameSteps(const torch::Device& device);
/// The masked forward (mask_ratio) draws from `device`'s default generator, whose saved state
/// replays it exactly (what an exact resume restores from cuda_rng_state).
Outcome generatorStateReplaysMasking(const torch::Device& device);
/// An allocation far beyond the device's memory throws an error isOutOfMemory() recognises,
/// and the device works on afterwards.
Outcome outOfMemoryIsRecognised(const torch::Device& device);

/// Trains `steps` steps of the tiny model on `device` from the same weights (seed 7) at
/// learning rate `lr`, on a new batch each step or on one batch again and again; returns the losses.
std::vector<double> trainTinySteps(const torch::Device& device, const std::string& precision,
                                   bool checkpointing, int steps, bool repeatOneBatch = false,
                                   std::vector<torch::Tensor>* finalParameters = nullptr, double lr = 3e-4);

/// For tests: cuDNN deterministic, TF32 off (fp32 compared with the CPU).
void useExactKernels();

} // namespace clipwb::cuda_checks
