#pragma once
// Runs a Trainer in the terminal: progress bar (step, loss, lr, samples/s,
// ETA), validation lines, Ctrl-C = finish the step and save epoch_latest.pt.
#include "config/TrainConfig.h"

namespace clipwb::cli {

/// Throws clipwb::Error when training fails.
void trainWithConsole(const config::TrainConfig& config);

} // namespace clipwb::cli
