#pragma once
// Upstream's cosine_lr (cn_clip/training/scheduler.py): linear warm-up to the
// base rate, then half a cosine down to zero at totalSteps. Evaluated in
// double with upstream's operation order so the rates match bit for bit.
#include <cstdint>

namespace clipwb::train {

/// The learning rate for 0-based optimizer step `step`.
double cosineLearningRate(double baseLr, int64_t warmupSteps, int64_t totalSteps, int64_t step);

} // namespace clipwb::train
