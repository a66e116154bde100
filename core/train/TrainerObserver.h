#pragma once
// Events of a training run (torch-free: the GUI includes this). Every callback
// runs on the training thread; a GUI forwards them with queued signals.
#include <cstdint>
#include <filesystem>
#include <string>

namespace clipwb::train {

struct RunInfo {
    std::filesystem::path runDir;      // {logs}/{name}
    std::string name;
    std::string device;                // "cpu", "cuda:0"
    std::string precision;             // effective precision (after CPU fall-backs)
    int64_t maxSteps = 0;
    int64_t maxEpochs = 0;
    int64_t batchesPerEpoch = 0;       // loader batches (accum_freq of them make one step)
    int64_t stepsPerEpoch = 0;
    int64_t startStep = 0;             // steps already done (resume)
    int64_t startEpoch = 0;            // 0-based epoch the run starts in
    int64_t trainSamples = 0;
    int64_t validSamples = 0;          // 0 without val_data
    int64_t globalBatchSize = 0;       // batch_size * accum_freq * world size
    int64_t worldSize = 1;             // ranks of a data-parallel run
    int64_t rank = 0;                  // this process's rank
    int64_t parameterCount = 0;
    int64_t trainableParameterCount = 0;
    std::string resumedFrom;           // checkpoint path, empty when starting fresh
};

struct StepMetrics {
    int64_t step = 0;                  // 1-based optimizer step
    int64_t epoch = 0;                 // 1-based epoch
    int64_t maxSteps = 0;
    int64_t batchInEpoch = 0;          // loader batches consumed in this epoch
    int64_t batchesPerEpoch = 0;
    double loss = 0;
    double i2t = 0;
    double t2i = 0;
    double lr = 0;
    double logitScale = 0;             // the logit_scale parameter after the clamp (upstream logs it raw)
    double samplesPerSecond = 0;
    double stepTimeSeconds = 0;
    double dataWaitSeconds = 0;
    double lossScale = 0;              // amp only, else 0
    bool skipped = false;              // amp: step skipped on inf/NaN gradients
    double elapsedSeconds = 0;         // since run() began
    double etaSeconds = 0;
};

struct ValidationMetrics {
    int64_t step = 0;
    int64_t epoch = 0;
    double loss = 0;
    double i2t = 0;
    double t2i = 0;
    int64_t numSamples = 0;
    double seconds = 0;
    // Retrieval recall over the split in percent (as upstream's evaluation), when computed.
    bool hasRecall = false;
    double t2iR1 = 0, t2iR5 = 0, t2iR10 = 0;
    double i2tR1 = 0, i2tR5 = 0, i2tR10 = 0;
    double meanRecall = 0;
};

enum class LogLevel { Info, Warning, Error };

class TrainerObserver {
public:
    virtual ~TrainerObserver() = default;
    virtual void onStarted(const RunInfo&) {}
    virtual void onStep(const StepMetrics&) {}
    virtual void onValidation(const ValidationMetrics&) {}
    virtual void onCheckpointSaved(const std::filesystem::path& path, int64_t epoch, int64_t step) {}
    virtual void onLog(LogLevel level, const std::string& text) {}
    /// stopped: the run ended early on requestStop() (epoch_latest.pt holds its state).
    virtual void onFinished(bool stopped) {}
    virtual void onFailed(const std::string& message) {}
};

} // namespace clipwb::train
