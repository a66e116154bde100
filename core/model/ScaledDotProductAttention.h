#pragma once
// Attention shared by the ViT blocks and BERT. With LibTorch >= 2.0 it runs
// at::scaled_dot_product_attention (fused kernels on GPU); on 1.13 it runs the
// matmul-softmax-matmul path. Both compute softmax(q k^T / sqrt(d) + mask) v.
#include <torch/torch.h>

namespace clipwb::model {

/// q, k, v: [batch, heads, length, headDim]. additiveMask: undefined or broadcastable to
/// [batch, heads, length, length] and added to the scores. Dropout on the probabilities
/// applies only when training is true.
torch::Tensor scaledDotProductAttention(const torch::Tensor& q, const torch::Tensor& k,
                                        const torch::Tensor& v, const torch::Tensor& additiveMask,
                                        double dropout, bool training);

/// Whether this build can use the fused kernel (compiled against LibTorch >= 2.0).
bool fusedAttentionCompiledIn();

/// Lets tests (and users chasing a numerical question) force the plain path.
/// Default: fused whenever compiled in. Thread-safe (an atomic flag).
void setFusedAttentionEnabled(bool enabled);
bool fusedAttentionEnabled();

} // namespace clipwb::model
