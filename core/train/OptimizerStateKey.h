#pragma once
// The key of a parameter in torch::optim::Optimizer::state(): LibTorch 1.x
// keys it by the TensorImpl address formatted as a string
// (c10::guts::to_string), LibTorch 2.x by the pointer itself. One helper so
// that the optimizer and the checkpoint code compile against both.
#include <torch/torch.h>

#include <sstream>
#include <string>
#include <type_traits>

namespace clipwb::train {

template <typename StateMap>
typename StateMap::key_type optimizerStateKey(const StateMap&, const torch::Tensor& parameter)
{
    using Key = typename StateMap::key_type;
    if constexpr (std::is_same_v<Key, std::string>) {
        std::ostringstream out;
        out << parameter.unsafeGetTensorImpl();
        return out.str();
    } else {
        return static_cast<Key>(parameter.unsafeGetTensorImpl());
    }
}

} // namespace clipwb::train
