#include "train/TrainCheckpoint.h"

#include "train/FlashOptimizerLayout.h"

#include "common/Error.h"
#include "model/TorchCheckpoint.h"
#include "train/OptimizerStateKey.h"

#include <cerrno>
#include <csignal>
#include <string>
#include <system_error>

namespace clipwb::train {
namespace {

using pickle::Value;
using Type = pickle::Value::Type;
namespace fs = std::filesystem;

constexpr const char* kExactStateKey = "clipwb_state";

const Value& field(const Value& dict, std::string_view key, const std::string& what)
{
    const Value* found = dict.is(Type::Dict) ? dict.find(key) : nullptr;
    CLIPWB_CHECK(found, what, ": no '", std::string(key), "'");
    return *found;
}

/// PyTorch >= 1.12 stores AdamW's step as a tensor, older versions as a number.
double numberOrTensor(const Value& v, const model::TorchObject& object, const std::string& what)
{
    if (v.is(Type::Int) || v.is(Type::Float))
        return v.toDouble();
    CLIPWB_CHECK(model::TorchObject::isTensor(v), what, " is a ", v.typeName(), ", not a number");
    const torch::Tensor& t = object.tensor(v);
    CLIPWB_CHECK(t.numel() == 1, what, " holds ", t.numel(), " values, not one");
    return t.to(torch::kDouble).item<double>();
}

const torch::Tensor& tensorField(const Value& dict, std::string_view key, const model::TorchObject& object,
                                 const std::string& what)
{
    const Value& v = field(dict, key, what);
    CLIPWB_CHECK(model::TorchObject::isTensor(v), what, ": '", std::string(key), "' is a ", v.typeName(),
                 ", not a tensor");
    return object.tensor(v);
}

OptimizerSnapshot parseOptimizer(const model::TorchObject& optimizer, const std::string& what)
{
    const std::string where = what + ": optimizer";
    CLIPWB_CHECK(optimizer.value.is(Type::Dict), where, " is a ", optimizer.value.typeName(), ", not a dict");
    OptimizerSnapshot snapshot;
    const Value& states = field(optimizer.value, "state", where);
    CLIPWB_CHECK(states.is(Type::Dict), where, " state is not a dict");
    for (const auto& [index, entry] : states.dictItems()) {
        CLIPWB_CHECK(index.is(Type::Int), where, " state key ", index.repr(), " is not a parameter index");
        const std::string entryWhat = where + " state " + std::to_string(index.toInt());
        CLIPWB_CHECK(entry.is(Type::Dict), entryWhat, " is not a dict");
        CLIPWB_CHECK(entry.find("exp_avg") && entry.find("exp_avg_sq"), entryWhat,
                     " is not AdamW's (no exp_avg/exp_avg_sq)");
        OptimizerSnapshot::Entry e;
        e.step = numberOrTensor(field(entry, "step", entryWhat), optimizer, entryWhat + " step");
        e.expAvg = tensorField(entry, "exp_avg", optimizer, entryWhat);
        e.expAvgSq = tensorField(entry, "exp_avg_sq", optimizer, entryWhat);
        snapshot.state[index.toInt()] = std::move(e);
    }
    const Value& groups = field(optimizer.value, "param_groups", where);
    CLIPWB_CHECK(groups.is(Type::List) || groups.is(Type::Tuple), where, " param_groups is not a list");
    for (const Value& group : groups.items()) {
        const Value& params = field(group, "params", where + " param group");
        CLIPWB_CHECK(params.is(Type::List) || params.is(Type::Tuple), where,
                     " param group params is not a list");
        snapshot.groupSizes.push_back(static_cast<int64_t>(params.items().size()));
    }
    return snapshot;
}

ExactState parseExactState(const model::TorchObject& object, const std::string& what)
{
    const std::string where = what + ": " + kExactStateKey;
    CLIPWB_CHECK(object.value.is(Type::Dict), where, " is not a dict");
    ExactState s;
    const auto integer = [&](std::string_view key) {
        const Value& v = field(object.value, key, where);
        CLIPWB_CHECK(v.is(Type::Int), where, " '", std::string(key), "' is not an integer");
        return v.toInt();
    };
    const auto optionalTensor = [&](std::string_view key) {
        const Value* v = object.value.find(key);
        return v && !v->isNone() ? tensorField(object.value, key, object, where) : torch::Tensor();
    };
    s.epoch = integer("epoch");
    s.batch = integer("batch");
    s.growthTracker = integer("growth_tracker");
    const Value& scale = field(object.value, "loss_scale", where);
    CLIPWB_CHECK(scale.is(Type::Int) || scale.is(Type::Float), where, " 'loss_scale' is not a number");
    s.lossScale = scale.toDouble();
    s.cpuRng = optionalTensor("cpu_rng_state");
    s.cudaRng = optionalTensor("cuda_rng_state");
    if (const Value* ws = object.value.find("world_size"); ws && !ws->isNone()) {
        CLIPWB_CHECK(ws->is(Type::Int) && ws->toInt() >= 1, where, " 'world_size' is not a positive integer");
        s.worldSize = ws->toInt();
    }
    const auto tensorList = [&](std::string_view key) {
        std::vector<torch::Tensor> out;
        const Value* v = object.value.find(key);
        if (!v || v->isNone())
            return out;
        CLIPWB_CHECK(v->is(Type::List) || v->is(Type::Tuple), where, " '", std::string(key), "' is not a list");
        for (const Value& item : v->items()) {
            CLIPWB_CHECK(model::TorchObject::isTensor(item), where, " '", std::string(key), "' holds a ",
                         item.typeName(), ", not a tensor");
            out.push_back(object.tensor(item));
        }
        return out;
    };
    s.rankCpuRng = tensorList("rank_cpu_rng_states");
    s.rankCudaRng = tensorList("rank_cuda_rng_states");
    return s;
}

/// PyTorch's optimizer.state_dict(): state by parameter index, then the groups.
model::TorchObject optimizerObject(const torch::optim::AdamW& optimizer, const ParameterGroups& groups,
                                   bool flashAttentionLayout)
{
    model::TorchObject out;
    const OptimizerSnapshot snapshot =
        flashAttentionLayout ? toFlashAttentionLayout(snapshotOptimizer(optimizer, groups), groups)
                             : snapshotOptimizer(optimizer, groups);
    std::vector<std::pair<Value, Value>> state;
    for (const auto& [index, e] : snapshot.state)
        state.emplace_back(
            Value::integer(index),
            Value::dict({{Value::string("step"), out.addTensor(torch::tensor(static_cast<float>(e.step)))},
                         {Value::string("exp_avg"), out.addTensor(e.expAvg)},
                         {Value::string("exp_avg_sq"), out.addTensor(e.expAvgSq)}}));
    std::vector<Value> paramGroups;
    int64_t next = 0;
    for (size_t g = 0; g < optimizer.param_groups().size(); ++g) {
        const auto& group = optimizer.param_groups()[g];
        const auto& options = static_cast<const torch::optim::AdamWOptions&>(group.options());
        std::vector<Value> indices;
        const int64_t size = g < snapshot.groupSizes.size() ? snapshot.groupSizes[g]
                                                            : static_cast<int64_t>(group.params().size());
        for (int64_t i = 0; i < size; ++i)
            indices.push_back(Value::integer(next++));
        paramGroups.push_back(Value::dict(
            {{Value::string("lr"), Value::floating(options.lr())},
             {Value::string("betas"), Value::tuple({Value::floating(std::get<0>(options.betas())),
                                                    Value::floating(std::get<1>(options.betas()))})},
             {Value::string("eps"), Value::floating(options.eps())},
             {Value::string("weight_decay"), Value::floating(options.weight_decay())},
             {Value::string("amsgrad"), Value::boolean(options.amsgrad())},
             {Value::string("foreach"), Value::none()},
             {Value::string("maximize"), Value::boolean(false)},
             {Value::string("capturable"), Value::boolean(false)},
             {Value::string("params"), Value::list(indices)}}));
    }
    out.value = Value::dict({{Value::string("state"), Value::dict(std::move(state))},
                             {Value::string("param_groups"), Value::list(paramGroups)}});
    return out;
}

model::TorchObject exactStateObject(const ExactState& exact)
{
    model::TorchObject out;
    const auto optionalTensor = [&](const torch::Tensor& t) { return t.defined() ? out.addTensor(t) : Value::none(); };
    const auto tensorList = [&](const std::vector<torch::Tensor>& tensors) {
        if (tensors.empty())
            return Value::none();
        std::vector<Value> items;
        for (const auto& t : tensors)
            items.push_back(out.addTensor(t));
        return Value::list(items);
    };
    out.value = Value::dict({{Value::string("format"), Value::integer(1)},
                             {Value::string("epoch"), Value::integer(exact.epoch)},
                             {Value::string("batch"), Value::integer(exact.batch)},
                             {Value::string("loss_scale"), Value::floating(exact.lossScale)},
                             {Value::string("growth_tracker"), Value::integer(exact.growthTracker)},
                             {Value::string("cpu_rng_state"), optionalTensor(exact.cpuRng)},
                             {Value::string("cuda_rng_state"), optionalTensor(exact.cudaRng)},
                             {Value::string("world_size"), Value::integer(exact.worldSize)},
                             {Value::string("rank_cpu_rng_states"), tensorList(exact.rankCpuRng)},
                             {Value::string("rank_cuda_rng_states"), tensorList(exact.rankCudaRng)}});
    return out;
}

} // namespace

TrainCheckpoint readTrainCheckpoint(const fs::path& path)
{
    const std::string what = "checkpoint " + path.string();
    model::TorchCheckpoint file = model::readTorchCheckpoint(path);
    CLIPWB_CHECK(!file.stateDict.empty(), what, ": the state dict is empty");
    TrainCheckpoint ckpt;
    ckpt.epoch = file.epoch;
    ckpt.step = file.step;
    ckpt.name = std::move(file.name);
    ckpt.stateDict = std::move(file.stateDict);
    if (file.optimizer)
        ckpt.optimizer = parseOptimizer(*file.optimizer, what);
    for (const auto& [key, object] : file.extra)
        if (key == kExactStateKey && !object.value.isNone())
            ckpt.exact = parseExactState(object, what);
    return ckpt;
}

OptimizerSnapshot snapshotOptimizer(const torch::optim::AdamW& optimizer, const ParameterGroups& groups)
{
    OptimizerSnapshot snapshot;
    snapshot.groupSizes = {static_cast<int64_t>(groups.noDecay.size()),
                           static_cast<int64_t>(groups.decay.size())};
    const auto& states = optimizer.state();
    const std::vector<torch::Tensor> params = groups.all();
    for (size_t i = 0; i < params.size(); ++i) {
        const auto it = states.find(optimizerStateKey(states, params[i]));
        if (it == states.end())
            continue;
        const auto& s = static_cast<const torch::optim::AdamWParamState&>(*it->second);
        snapshot.state[static_cast<int64_t>(i)] = {static_cast<double>(s.step()), s.exp_avg(),
                                                   s.exp_avg_sq()};
    }
    return snapshot;
}

void restoreOptimizer(torch::optim::AdamW& optimizer, const ParameterGroups& groups,
                      const OptimizerSnapshot& snapshot)
{
    const std::vector<int64_t> expected = {static_cast<int64_t>(groups.noDecay.size()),
                                           static_cast<int64_t>(groups.decay.size())};
    CLIPWB_CHECK(snapshot.groupSizes == expected, "the checkpoint's optimizer has parameter groups of ",
                 snapshot.groupSizes.size() > 0 ? snapshot.groupSizes[0] : 0, " and ",
                 snapshot.groupSizes.size() > 1 ? snapshot.groupSizes[1] : 0, " parameters, this model ",
                 expected[0], " and ", expected[1],
                 " (another model or freeze_vision setting?): set reset_optimizer");
    const std::vector<torch::Tensor> params = groups.all();
    auto& states = optimizer.state();
    for (const auto& [index, entry] : snapshot.state) {
        CLIPWB_CHECK(index >= 0 && index < static_cast<int64_t>(params.size()),
                     "optimizer state for parameter ", index, " of ", params.size());
        const torch::Tensor& p = params[static_cast<size_t>(index)];
        CLIPWB_CHECK(entry.expAvg.sizes() == p.sizes() && entry.expAvgSq.sizes() == p.sizes(),
                     "optimizer state ", index, " has shape ", entry.expAvg.sizes(), ", the parameter ",
                     p.sizes());
        auto state = std::make_unique<torch::optim::AdamWParamState>();
        state->step(static_cast<int64_t>(entry.step));
        state->exp_avg(entry.expAvg.to(p.options()).clone());
        state->exp_avg_sq(entry.expAvgSq.to(p.options()).clone());
        states[optimizerStateKey(states, p)] = std::move(state);
    }
}

void removeStaleTemporaryFiles(const fs::path& folder)
{
    // A process killed while writing leaves "<name>.tmp-<pid>" (the file it would have renamed
    // over <name>); once that pid is gone the file is garbage the size of a checkpoint.
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(folder, ec)) {
        const std::string file = entry.path().filename().string();
        const auto mark = file.rfind(".tmp-");
        if (mark == std::string::npos)
            continue;
        const std::string pidText = file.substr(mark + 5);
        if (pidText.empty() || pidText.size() > 9 || pidText.find_first_not_of("0123456789") != std::string::npos)
            continue;
        const long pid = std::stol(pidText);
        if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)
            fs::remove(entry.path(), ec);
    }
}

void writeTrainCheckpoint(const fs::path& path, int64_t epoch, int64_t step, const std::string& name,
                          model::Clip& model, const torch::optim::AdamW& optimizer,
                          const ParameterGroups& groups, const ExactState& exact)
{
    writeTrainCheckpoint(path, epoch, step, name, model, optimizer, groups, exact, false);
}

void writeTrainCheckpoint(const fs::path& path, int64_t epoch, int64_t step, const std::string& name,
                          model::Clip& model, const torch::optim::AdamW& optimizer,
                          const ParameterGroups& groups, const ExactState& exact, bool flashAttentionLayout)
{
    removeStaleTemporaryFiles(path.has_parent_path() ? path.parent_path() : fs::path("."));
    model::TorchCheckpoint ckpt;
    ckpt.epoch = epoch;
    ckpt.step = step;
    ckpt.name = name;
    // Upstream trains under DistributedDataParallel, whose state dict keys carry `module.`.
    for (const auto& [key, tensor] : model->stateDict())
        ckpt.stateDict.emplace_back("module." + key, tensor);
    ckpt.optimizer = optimizerObject(optimizer, groups, flashAttentionLayout);
    ckpt.extra.emplace_back(kExactStateKey, exactStateObject(exact));
    model::writeTorchCheckpoint(path, ckpt);
}

} // namespace clipwb::train
