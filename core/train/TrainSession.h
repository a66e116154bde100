#pragma once
// The state of one training run that its parts share: RunSetup fills it, TrainStep,
// Validator and CheckpointKeeper work on it, Trainer drives the epochs. A plain
// struct on purpose: the parts are the classes, this is what they hand each other.
#include "config/TrainConfig.h"
#include "data/DataLoader.h"
#include "dist/Collectives.h"
#include "model/Clip.h"
#include "model/ModelConfig.h"
#include "run/RunLock.h"
#include "text/Tokenizer.h"
#include "train/LossScaler.h"
#include "train/ParameterGroups.h"
#include "train/TrainCheckpoint.h"
#include "train/TrainEvents.h"
#include "train/Trainer.h"
#include "train/ValidationRecall.h"

#include <torch/torch.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace clipwb::train {

using Clock = std::chrono::steady_clock;

inline double secondsSince(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Upstream clamps the logit scale to 4.6052 = ln(100), as in the original paper.
constexpr double kMaxLogitScale = 4.6052;

enum class Precision { Fp32, Amp, Bf16 };

/// A place in the data: 0-based epoch and the loader batches of it already consumed.
struct Position {
    int64_t epoch = 0;
    int64_t batch = 0;
};

struct TrainSession {
    TrainSession(config::TrainConfig c, TrainerObserver* observer) : cfg(std::move(c)), events(observer) {}

    config::TrainConfig cfg;
    TrainEvents events;

    // ---- data parallelism (RunSetup connects the ranks) ----
    DataParallelOptions parallel; // world size 1: one process
    std::unique_ptr<dist::Collectives> ranks;
    int rank() const { return distributed() ? parallel.env.rank : 0; }
    int worldSize() const { return distributed() ? parallel.env.worldSize : 1; }
    bool distributed() const { return parallel.env.worldSize > 1; }
    /// Rank 0 alone writes the run folder (config, log, metrics, checkpoints, lock).
    bool writesRunFolder() const { return rank() == 0; }

    // ---- the run folder (RunSetup) ----
    std::filesystem::path runDir;
    std::filesystem::path checkpointDir;
    std::unique_ptr<run::RunLock> runLock; // held from prepare(true) until released at the end

    // ---- device and model (RunSetup) ----
    torch::Device device{torch::kCPU};
    Precision precision = Precision::Fp32;
    std::string precisionName;
    model::ClipModelConfig modelConfig;
    model::Clip model{nullptr};
    model::Clip teacher{nullptr};
    ParameterGroups groups;
    std::unique_ptr<torch::optim::AdamW> optimizer;
    std::unique_ptr<LossScaler> scaler;

    // ---- data (RunSetup) ----
    std::shared_ptr<const text::Tokenizer> tokenizer;
    std::unique_ptr<data::DataLoader> trainLoader;
    std::unique_ptr<data::DataLoader> validLoader;
    std::unique_ptr<ValidationRecall> validRecall;
    int64_t batchesPerEpoch = 0;
    int64_t stepsPerEpoch = 0;
    int64_t maxSteps = 0;
    int64_t maxEpochs = 0;

    // ---- progress ----
    int64_t steps = 0; // optimizer steps done (upstream's `steps`)
    Position start;    // where this run starts (resume)
    std::string resumedFrom;
    std::optional<ExactState> pendingExact; // applied once everything is built
    /// Validator::evaluate is running; left set when it throws, so that a failure says where it happened.
    bool validating = false;

    bool autocastEnabled() const { return precision != Precision::Fp32; }
    torch::ScalarType autocastType() const
    {
        return precision == Precision::Amp    ? torch::kHalf
               : precision == Precision::Bf16 ? torch::kBFloat16
                                              : torch::kFloat;
    }

    /// model->train(), except a frozen ResNet's batch norms, whose running statistics
    /// stay fixed, as upstream.
    void setTrainMode()
    {
        model->train();
        if (cfg.freeze_vision && modelConfig.isResNet()) {
            for (auto& m : model->visual()->modules())
                if (dynamic_cast<torch::nn::BatchNorm2dImpl*>(m.get()))
                    m->eval();
        }
    }
};

} // namespace clipwb::train
