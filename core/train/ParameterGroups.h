#pragma once
// Upstream main.py's optimizer set-up: two AdamW groups, no weight decay for
// gains and biases (names containing "bn", "ln", "bias" or "logit_scale"),
// frozen parameters left out.
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

namespace clipwb::train {

bool excludedFromWeightDecay(const std::string& parameterName);

struct ParameterGroups {
    std::vector<std::string> noDecayNames; // group 0 (weight_decay 0)
    std::vector<torch::Tensor> noDecay;
    std::vector<std::string> decayNames;   // group 1 (weight_decay wd)
    std::vector<torch::Tensor> decay;
    /// Group 0 then group 1: the index order of PyTorch's optimizer state_dict.
    std::vector<torch::Tensor> all() const;
    std::vector<std::string> allNames() const;
};

/// Splits the trainable parameters (requires_grad) in their registration order.
ParameterGroups splitParameterGroups(const torch::OrderedDict<std::string, torch::Tensor>& namedParameters);

struct AdamWSettings {
    double lr = 5e-5;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-8;
    double weightDecay = 0.2;
};

std::unique_ptr<torch::optim::AdamW> makeAdamW(const ParameterGroups& groups, const AdamWSettings& settings);

/// Sets the learning rate of every group (upstream's assign_learning_rate).
void setLearningRate(torch::optim::Optimizer& optimizer, double lr);

/// Zeroes existing gradients in place, keeping them allocated (PyTorch 1.13's
/// zero_grad(set_to_none=False), which upstream relies on) on every LibTorch version.
void zeroGradients(const std::vector<torch::Tensor>& parameters);

} // namespace clipwb::train
