#pragma once
// The model's matrix products on the CPU through oneDNN's sgemm when the process
// has it. Debian's LibTorch sends at::mm/at::bmm to the generic BLAS (OpenBLAS),
// which is 3-6x slower than oneDNN on the small products of CLIP training on an
// AVX-512 CPU; LibTorch links oneDNN (libdnnl.so.2) anyway for convolutions, so
// its C entry point dnnl_sgemm is found at run time (no build dependency).
// Everything else (CUDA, autocast, other dtypes, a LibTorch whose oneDNN is not
// exported, CLIPWB_CPU_GEMM=aten in the environment) runs ATen's ops unchanged.
// Both paths compute the same products; only the summation order differs
// (results agree to float rounding).
#include <torch/torch.h>

namespace clipwb::model {

/// torch.nn.functional.linear: x [..., in] w^T [in, out] + b [out]; differentiable.
torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);

/// alpha * (a @ b) for a [..., M, K], b [..., K, N] with equal batch dimensions (any strides,
/// e.g. heads sliced out of a packed qkv projection); differentiable.
torch::Tensor scaledMatmul(const torch::Tensor& a, const torch::Tensor& b, double alpha);

/// Whether oneDNN's sgemm was found in this process.
bool cpuGemmAvailable();
/// Default: on when available (off when CLIPWB_CPU_GEMM=aten). Tests compare the two paths.
void setCpuGemmEnabled(bool enabled);
bool cpuGemmEnabled();

} // namespace clipwb::model
