#include "model/BatchNormSync.h"

#include <torch/csrc/autograd/custom_function.h>

namespace clipwb::model {
namespace {

/// Every dimension but the channels (1).
std::vector<int64_t> reducedDims(const torch::Tensor& x)
{
    std::vector<int64_t> dims{0};
    for (int64_t d = 2; d < x.dim(); ++d)
        dims.push_back(d);
    return dims;
}

/// A per-channel vector shaped to broadcast against x [N, C, ...].
torch::Tensor perChannel(const torch::Tensor& v, const torch::Tensor& x)
{
    std::vector<int64_t> shape(static_cast<size_t>(x.dim()), 1);
    shape[1] = v.size(0);
    return v.view(shape);
}

class SyncBatchNormFunction : public torch::autograd::Function<SyncBatchNormFunction> {
public:
    static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& input,
                                 const torch::Tensor& weight, const torch::Tensor& bias,
                                 torch::Tensor runningMean, torch::Tensor runningVar, double eps,
                                 double momentum, int64_t syncAddress)
    {
        const auto& sync = *reinterpret_cast<const BatchNormSync*>(syncAddress);
        // float32 at least, as ATen's batch norm accumulates half inputs.
        const auto type = input.scalar_type() == torch::kDouble ? torch::kDouble : torch::kFloat;
        const torch::Tensor x = input.to(type);
        const auto dims = reducedDims(x);
        const int64_t channels = x.size(1);
        // One all-reduce for the sums and the count, one for the squares around the global mean:
        // the two-pass variance, as precise as one process's.
        torch::Tensor sums = torch::cat({x.sum(dims), torch::full({1}, x.numel() / channels, x.options())});
        sync.sum(sums);
        const double count = sums[channels].item<double>();
        TORCH_CHECK(count > 1, "synchronised batch norm: ", count,
                    " value(s) per channel over all ranks; it needs more than one");
        const torch::Tensor mean = sums.narrow(0, 0, channels) / count;
        const torch::Tensor centred = x - perChannel(mean, x);
        torch::Tensor squares = centred.square().sum(dims);
        sync.sum(squares);
        const torch::Tensor var = squares / count;
        const torch::Tensor invstd = (var + eps).rsqrt();
        {
            torch::NoGradGuard noGrad;
            if (runningMean.defined()) {
                runningMean.mul_(1 - momentum).add_(mean.to(runningMean.scalar_type()), momentum);
                runningVar.mul_(1 - momentum)
                    .add_((var * (count / (count - 1))).to(runningVar.scalar_type()), momentum);
            }
        }
        torch::Tensor out = centred * perChannel(invstd, x);
        if (weight.defined())
            out = out * perChannel(weight.to(type), x) + perChannel(bias.to(type), x);
        ctx->save_for_backward({input, weight, mean, invstd});
        ctx->saved_data["count"] = count;
        ctx->saved_data["sync"] = syncAddress;
        return out.to(input.scalar_type());
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const torch::Tensor& input = saved[0];
        const torch::Tensor& weight = saved[1];
        const torch::Tensor& mean = saved[2];
        const torch::Tensor& invstd = saved[3];
        const double count = ctx->saved_data["count"].toDouble();
        const auto& sync = *reinterpret_cast<const BatchNormSync*>(ctx->saved_data["sync"].toInt());
        const auto type = mean.scalar_type();
        const torch::Tensor x = input.to(type);
        const torch::Tensor dy = grads[0].to(type);
        const auto dims = reducedDims(x);
        const int64_t channels = x.size(1);
        const torch::Tensor centred = x - perChannel(mean, x);
        const torch::Tensor sumDy = dy.sum(dims);
        const torch::Tensor sumDyCentred = (dy * centred).sum(dims);
        torch::Tensor gradWeight, gradBias;
        if (weight.defined()) {
            gradWeight = (sumDyCentred * invstd).to(weight.scalar_type());
            gradBias = sumDy.to(weight.scalar_type());
        }
        torch::Tensor both = torch::cat({sumDy, sumDyCentred});
        sync.sum(both);
        const torch::Tensor meanDy = both.narrow(0, 0, channels) / count;
        const torch::Tensor meanDyCentred = both.narrow(0, channels, channels) / count;
        torch::Tensor scale = invstd;
        if (weight.defined())
            scale = scale * weight.to(type);
        const torch::Tensor gradInput =
            (dy - perChannel(meanDy, x) - centred * perChannel(invstd.square() * meanDyCentred, x)) *
            perChannel(scale, x);
        return {gradInput.to(input.scalar_type()),
                gradWeight,
                gradBias,
                torch::Tensor(),
                torch::Tensor(),
                torch::Tensor(),
                torch::Tensor(),
                torch::Tensor()};
    }
};

} // namespace

torch::Tensor applyBatchNorm(torch::nn::BatchNorm2d& bn, const torch::Tensor& x, const BatchNormSync& sync)
{
    if (!bn->is_training() || !sync.sum)
        return bn(x);
    const auto& options = bn->options;
    double momentum = options.momentum().value_or(0.0);
    if (bn->num_batches_tracked.defined()) {
        torch::NoGradGuard noGrad;
        bn->num_batches_tracked.add_(1);
        // momentum None: the cumulative average, as torch.nn.BatchNorm counts it.
        if (!options.momentum())
            momentum = 1.0 / bn->num_batches_tracked.item<double>();
    }
    return SyncBatchNormFunction::apply(x, bn->weight, bn->bias, bn->running_mean, bn->running_var,
                                        options.eps(), momentum, reinterpret_cast<int64_t>(&sync));
}

} // namespace clipwb::model
