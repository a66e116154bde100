#pragma once
// Checkpoints as upstream writes them (epoch, step, name, state_dict with the
// `module.` prefix, optimizer in PyTorch's state_dict layout), plus a
// "clipwb_state" entry that upstream ignores: the data position inside the
// epoch, the RNG states and the loss scaler, so a resume continues exactly.
// The file format itself (zip, allow-listed unpickling, atomic writes) is
// model/TorchCheckpoint's; this maps the trainer's state onto it.
#include "model/Clip.h"
#include "train/ParameterGroups.h"

#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace clipwb::train {

struct ExactState {
    int64_t epoch = 0;        // 0-based epoch to continue
    int64_t batch = 0;        // loader batches of that epoch already consumed
    double lossScale = 0;     // 0: no scaler
    int64_t growthTracker = 0;
    torch::Tensor cpuRng;     // default CPU generator state (uint8)
    torch::Tensor cudaRng;    // default CUDA generator state, undefined on CPU
    // Data-parallel runs: the world size whose batches `batch` counts, and every
    // rank's generator states in rank order (empty for one process).
    int64_t worldSize = 1;
    std::vector<torch::Tensor> rankCpuRng;
    std::vector<torch::Tensor> rankCudaRng;
};

struct OptimizerSnapshot {
    struct Entry {
        double step = 0;
        torch::Tensor expAvg;
        torch::Tensor expAvgSq;
    };
    std::map<int64_t, Entry> state;  // by parameter index (group 0 then group 1)
    std::vector<int64_t> groupSizes; // parameters per group
};

struct TrainCheckpoint {
    std::optional<int64_t> epoch;
    std::optional<int64_t> step;
    std::string name;
    model::NamedTensors stateDict; // keys as stored
    std::optional<OptimizerSnapshot> optimizer;
    std::optional<ExactState> exact;
};

/// Reads a torch.save checkpoint (or a bare state dict) without executing pickled code.
/// Throws clipwb::Error naming the file and what is wrong with it.
TrainCheckpoint readTrainCheckpoint(const std::filesystem::path& path);

/// Writes atomically (temporary file, fsync, rename): a kill at any point leaves the previous
/// complete file. Throws clipwb::Error naming the path and the cause in words ("File too large",
/// "No space left on device"); the previous file is kept.
void writeTrainCheckpoint(const std::filesystem::path& path, int64_t epoch, int64_t step, const std::string& name,
                          model::Clip& model, const torch::optim::AdamW& optimizer, const ParameterGroups& groups,
                          const ExactState& exact);

/// Deletes the "<name>.tmp-<pid>" files in folder left by writers that no longer run (a kill -9
/// in the middle of a save); writeTrainCheckpoint calls it for the folder it writes to.
void removeStaleTemporaryFiles(const std::filesystem::path& folder);

OptimizerSnapshot snapshotOptimizer(const torch::optim::AdamW& optimizer, const ParameterGroups& groups);
/// Restores exp_avg/exp_avg_sq/step per parameter; throws when shapes or counts differ.
void restoreOptimizer(torch::optim::AdamW& optimizer, const ParameterGroups& groups, const OptimizerSnapshot& snapshot);

} // namespace clipwb::train
