#include "train/AutocastScope.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

namespace clipwb::train {
namespace {

// LibTorch 2.4 replaced the per-device setters with device-type arguments.
#if defined(TORCH_VERSION_MAJOR) && (TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4))
bool isEnabled(bool cuda) { return at::autocast::is_autocast_enabled(cuda ? at::kCUDA : at::kCPU); }
void setEnabled(bool cuda, bool on) { at::autocast::set_autocast_enabled(cuda ? at::kCUDA : at::kCPU, on); }
torch::ScalarType dtypeOf(bool cuda) { return at::autocast::get_autocast_dtype(cuda ? at::kCUDA : at::kCPU); }
void setDtype(bool cuda, torch::ScalarType t) { at::autocast::set_autocast_dtype(cuda ? at::kCUDA : at::kCPU, t); }
#else
bool isEnabled(bool cuda) { return cuda ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled(); }
void setEnabled(bool cuda, bool on)
{
    if (cuda)
        at::autocast::set_enabled(on);
    else
        at::autocast::set_cpu_enabled(on);
}
torch::ScalarType dtypeOf(bool cuda)
{
    return cuda ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
}
void setDtype(bool cuda, torch::ScalarType t)
{
    if (cuda)
        at::autocast::set_autocast_gpu_dtype(t);
    else
        at::autocast::set_autocast_cpu_dtype(t);
}
#endif

} // namespace

AutocastScope::AutocastScope(bool enabled, torch::Device device, torch::ScalarType dtype)
{
    if (!enabled || dtype == torch::kFloat)
        return;
    m_active = true;
    m_cuda = device.is_cuda();
    m_previousEnabled = isEnabled(m_cuda);
    m_previousDtype = dtypeOf(m_cuda);
    setEnabled(m_cuda, true);
    setDtype(m_cuda, dtype);
    at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope()
{
    if (!m_active)
        return;
    // Leaving the outermost region frees the cached casts of the weights.
    if (at::autocast::decrement_nesting() == 0)
        at::autocast::clear_cache();
    setEnabled(m_cuda, m_previousEnabled);
    setDtype(m_cuda, m_previousDtype);
}

} // namespace clipwb::train
