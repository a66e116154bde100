#include "train/LrSchedule.h"

#include <cmath>

namespace clipwb::train {

double cosineLearningRate(double baseLr, int64_t warmupSteps, int64_t totalSteps, int64_t step)
{
    if (step < warmupSteps)
        return baseLr * static_cast<double>(step + 1) / static_cast<double>(warmupSteps);
    const double elapsed = static_cast<double>(step - warmupSteps);
    const double span = static_cast<double>(totalSteps - warmupSteps);
    return 0.5 * (1 + std::cos(M_PI * elapsed / span)) * baseLr;
}

} // namespace clipwb::train
