#pragma once
// Dynamic loss scaling as PyTorch's torch.cuda.amp.GradScaler does it: the loss
// is multiplied by the scale before backward; before the optimizer step the
// gradients are unscaled and checked; a step whose gradients hold inf/NaN is
// skipped and the scale backs off, and after growthInterval clean steps it grows.
#include <torch/torch.h>

#include <vector>

namespace clipwb::train {

struct LossScalerOptions {
    double initScale = 65536.0;   // GradScaler's init_scale (2**16)
    double growthFactor = 2.0;    // growth_factor
    double backoffFactor = 0.5;   // backoff_factor
    int64_t growthInterval = 2000; // growth_interval
    bool enabled = true;          // disabled: scale() and step() pass straight through
};

class LossScaler {
public:
    explicit LossScaler(LossScalerOptions options = {});

    torch::Tensor scale(const torch::Tensor& loss) const;
    /// Unscales the gradients in place and records whether any is inf/NaN.
    /// Called once per step (step() calls it when the caller has not).
    void unscale(const std::vector<torch::Tensor>& parameters);
    /// Unscales (if needed) and runs optimizer.step() unless a gradient was not
    /// finite; returns whether the step was taken.
    bool step(torch::optim::Optimizer& optimizer, const std::vector<torch::Tensor>& parameters);
    /// Adjusts the scale after the step (backoff on inf/NaN, growth after a clean run).
    void update();

    double currentScale() const { return m_scale; }
    int64_t growthTracker() const { return m_growthTracker; }
    bool enabled() const { return m_options.enabled; }
    bool lastStepSkipped() const { return m_lastSkipped; }
    /// For exact resume: restores the scale and growth tracker saved with a checkpoint.
    void restore(double scale, int64_t growthTracker);

private:
    LossScalerOptions m_options;
    double m_scale;
    int64_t m_growthTracker = 0;
    bool m_unscaled = false;
    bool m_foundInf = false;
    bool m_lastSkipped = false;
};

} // namespace clipwb::train
