// gpu_checks: the model-level checks of the CUDA path (CudaChecks.h) as one
// program without Qt, for a lent GPU machine where only the core-only build
// works (tests/bench/cuda/run.sh runs it before the benchmark).
//
//   gpu_checks                # every check on cuda:0; exit 0 when all hold, 1 otherwise
//   gpu_checks --device cpu   # smoke test of the program itself on the CPU (fp32 checks only)
//
// Exit 77 (skip) when this LibTorch or machine has no CUDA and --device cpu was not given.
#include "CudaChecks.h"

#include <torch/cuda.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

using namespace clipwb::cuda_checks;

int main(int argc, char** argv)
{
    std::string deviceName = "cuda:0";
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--device") == 0 && i + 1 < argc) {
            deviceName = argv[++i];
        } else {
            std::fprintf(stderr, "usage: gpu_checks [--device cuda:N|cpu]\n");
            return 2;
        }
    }
    torch::Device device(deviceName);
    if (device.is_cuda() && !device.has_index())
        device = torch::Device(torch::kCUDA, 0); // "cuda": the first GPU, named in the summary
    if (device.is_cuda() && !torch::cuda::is_available()) {
        std::printf("SKIP: no CUDA device (LibTorch with CUDA: %s)\n",
#if defined(CLIPWB_TORCH_HAS_CUDA)
                    "yes"
#else
                    "no"
#endif
        );
        return 77;
    }
    useExactKernels();
    using Check = std::pair<const char*, std::function<Outcome()>>;
    std::vector<Check> checks{
        {"featuresMatchCpu", [&] { return featuresMatchCpu(device); }},
        {"trainingStepsMatchCpu", [&] { return trainingStepsMatchCpu(device); }},
        {"generatorStateReplaysMasking", [&] { return generatorStateReplaysMasking(device); }},
    };
    if (device.is_cuda()) {
        checks.emplace_back("ampAndBf16FollowFp32", [&] { return ampAndBf16FollowFp32(device); });
        checks.emplace_back("gradientCheckpointingGivesTheSameSteps",
                            [&] { return gradientCheckpointingGivesTheSameSteps(device); });
        checks.emplace_back("outOfMemoryIsRecognised", [&] { return outOfMemoryIsRecognised(device); });
    } else {
        checks.emplace_back("fp32LearnsOneBatch", [&] {
            const auto losses = trainTinySteps(device, "fp32", false, 20, true, nullptr, 1e-3);
            Outcome o;
            o.ok = losses.back() < 0.5 * losses.front();
            o.detail = "loss " + std::to_string(losses.front()) + " -> " + std::to_string(losses.back()) +
                       " in 20 steps on one batch (must halve)";
            return o;
        });
    }
    if (!device.is_cuda()) {
        // CPU autocast has bf16: the bf16 half of ampAndBf16FollowFp32's bounds, checked here too.
        checks.emplace_back("bf16FollowsFp32", [&] {
            const auto fp32 = trainTinySteps(device, "fp32", false, 12);
            const auto bf16 = trainTinySteps(device, "bf16", false, 12);
            const auto learns = trainTinySteps(device, "bf16", false, 20, true, nullptr, 1e-3);
            double worst = 0;
            for (size_t i = 0; i < fp32.size(); ++i)
                worst = std::max(worst, std::abs(bf16[i] - fp32[i]) / std::abs(fp32[i]));
            Outcome o;
            o.ok = worst < 0.05 && learns.back() < 0.5 * learns.front();
            o.detail = "relative difference " + std::to_string(worst) + " (< 0.05); one batch 20 times " +
                       std::to_string(learns.front()) + " -> " + std::to_string(learns.back()) +
                       " (must halve)";
            return o;
        });
    }
    int failed = 0;
    for (const auto& [name, run] : checks) {
        const auto start = std::chrono::steady_clock::now();
        Outcome o;
        try {
            o = run();
        } catch (const std::exception& e) {
            o.detail = std::string("threw: ") + e.what();
            o.detail = o.detail.substr(0, o.detail.find('\n'));
        }
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf("%s: %s (%.1f s): %s\n", o.ok ? "PASS" : "FAIL", name, seconds, o.detail.c_str());
        std::fflush(stdout);
        failed += o.ok ? 0 : 1;
    }
    std::printf("gpu_checks on %s: %zu checks, %d failed\n", device.str().c_str(), checks.size(), failed);
    return failed == 0 ? 0 : 1;
}
