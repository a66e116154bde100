#pragma once
// Process-wide LibTorch settings a training run chooses for its device:
// TF32 products (the environment variable CLIPWB_TF32=1: a setting of the
// machine rather than of the run, like PyTorch's allow_tf32), cuDNN's autotuner for the ResNet's
// convolutions (fixed input sizes, so the search pays off after one step), and
// which attention kernel runs (use_flash_attention); on the CPU, how many
// threads compute and which library computes the matrix products. Returns what it set, for train.log.
#include "config/TrainConfig.h"
#include "model/ModelConfig.h"

#include <string>
#include <vector>

namespace clipwb::train {

/// CLIPWB_TF32 is set and not "0".
bool tf32Requested();

/// The physical cores this process may run on (its affinity mask, one per core of /sys's
/// topology): a CPU run's compute threads unless OMP_NUM_THREADS or MKL_NUM_THREADS says otherwise.
int machineCoreCount();

std::vector<std::string> applyDeviceSettings(const config::TrainConfig& cfg,
                                             const model::ClipModelConfig& model, bool cuda);

} // namespace clipwb::train
