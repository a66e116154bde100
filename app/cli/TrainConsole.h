#pragma once
// Runs a Trainer in the terminal: progress bar (step, loss, lr, samples/s,
// ETA), validation lines, Ctrl-C = finish the step and save epoch_latest.pt.
#include "config/TrainConfig.h"
#include "train/Trainer.h"

namespace clipwb::cli {

/// Throws clipwb::Error when training fails.
void trainWithConsole(const config::TrainConfig& config);
/// One rank of a data-parallel run when parallel.env.worldSize > 1.
void trainWithConsole(const config::TrainConfig& config, const train::DataParallelOptions& parallel);

} // namespace clipwb::cli
