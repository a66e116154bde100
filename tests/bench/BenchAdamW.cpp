// AdamW on the CPU: clipwb's FusedAdamW (one pass per parameter, or two halves around ATen's
// sqrt on a LibTorch whose sqrt is not correctly rounded) against torch::optim::AdamW, the
// baseline, in the same process on the same parameters: ViT-B-16 + RoBERTa-base's ~188M
// parameters by default, as tensors of the towers' typical sizes.
//   bench_adamw [MILLIONS_OF_PARAMETERS] [STEPS]
#include "train/FusedAdamW.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

std::vector<torch::Tensor> parameters(int64_t total)
{
    // 768 x 3072 matrices (a layer's MLP), then the rest as one vector.
    std::vector<torch::Tensor> params;
    torch::manual_seed(1);
    const int64_t matrix = 768 * 3072;
    for (int64_t left = total; left > 0; left -= matrix) {
        auto p = torch::randn({std::min(left, matrix)});
        p.mutable_grad() = torch::randn_like(p) * 1e-3;
        params.push_back(p);
    }
    return params;
}

template <typename Optimizer> double secondsPerStep(Optimizer& optimizer, int steps)
{
    optimizer.step(); // the moments are allocated here
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < steps; ++i)
        optimizer.step();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / steps;
}

} // namespace

int main(int argc, char** argv)
{
    const int64_t total = static_cast<int64_t>((argc > 1 ? std::atof(argv[1]) : 188.0) * 1e6);
    const int steps = argc > 2 ? std::atoi(argv[2]) : 5;
    const auto options = torch::optim::AdamWOptions(5e-4).betas({0.9, 0.98}).eps(1e-6).weight_decay(0.2);
    std::vector<double> fused, base;
    for (int round = 0; round < 3; ++round) { // alternating, medians
        auto a = parameters(total);
        torch::optim::AdamW reference(a, options);
        base.push_back(secondsPerStep(reference, steps));
        auto b = parameters(total);
        clipwb::train::FusedAdamW candidate(b, options);
        fused.push_back(secondsPerStep(candidate, steps));
    }
    std::sort(fused.begin(), fused.end());
    std::sort(base.begin(), base.end());
    std::printf("AdamW step, %.0fM parameters, %d threads, LibTorch %s: FusedAdamW %.3f s, "
                "torch::optim::AdamW %.3f s, %.2fx (kernel verified: %s)\n",
                total / 1e6, torch::get_num_threads(), TORCH_VERSION, fused[1], base[1], base[1] / fused[1],
                clipwb::train::FusedAdamW::cpuKernelVerified() ? "yes" : "no, LibTorch's used");
    return 0;
}
