#include "train/FeatureGather.h"

#include <torch/csrc/autograd/custom_function.h>

namespace clipwb::train {
namespace {

class AllGatherFunction : public torch::autograd::Function<AllGatherFunction> {
public:
    static torch::Tensor forward(torch::autograd::AutogradContext* ctx, torch::Tensor local,
                                 int64_t ranksAddress)
    {
        auto* ranks = reinterpret_cast<dist::Collectives*>(ranksAddress);
        ctx->saved_data["ranks"] = ranksAddress;
        ctx->saved_data["rows"] = local.size(0);
        return torch::cat(ranks->allGather(local.detach()));
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list grads)
    {
        auto* ranks = reinterpret_cast<dist::Collectives*>(ctx->saved_data["ranks"].toInt());
        const int64_t rows = ctx->saved_data["rows"].toInt();
        torch::Tensor total = grads[0].contiguous().clone();
        ranks->allReduceSum(total);
        return {total.narrow(0, rows * ranks->rank(), rows), torch::Tensor()};
    }
};

} // namespace

torch::Tensor gatherOwnFirst(dist::Collectives& ranks, const torch::Tensor& local)
{
    std::vector<torch::Tensor> gathered;
    {
        torch::NoGradGuard noGrad;
        gathered = ranks.allGather(local.detach());
    }
    std::vector<torch::Tensor> parts{local};
    for (int r = 0; r < ranks.worldSize(); ++r)
        if (r != ranks.rank())
            parts.push_back(gathered[static_cast<size_t>(r)]);
    return torch::cat(parts);
}

torch::Tensor gatherWithGrad(dist::Collectives& ranks, const torch::Tensor& local)
{
    return AllGatherFunction::apply(local, reinterpret_cast<int64_t>(&ranks));
}

} // namespace clipwb::train
