#include "model/ScaledDotProductAttention.h"

#include "model/CpuGemm.h"

#include <torch/version.h>

#include <atomic>
#include <cmath>

#if TORCH_VERSION_MAJOR >= 2
#define CLIPWB_HAS_FUSED_ATTENTION 1
#else
#define CLIPWB_HAS_FUSED_ATTENTION 0
#endif

namespace clipwb::model {

namespace {
std::atomic<bool> g_fusedEnabled{true};
}

bool fusedAttentionCompiledIn()
{
    return CLIPWB_HAS_FUSED_ATTENTION != 0;
}

void setFusedAttentionEnabled(bool enabled)
{
    g_fusedEnabled = enabled;
}

bool fusedAttentionEnabled()
{
    return fusedAttentionCompiledIn() && g_fusedEnabled.load();
}

torch::Tensor scaledDotProductAttention(const torch::Tensor& q, const torch::Tensor& k,
                                        const torch::Tensor& v, const torch::Tensor& additiveMask,
                                        double dropout, bool training)
{
    const double dropoutP = training ? dropout : 0.0;
#if CLIPWB_HAS_FUSED_ATTENTION
    if (g_fusedEnabled.load()) {
        c10::optional<at::Tensor> mask;
        if (additiveMask.defined())
            mask = additiveMask.to(q.scalar_type());
        return at::scaled_dot_product_attention(q, k, v, mask, dropoutP, false);
    }
#endif
    torch::Tensor scores;
    if (cpuGemmEnabled() && q.device().is_cpu())
        scores = scaledMatmul(q, k.transpose(-2, -1), 1.0 / std::sqrt(static_cast<double>(q.size(-1))));
    else
        scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(q.size(-1)));
    if (additiveMask.defined())
        scores = scores + additiveMask.to(scores.scalar_type());
    auto probs = torch::softmax(scores, -1);
    if (dropoutP > 0)
        probs = torch::dropout(probs, dropoutP, true);
    return scaledMatmul(probs, v, 1.0);
}

} // namespace clipwb::model
