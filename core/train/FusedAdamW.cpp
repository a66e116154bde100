#include "train/FusedAdamW.h"
#include "train/OptimizerStateKey.h"

#include "train/AdamWKernel.h"

#include <ATen/Parallel.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <type_traits>

namespace clipwb::train {
namespace {

bool fusedEnabledByEnvironment()
{
    const char* value = std::getenv("CLIPWB_FUSED_ADAMW");
    return !(value && std::strcmp(value, "0") == 0);
}

/// The scalars of one step as the base class hands them to ATen (doubles rounded to float).
AdamWScalars scalarsFor(const torch::optim::AdamWOptions& options, int64_t step)
{
    const double beta1 = std::get<0>(options.betas());
    const double beta2 = std::get<1>(options.betas());
    const double biasCorrection1 = 1 - std::pow(beta1, step);
    const double biasCorrection2 = 1 - std::pow(beta2, step);
    AdamWScalars s;
    s.applyDecay = options.weight_decay() != 0;
    s.decay = static_cast<float>(1 - options.lr() * options.weight_decay());
    s.beta1 = static_cast<float>(beta1);
    s.oneMinusBeta1 = static_cast<float>(1 - beta1);
    s.beta2 = static_cast<float>(beta2);
    s.oneMinusBeta2 = static_cast<float>(1 - beta2);
    s.sqrtBiasCorrection2 = static_cast<float>(std::sqrt(biasCorrection2));
    s.eps = static_cast<float>(options.eps());
    s.negativeStepSize = static_cast<float>(-(options.lr() / biasCorrection1));
    return s;
}

/// Whether ATen's float sqrt is the correctly rounded one (LibTorch 1.13's is; 2.x's vectorised
/// sqrt is not), so that the one-pass kernel may take its own.
bool atenSqrtCorrectlyRounded()
{
    static const bool exact = [] {
        torch::NoGradGuard noGrad;
        // Deterministic values over many binades, without touching the global generator.
        const auto values = torch::exp(torch::linspace(-40.0, 10.0, 4099, torch::kFloat));
        const auto roots = values.sqrt();
        const float* v = values.data_ptr<float>();
        const float* r = roots.data_ptr<float>();
        for (int64_t i = 0; i < values.numel(); ++i)
            if (std::sqrt(v[i]) != r[i])
                return false;
        return true;
    }();
    return exact;
}

bool cpuEligible(const torch::Tensor& t)
{
    return t.device().is_cpu() && t.scalar_type() == torch::kFloat && t.layout() == torch::kStrided &&
           t.is_contiguous() && !t.is_conj() && !t.is_neg();
}

bool verifyCpuKernel()
{
    torch::NoGradGuard noGrad;
    // The probe must not move the caller's generator: its state is restored below.
    at::Generator generator = at::globalContext().defaultGenerator(torch::kCPU);
    torch::Tensor generatorState;
    {
        std::lock_guard<std::mutex> lock(generator.mutex());
        generatorState = generator.get_state();
    }
    torch::manual_seed(0);
    bool same = true;
    for (const double weightDecay : {0.2, 0.0}) {
        std::vector<torch::Tensor> reference, fused, grads;
        for (const int64_t size : {1, 5, 8, 15, 16, 17, 31, 33, 257, 4099}) {
            reference.push_back(torch::randn({size}));
            fused.push_back(reference.back().clone());
            grads.push_back(torch::randn({size}) * 1e-2);
        }
        grads[1].zero_(); // zero gradients and moments too
        for (size_t i = 0; i < reference.size(); ++i) {
            reference[i].mutable_grad() = grads[i].clone();
            fused[i].mutable_grad() = grads[i].clone();
        }
        const auto options =
            torch::optim::AdamWOptions(5e-4).betas({0.9, 0.98}).eps(1e-6).weight_decay(weightDecay);
        torch::optim::AdamW base(reference, options);
        FusedAdamW candidate(fused, options);
        for (int step = 0; step < 3; ++step) {
            base.step();
            candidate.step();
            for (size_t i = 0; i < grads.size(); ++i) {
                reference[i].mutable_grad().mul_(-1.5);
                fused[i].mutable_grad().mul_(-1.5);
            }
        }
        for (size_t i = 0; i < reference.size(); ++i)
            same = same && torch::equal(reference[i], fused[i]);
    }
    {
        std::lock_guard<std::mutex> lock(generator.mutex());
        generator.set_state(generatorState);
    }
    if (!same)
        std::cerr << "clipwb: the one-pass AdamW kernel does not reproduce LibTorch's AdamW on this machine; "
                     "using LibTorch's\n";
    return same;
}

thread_local bool t_verifying = false;

} // namespace

bool FusedAdamW::cpuKernelVerified()
{
    if (t_verifying)
        return true; // the probe itself runs the kernel
    static const bool verified = [] {
        t_verifying = true;
        const bool ok = verifyCpuKernel();
        t_verifying = false;
        return ok;
    }();
    return verified;
}

torch::optim::AdamWParamState& FusedAdamW::stateOf(const torch::Tensor& p)
{
    const auto key = optimizerStateKey(state_, p);
    auto it = state_.find(key);
    if (it == state_.end()) {
        // As the base class: step 0, zero moments in the parameter's memory format.
        auto state = std::make_unique<torch::optim::AdamWParamState>();
        state->step(0);
        state->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        state->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        it = state_.emplace(key, std::move(state)).first;
    }
    return static_cast<torch::optim::AdamWParamState&>(*it->second);
}

torch::Tensor FusedAdamW::step(LossClosure closure)
{
    static const bool enabled = fusedEnabledByEnvironment();
    if (closure || !enabled)
        return torch::optim::AdamW::step(std::move(closure));
    bool allCpu = true, allCuda = true, any = false;
    for (auto& group : param_groups_) {
        if (static_cast<torch::optim::AdamWOptions&>(group.options()).amsgrad())
            return torch::optim::AdamW::step();
        for (const auto& p : group.params()) {
            const auto& grad = p.grad();
            if (!grad.defined())
                continue;
            any = true;
            allCpu = allCpu && cpuEligible(p) && cpuEligible(grad) && grad.numel() == p.numel();
            allCuda = allCuda && p.is_cuda() && grad.is_cuda() && !grad.is_sparse() &&
                      grad.scalar_type() == p.scalar_type();
            if (const auto it = state_.find(optimizerStateKey(state_, p)); it != state_.end()) {
                const auto& s = static_cast<const torch::optim::AdamWParamState&>(*it->second);
                allCpu = allCpu && cpuEligible(s.exp_avg()) && cpuEligible(s.exp_avg_sq());
            }
        }
    }
    if (!any)
        return {};
    if (allCpu && cpuKernelVerified())
        stepCpu();
    else if (allCuda)
        stepForeach();
    else
        return torch::optim::AdamW::step();
    return {};
}

void FusedAdamW::stepCpu()
{
    torch::NoGradGuard noGrad;
    for (auto& group : param_groups_) {
        const auto& options = static_cast<const torch::optim::AdamWOptions&>(group.options());
        for (auto& p : group.params()) {
            const torch::Tensor& grad = p.grad();
            if (!grad.defined())
                continue;
            auto& state = stateOf(p);
            state.step(state.step() + 1);
            const AdamWScalars scalars = scalarsFor(options, state.step());
            float* param = p.data_ptr<float>();
            const float* g = grad.data_ptr<float>();
            float* m = state.exp_avg().data_ptr<float>();
            float* v = state.exp_avg_sq().data_ptr<float>();
            // Element-wise: any split gives the same result.
            if (atenSqrtCorrectlyRounded()) {
                at::parallel_for(0, p.numel(), 1 << 15, [&](int64_t begin, int64_t end) {
                    adamwUpdate(param + begin, g + begin, m + begin, v + begin, end - begin, scalars);
                });
                continue;
            }
            at::parallel_for(0, p.numel(), 1 << 15, [&](int64_t begin, int64_t end) {
                adamwMoments(param + begin, g + begin, m + begin, v + begin, end - begin, scalars);
            });
            const torch::Tensor root = state.exp_avg_sq().sqrt(); // ATen's own rounding
            const float* r = root.data_ptr<float>();
            at::parallel_for(0, p.numel(), 1 << 15, [&](int64_t begin, int64_t end) {
                adamwApply(param + begin, m + begin, r + begin, end - begin, scalars);
            });
        }
    }
}

void FusedAdamW::stepForeach()
{
    torch::NoGradGuard noGrad;
    for (auto& group : param_groups_) {
        const auto& options = static_cast<const torch::optim::AdamWOptions&>(group.options());
        std::vector<torch::Tensor> params, grads, expAvgs, expAvgSqs;
        std::vector<c10::Scalar> biasCorrection2Sqrt, negativeStepSizes;
        const double beta1 = std::get<0>(options.betas());
        const double beta2 = std::get<1>(options.betas());
        for (auto& p : group.params()) {
            if (!p.grad().defined())
                continue;
            auto& state = stateOf(p);
            state.step(state.step() + 1);
            params.push_back(p);
            grads.push_back(p.grad());
            expAvgs.push_back(state.exp_avg());
            expAvgSqs.push_back(state.exp_avg_sq());
            biasCorrection2Sqrt.emplace_back(std::sqrt(1 - std::pow(beta2, state.step())));
            negativeStepSizes.emplace_back(-(options.lr() / (1 - std::pow(beta1, state.step()))));
        }
        if (params.empty())
            continue;
        if (options.weight_decay() != 0)
            at::_foreach_mul_(params, 1 - options.lr() * options.weight_decay());
        at::_foreach_mul_(expAvgs, beta1);
        at::_foreach_add_(expAvgs, grads, 1 - beta1);
        at::_foreach_mul_(expAvgSqs, beta2);
        at::_foreach_addcmul_(expAvgSqs, grads, grads, 1 - beta2);
        std::vector<torch::Tensor> denoms = at::_foreach_sqrt(expAvgSqs);
        at::_foreach_div_(denoms, at::ArrayRef<c10::Scalar>(biasCorrection2Sqrt));
        at::_foreach_add_(denoms, options.eps());
        at::_foreach_addcdiv_(params, expAvgs, denoms, at::ArrayRef<c10::Scalar>(negativeStepSizes));
    }
}

} // namespace clipwb::train
