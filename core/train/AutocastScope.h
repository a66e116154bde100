#pragma once
// RAII mixed-precision region (C++ counterpart of torch.autocast): fp16 or
// bf16 on CUDA, bf16 on CPU. Works with LibTorch 1.13 and 2.x.
#include <torch/torch.h>

namespace clipwb::train {

class AutocastScope {
public:
    /// dtype kFloat (or enabled false) makes a no-op scope.
    AutocastScope(bool enabled, torch::Device device, torch::ScalarType dtype);
    ~AutocastScope();
    AutocastScope(const AutocastScope&) = delete;
    AutocastScope& operator=(const AutocastScope&) = delete;

private:
    bool m_active = false;
    bool m_cuda = false;
    bool m_previousEnabled = false;
    torch::ScalarType m_previousDtype = torch::kFloat;
};

} // namespace clipwb::train
