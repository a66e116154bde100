#pragma once
// A Python value read from (or to be written to) a torch.save file: an inert
// pickle tree in which every tensor is the node PersistentId(Int i) standing
// for tensors[i]. Optimizer state dicts and extra checkpoint keys travel this
// way, so nothing of Python's is ever instantiated.
#include "common/Pickle.h"

#include <torch/torch.h>

#include <vector>

namespace clipwb::model {

struct TorchObject {
    pickle::Value value;
    std::vector<torch::Tensor> tensors;

    /// Stores a tensor and returns the node that stands for it in `value`.
    pickle::Value addTensor(torch::Tensor tensor);
    /// Whether a node stands for a tensor.
    static bool isTensor(const pickle::Value& node);
    /// The tensor a node stands for; throws clipwb::Error for anything else.
    const torch::Tensor& tensor(const pickle::Value& node) const;
};

} // namespace clipwb::model
