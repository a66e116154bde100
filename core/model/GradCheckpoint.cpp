#include "model/GradCheckpoint.h"

#include <ATen/autocast_mode.h>
#include <ATen/core/Generator.h>
#include <torch/version.h>

#include <mutex>

namespace clipwb::model {

namespace {

// LibTorch 2.4 replaced the per-device autocast setters with device-type arguments.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
bool autocastEnabled(bool cuda)
{
    return at::autocast::is_autocast_enabled(cuda ? at::kCUDA : at::kCPU);
}
void setAutocastEnabled(bool cuda, bool on)
{
    at::autocast::set_autocast_enabled(cuda ? at::kCUDA : at::kCPU, on);
}
torch::ScalarType autocastType(bool cuda)
{
    return at::autocast::get_autocast_dtype(cuda ? at::kCUDA : at::kCPU);
}
void setAutocastType(bool cuda, torch::ScalarType t)
{
    at::autocast::set_autocast_dtype(cuda ? at::kCUDA : at::kCPU, t);
}
#else
bool autocastEnabled(bool cuda)
{
    return cuda ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
}
void setAutocastEnabled(bool cuda, bool on)
{
    if (cuda)
        at::autocast::set_enabled(on);
    else
        at::autocast::set_cpu_enabled(on);
}
torch::ScalarType autocastType(bool cuda)
{
    return cuda ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
}
void setAutocastType(bool cuda, torch::ScalarType t)
{
    if (cuda)
        at::autocast::set_autocast_gpu_dtype(t);
    else
        at::autocast::set_autocast_cpu_dtype(t);
}
#endif

/// The autocast settings of the forward, re-entered for the recomputation in backward (which
/// runs where autocast is off, e.g. on the autograd engine's device thread), as
/// torch.utils.checkpoint does; restored afterwards.
struct AutocastState {
    bool enabled[2] = {false, false}; // CPU, CUDA
    torch::ScalarType type[2] = {torch::kBFloat16, torch::kHalf};

    static AutocastState current()
    {
        AutocastState s;
        for (int cuda = 0; cuda < 2; ++cuda) {
            s.enabled[cuda] = autocastEnabled(cuda != 0);
            s.type[cuda] = autocastType(cuda != 0);
        }
        return s;
    }
    bool any() const { return enabled[0] || enabled[1]; }
    void apply() const
    {
        for (int cuda = 0; cuda < 2; ++cuda) {
            setAutocastEnabled(cuda != 0, enabled[cuda]);
            setAutocastType(cuda != 0, type[cuda]);
        }
    }
};

class AutocastReplay {
public:
    explicit AutocastReplay(const AutocastState& forward) : m_previous(AutocastState::current())
    {
        forward.apply();
        m_nested = forward.any();
        if (m_nested)
            at::autocast::increment_nesting();
    }
    ~AutocastReplay()
    {
        // Leaving the outermost region frees the cached casts of the weights.
        if (m_nested && at::autocast::decrement_nesting() == 0)
            at::autocast::clear_cache();
        m_previous.apply();
    }
    AutocastReplay(const AutocastReplay&) = delete;
    AutocastReplay& operator=(const AutocastReplay&) = delete;

private:
    AutocastState m_previous;
    bool m_nested = false;
};

struct BlockHolder : torch::CustomClassHolder {
    CheckpointedBlock block;
    torch::Tensor extra;
    std::vector<torch::Tensor> parameters;
    at::Generator generator;
    torch::Tensor rngState;
    AutocastState autocast;
};

at::Generator generatorFor(const torch::Tensor& input)
{
    return at::globalContext().defaultGenerator(input.device());
}

torch::Tensor rngStateOf(at::Generator& generator)
{
    std::lock_guard<std::mutex> lock(generator.mutex());
    return generator.get_state();
}

void setRngState(at::Generator& generator, const torch::Tensor& state)
{
    std::lock_guard<std::mutex> lock(generator.mutex());
    generator.set_state(state);
}

class CheckpointFunction : public torch::autograd::Function<CheckpointFunction> {
public:
    static torch::Tensor forward(torch::autograd::AutogradContext* ctx,
                                 c10::intrusive_ptr<BlockHolder> holder, const torch::Tensor& input,
                                 at::TensorList parameters)
    {
        // The CPU generator drives dropout on CPU; on a GPU the device's own.
        holder->generator = generatorFor(input);
        holder->rngState = rngStateOf(holder->generator);
        holder->autocast = AutocastState::current();
        torch::Tensor output;
        {
            torch::NoGradGuard noGrad;
            output = holder->block(input, holder->extra);
        }
        ctx->save_for_backward({input});
        ctx->saved_data["holder"] = c10::IValue::make_capsule(holder);
        ctx->saved_data["parameterCount"] = static_cast<int64_t>(parameters.size());
        return output;
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list gradOutputs)
    {
        auto holder = c10::static_intrusive_pointer_cast<BlockHolder>(ctx->saved_data["holder"].toCapsule());
        const int64_t parameterCount = ctx->saved_data["parameterCount"].toInt();
        const torch::Tensor savedInput = ctx->get_saved_variables()[0];
        torch::Tensor input = savedInput.detach();
        input.set_requires_grad(savedInput.requires_grad());
        torch::Tensor output;
        {
            // Re-run with the RNG state of the forward (same dropout masks), then
            // give the generator back the state it had before.
            const torch::Tensor current = rngStateOf(holder->generator);
            setRngState(holder->generator, holder->rngState);
            try {
                torch::AutoGradMode enableGrad(true);
                AutocastReplay autocast(holder->autocast);
                output = holder->block(input, holder->extra);
            } catch (...) {
                setRngState(holder->generator, current);
                throw;
            }
            setRngState(holder->generator, current);
        }

        // Differentiate with respect to whatever needs a gradient: the input and
        // the parameters that require one (frozen ones get none).
        std::vector<torch::Tensor> targets;
        std::vector<int64_t> targetSlot; // index into the result (1 = input, 2.. = parameters)
        if (input.requires_grad()) {
            targets.push_back(input);
            targetSlot.push_back(1);
        }
        const auto& parameters = holder->parameters;
        for (int64_t i = 0; i < parameterCount; ++i) {
            if (parameters[static_cast<size_t>(i)].requires_grad()) {
                targets.push_back(parameters[static_cast<size_t>(i)]);
                targetSlot.push_back(2 + i);
            }
        }
        torch::autograd::variable_list result(static_cast<size_t>(2 + parameterCount));
        if (!targets.empty() && output.requires_grad()) {
            const auto grads = torch::autograd::grad({output}, targets, {gradOutputs[0]},
                                                     /*retain_graph=*/false, /*create_graph=*/false,
                                                     /*allow_unused=*/true);
            for (size_t i = 0; i < grads.size(); ++i)
                result[static_cast<size_t>(targetSlot[i])] = grads[i];
        }
        return result;
    }
};

} // namespace

torch::Tensor runCheckpointed(CheckpointedBlock block, const torch::Tensor& input, const torch::Tensor& extra,
                              const std::vector<torch::Tensor>& parameters)
{
    auto holder = c10::make_intrusive<BlockHolder>();
    holder->block = std::move(block);
    holder->extra = extra;
    holder->parameters = parameters;
    return CheckpointFunction::apply(holder, input, at::TensorList(parameters));
}

bool checkpointingUseful(const torch::nn::Module& block, const torch::Tensor& input)
{
    if (!block.is_training() || !torch::GradMode::is_enabled())
        return false;
    if (input.requires_grad())
        return true;
    for (const auto& parameter : block.parameters())
        if (parameter.requires_grad())
            return true;
    return false;
}

} // namespace clipwb::model
