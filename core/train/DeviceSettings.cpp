#include "train/DeviceSettings.h"

#include "model/CpuGemm.h"
#include "model/ScaledDotProductAttention.h"

#include <ATen/Context.h>

#include <cstdlib>

namespace clipwb::train {

bool tf32Requested()
{
    const char* value = std::getenv("CLIPWB_TF32");
    return value && std::string(value) != "0" && std::string(value) != "";
}

std::vector<std::string> applyDeviceSettings(const config::TrainConfig& cfg,
                                             const model::ClipModelConfig& model, bool cuda)
{
    std::vector<std::string> notes;
    if (cuda) {
        const bool tf32 = tf32Requested();
        at::globalContext().setAllowTF32CuBLAS(tf32);
        at::globalContext().setAllowTF32CuDNN(tf32);
        notes.emplace_back(
            tf32 ? "TF32 tensor-core products on (CLIPWB_TF32=1): fp32 products carry a 10-bit "
                   "mantissa"
                 : "TF32 off: fp32 products are exact fp32 (CLIPWB_TF32=1 for speed on Ampere or "
                   "newer)");
        at::globalContext().setBenchmarkCuDNN(model.isResNet());
        if (model.isResNet())
            notes.emplace_back(
                "cuDNN benchmark on: the ResNet's convolution algorithms are timed once per shape");
    } else {
        std::string products = "CPU matrix products: ";
        products += model::cpuGemmDescription();
        notes.emplace_back(std::move(products));
    }
    if (cfg.use_flash_attention) {
        notes.emplace_back(
            model::fusedAttentionCompiledIn()
                ? "use_flash_attention: fused scaled_dot_product_attention (flash or memory-efficient "
                  "kernels on CUDA); checkpoints keep upstream's flash-attention optimizer layout"
                : "use_flash_attention: this build's LibTorch 1.x has no fused attention kernel; "
                  "plain attention runs (same numbers); checkpoints keep upstream's flash-attention "
                  "optimizer layout");
    }
    return notes;
}

} // namespace clipwb::train
