#pragma once
// Compares a model's state dict with the names, shapes and dtypes upstream's
// CLIP produces for the same config (tests/fixtures/model/upstream_state_dict_shapes.json).
#include "model/Clip.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <string>
#include <vector>

namespace clipwb::test {

inline nlohmann::json upstreamShapes()
{
    std::ifstream in(std::string(CLIPWB_TEST_FIXTURES) + "/model/upstream_state_dict_shapes.json");
    return nlohmann::json::parse(in);
}

inline std::string describe(const std::string& name, const torch::Tensor& tensor)
{
    std::string shape;
    for (int64_t size : tensor.sizes())
        shape += (shape.empty() ? "" : "x") + std::to_string(size);
    std::string dtype = c10::toString(tensor.scalar_type());
    dtype = dtype == "Float" ? "float32" : dtype == "Long" ? "int64" : dtype == "Half" ? "float16" : dtype;
    return name + " " + (shape.empty() ? "scalar" : shape) + " " + dtype;
}

/// Our entries whose name starts (or does not start, when exclude) with `prefix`, described as the fixture.
inline std::vector<std::string> describedStateDict(model::Clip& clip, const std::string& prefix, bool exclude)
{
    std::vector<std::string> out;
    for (const auto& [name, tensor] : clip->stateDict()) {
        const bool matches = name.rfind(prefix, 0) == 0;
        if (matches != exclude)
            out.push_back(describe(name, tensor));
    }
    return out;
}

} // namespace clipwb::test
