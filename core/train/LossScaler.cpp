#include "train/LossScaler.h"

#include "common/Error.h"

namespace clipwb::train {

LossScaler::LossScaler(LossScalerOptions options) : m_options(options), m_scale(options.initScale)
{
    CLIPWB_CHECK(options.initScale > 0 && options.growthFactor > 1 && options.backoffFactor > 0 &&
                     options.backoffFactor < 1 && options.growthInterval > 0,
                 "invalid loss scaler options");
}

torch::Tensor LossScaler::scale(const torch::Tensor& loss) const
{
    if (!m_options.enabled)
        return loss;
    // GradScaler keeps the scale as a float32 tensor: multiply in float32 the same way.
    return loss * torch::full({}, m_scale, loss.options().dtype(torch::kFloat));
}

void LossScaler::unscale(const std::vector<torch::Tensor>& parameters)
{
    if (!m_options.enabled || m_unscaled)
        return;
    torch::NoGradGuard noGrad;
    // GradScaler computes the inverse in float64 and rounds it to float32.
    const double invScale = static_cast<double>(static_cast<float>(1.0 / m_scale));
    std::vector<torch::Tensor> cudaGrads;
    bool foundInf = false;
    for (const torch::Tensor& p : parameters) {
        const torch::Tensor& g = p.grad();
        if (!g.defined())
            continue;
        if (g.is_cuda()) {
            cudaGrads.push_back(g);
            continue;
        }
        if (!foundInf && !torch::isfinite(g).all().item<bool>())
            foundInf = true;
        g.mul_(invScale);
    }
    if (!cudaGrads.empty()) {
        const auto device = cudaGrads.front().device();
        torch::Tensor found = torch::zeros({1}, torch::TensorOptions().dtype(torch::kFloat).device(device));
        torch::Tensor inv = torch::full({1}, invScale, torch::TensorOptions().dtype(torch::kFloat).device(device));
        at::_amp_foreach_non_finite_check_and_unscale_(cudaGrads, found, inv);
        if (found.item<float>() != 0)
            foundInf = true;
    }
    m_foundInf = foundInf;
    m_unscaled = true;
}

bool LossScaler::step(torch::optim::Optimizer& optimizer, const std::vector<torch::Tensor>& parameters)
{
    if (!m_options.enabled) {
        optimizer.step();
        m_lastSkipped = false;
        return true;
    }
    unscale(parameters);
    m_lastSkipped = m_foundInf;
    if (!m_foundInf)
        optimizer.step();
    return !m_foundInf;
}

void LossScaler::update()
{
    if (!m_options.enabled)
        return;
    if (m_foundInf) {
        m_scale *= m_options.backoffFactor;
        m_growthTracker = 0;
    } else if (++m_growthTracker == m_options.growthInterval) {
        m_scale *= m_options.growthFactor;
        m_growthTracker = 0;
    }
    // The scale lives in float32 in PyTorch.
    m_scale = static_cast<double>(static_cast<float>(m_scale));
    m_unscaled = false;
    m_foundInf = false;
}

void LossScaler::restore(double scale, int64_t growthTracker)
{
    CLIPWB_CHECK(scale > 0 && std::isfinite(scale), "invalid loss scale in checkpoint: ", scale);
    m_scale = scale;
    m_growthTracker = growthTracker;
    m_unscaled = false;
    m_foundInf = false;
}

} // namespace clipwb::train
