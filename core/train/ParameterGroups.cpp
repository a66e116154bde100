#include "train/ParameterGroups.h"

#include "train/FusedAdamW.h"

namespace clipwb::train {

bool excludedFromWeightDecay(const std::string& name)
{
    return name.find("bn") != std::string::npos || name.find("ln") != std::string::npos ||
           name.find("bias") != std::string::npos || name.find("logit_scale") != std::string::npos;
}

std::vector<torch::Tensor> ParameterGroups::all() const
{
    std::vector<torch::Tensor> out(noDecay);
    out.insert(out.end(), decay.begin(), decay.end());
    return out;
}

std::vector<std::string> ParameterGroups::allNames() const
{
    std::vector<std::string> out(noDecayNames);
    out.insert(out.end(), decayNames.begin(), decayNames.end());
    return out;
}

ParameterGroups splitParameterGroups(const torch::OrderedDict<std::string, torch::Tensor>& namedParameters)
{
    ParameterGroups groups;
    for (const auto& item : namedParameters) {
        if (!item.value().requires_grad())
            continue;
        if (excludedFromWeightDecay(item.key())) {
            groups.noDecayNames.push_back(item.key());
            groups.noDecay.push_back(item.value());
        } else {
            groups.decayNames.push_back(item.key());
            groups.decay.push_back(item.value());
        }
    }
    return groups;
}

std::unique_ptr<torch::optim::AdamW> makeAdamW(const ParameterGroups& groups, const AdamWSettings& settings)
{
    auto options = [&](double weightDecay) {
        return std::make_unique<torch::optim::AdamWOptions>(
            torch::optim::AdamWOptions(settings.lr)
                .betas(std::make_tuple(settings.beta1, settings.beta2))
                .eps(settings.eps)
                .weight_decay(weightDecay));
    };
    std::vector<torch::optim::OptimizerParamGroup> paramGroups;
    paramGroups.emplace_back(groups.noDecay, options(0.0));
    paramGroups.emplace_back(groups.decay, options(settings.weightDecay));
    return std::make_unique<FusedAdamW>(paramGroups,
                                                 torch::optim::AdamWOptions(settings.lr)
                                                     .betas(std::make_tuple(settings.beta1, settings.beta2))
                                                     .eps(settings.eps)
                                                     .weight_decay(settings.weightDecay));
}

void setLearningRate(torch::optim::Optimizer& optimizer, double lr)
{
    for (auto& group : optimizer.param_groups())
        static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
}

void zeroGradients(const std::vector<torch::Tensor>& parameters)
{
    for (const torch::Tensor& p : parameters) {
        torch::Tensor& grad = const_cast<torch::Tensor&>(p).mutable_grad();
        if (grad.defined()) {
            if (grad.grad_fn())
                grad.detach_();
            else if (grad.requires_grad())
                grad.requires_grad_(false);
            grad.zero_();
        }
    }
}

} // namespace clipwb::train
