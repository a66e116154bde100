#pragma once
// Upstream Chinese-CLIP's training (cn_clip/training/main.py, train(),
// evaluate()) in LibTorch, shared by `clipwb-cli train` and the GUI's worker
// thread. Torch-free header (pimpl) so the GUI can include it.
//
// run() is blocking: call it on a worker thread. The control methods are safe
// from any thread and take effect between optimizer steps.
#include "config/TrainConfig.h"
#include "dist/DistEnv.h"
#include "train/TrainerObserver.h"

#include <memory>

namespace clipwb::train {

/// One rank of a data-parallel run (spec/cli.md, "train: several processes").
struct DataParallelOptions {
    dist::DistEnv env;            ///< rank, world size, rendezvous address
    std::string backend = "auto"; ///< auto (nccl on CUDA, else gloo), gloo, nccl
    int rendezvousTimeoutSeconds = 300;
    int timeoutSeconds = 1800; ///< one collective (a rank that hangs)
};

class Trainer {
public:
    /// observer may be null; it must outlive run().
    Trainer(config::TrainConfig config, TrainerObserver* observer = nullptr);
    ~Trainer();
    Trainer(const Trainer&) = delete;
    Trainer& operator=(const Trainer&) = delete;

    /// Makes run() one rank of a data-parallel run when options.env.worldSize > 1
    /// (call before run()). Rank 0 writes the run folder; the others write nothing
    /// there and log to stderr with their rank.
    void setDataParallel(const DataParallelOptions& options);

    /// Trains until max_steps/max_epochs or requestStop(). Writes the run folder
    /// {logs}/{name}/ (config.json, metrics.jsonl, train.log, checkpoints/).
    /// On failure it reports onFailed() and train.log, then throws clipwb::Error.
    void run();

    /// Validation only (loss, i2t, t2i over the whole val_data split) of the model
    /// that run() would start from (resume / auto-resume / initial weights).
    /// Writes nothing.
    ValidationMetrics evaluateOnly();

    /// Finish the current step, save checkpoints/epoch_latest.pt (exact position), return.
    void requestStop();
    /// Hold before the next step until resume() (or requestStop()).
    void pause();
    void resume();
    bool isPaused() const;
    /// Save epoch_{E}_{S}.pt and epoch_latest.pt after the current step.
    void requestSave();
    /// Async-signal-safe: pause, or continue when paused (SIGUSR2 of clipwb-cli train).
    void togglePauseFromSignal();
    /// Whether run() is in its step loop (set up, not finished). A stop asked before then
    /// waits for the setup (loading, the ranks' rendezvous) to end; clipwb-cli ends the
    /// process at once instead, since there is nothing to save yet.
    bool isTraining() const;

    /// The run folder this config trains into.
    std::filesystem::path runDir() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace clipwb::train
