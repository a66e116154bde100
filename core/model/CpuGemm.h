#pragma once
// The model's matrix products on the CPU, each shape through the faster of
// oneDNN's sgemm and ATen's BLAS. Debian's LibTorch sends at::mm/at::bmm to the
// generic BLAS (OpenBLAS), which is 3-6x slower than oneDNN on the small
// products of the Tiny models on an AVX-512 CPU but up to 2x faster on some
// products of ViT-B-16 and RoBERTa-base; Debian's LibTorch links oneDNN
// (libdnnl.so.2) anyway for convolutions, so its C entry point dnnl_sgemm is
// found at run time (no build dependency). PyPI's LibTorch hides its oneDNN;
// there the system's libdnnl (Debian's libdnnl2) is loaded when it is installed
// (CLIPWB_SYSTEM_ONEDNN=0: never). Which library serves a shape is measured on
// its first product and remembered (model/GemmBackendChoice.h). Everything else (CUDA,
// autocast, other dtypes, a LibTorch whose oneDNN is not exported) runs ATen's
// ops unchanged. Both libraries compute the same products; only the summation
// order differs (results agree to float rounding).
//
// CLIPWB_CPU_GEMM in the environment: unset or "auto" measures, "onednn" takes
// oneDNN for every shape, "aten" ATen's own linear and matmul (no custom ops).
#include <torch/torch.h>

#include <string>

namespace clipwb::model {

/// torch.nn.functional.linear: x [..., in] w^T [in, out] + b [out]; differentiable.
torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);

/// alpha * (a @ b) for a [..., M, K], b [..., K, N] with equal batch dimensions (any strides,
/// e.g. heads sliced out of a packed qkv projection); differentiable.
torch::Tensor scaledMatmul(const torch::Tensor& a, const torch::Tensor& b, double alpha);

/// Whether oneDNN's sgemm was found in this process.
bool cpuGemmAvailable();

/// Which library computes this process's CPU products and why, for train.log.
std::string cpuGemmDescription();

enum class CpuGemmMode {
    Aten,     ///< ATen's linear and matmul, as PyTorch computes them
    OneDnn,   ///< oneDNN's sgemm for every product it can take
    Measured, ///< per shape, the faster of the two (the default)
};
/// Default from CLIPWB_CPU_GEMM (see above); tests compare the paths.
void setCpuGemmMode(CpuGemmMode mode);
CpuGemmMode cpuGemmMode();
/// Whether the custom products run at all (not Aten mode, oneDNN found).
bool cpuGemmEnabled();

} // namespace clipwb::model
