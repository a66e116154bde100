#include "model/Fp32LayerNorm.h"

namespace clipwb::model {

Fp32LayerNormImpl::Fp32LayerNormImpl(int64_t width, double eps) : m_width(width), m_eps(eps)
{
    weight = register_parameter("weight", torch::ones({width}));
    bias = register_parameter("bias", torch::zeros({width}));
}

torch::Tensor Fp32LayerNormImpl::forward(const torch::Tensor& x)
{
    const auto dtype = x.scalar_type();
    auto y = torch::layer_norm(x.to(torch::kFloat32), {m_width}, weight.to(torch::kFloat32),
                               bias.to(torch::kFloat32), m_eps);
    return y.to(dtype);
}

} // namespace clipwb::model
