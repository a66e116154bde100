#include "dist/Collectives.h"

#include "common/Error.h"
#include "dist/C10dCompat.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <thread>

namespace clipwb::dist {
namespace {

/// The first line of a c10d / Gloo exception (LibTorch appends a C++ backtrace).
std::string firstLine(const std::exception& e)
{
    std::string message = e.what();
    if (const auto cut = message.find('\n'); cut != std::string::npos)
        message.resize(cut);
    return message;
}

#if defined(CLIPWB_HAVE_C10D)
std::string describe(const ConnectOptions& o)
{
    return o.env.masterAddr + ":" + std::to_string(o.env.masterPort);
}

std::string serialise(const std::vector<std::pair<std::string, std::string>>& agreement)
{
    std::string out;
    for (const auto& [what, value] : agreement)
        out += what + '\x1f' + value + '\x1e';
    return out;
}

std::map<std::string, std::string> parse(const std::string& text)
{
    std::map<std::string, std::string> out;
    size_t begin = 0;
    while (begin < text.size()) {
        const size_t end = text.find('\x1e', begin);
        const std::string item =
            text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
        const size_t sep = item.find('\x1f');
        if (sep != std::string::npos)
            out[item.substr(0, sep)] = item.substr(sep + 1);
        if (end == std::string::npos)
            break;
        begin = end + 1;
    }
    return out;
}

std::string shorten(const std::string& value)
{
    return value.size() <= 120 ? value : value.substr(0, 117) + "...";
}

#endif

} // namespace

struct Collectives::Impl {
    int rank = 0;
    int worldSize = 1;
    std::string backend;
    torch::Device device{torch::kCPU};
#if defined(CLIPWB_HAVE_C10D)
    c10::intrusive_ptr<c10d::Store> store;
    c10::intrusive_ptr<compat::CollectiveBackend> group;
#endif

    [[noreturn]] void fail(const std::string& what, const std::exception& e) const
    {
        throw Error("rank " + std::to_string(rank) + ": " + what + " failed (" + firstLine(e) +
                    "): another rank has stopped, failed or timed out; see its message");
    }

    /// t where the backend takes it: NCCL only reduces CUDA tensors, so the small CPU tensors a
    /// run agrees on (stop flags, RNG states) travel through the run's GPU and back.
    torch::Tensor staged(const torch::Tensor& t) const
    {
        return backend == "nccl" && !t.is_cuda() ? t.to(device) : t;
    }
};

std::vector<std::string> Collectives::availableBackends()
{
    std::vector<std::string> out;
#if defined(CLIPWB_HAVE_C10D_GLOO)
    out.push_back("gloo");
#endif
#if defined(CLIPWB_HAVE_C10D_NCCL)
    out.push_back("nccl");
#endif
    return out;
}

std::string Collectives::defaultBackend(const torch::Device& device)
{
    const auto available = availableBackends();
    if (device.is_cuda() && std::find(available.begin(), available.end(), "nccl") != available.end())
        return "nccl";
    return "gloo";
}

Collectives::Collectives(std::unique_ptr<Impl> impl) : m_impl(std::move(impl))
{
}

Collectives::~Collectives() = default;

int Collectives::rank() const
{
    return m_impl->rank;
}

int Collectives::worldSize() const
{
    return m_impl->worldSize;
}

const std::string& Collectives::backend() const
{
    return m_impl->backend;
}

#if !defined(CLIPWB_HAVE_C10D)

std::unique_ptr<Collectives> Collectives::connect(const ConnectOptions& options)
{
    throw Error(
        "WORLD_SIZE is " + std::to_string(options.env.worldSize) +
        " but this build of clipwb has no data-parallel training: it was built without c10d "
        "(Gloo needs Debian's libgloo-dev, NCCL a CUDA LibTorch); train in one process (unset WORLD_SIZE)");
}

void Collectives::allReduceSum(torch::Tensor&)
{
}
std::vector<torch::Tensor> Collectives::allGather(const torch::Tensor& tensor)
{
    return {tensor};
}
void Collectives::broadcast(std::vector<torch::Tensor>, int)
{
}
void Collectives::barrier()
{
}
void Collectives::averageGradients(const std::vector<torch::Tensor>&)
{
}

#else

std::unique_ptr<Collectives> Collectives::connect(const ConnectOptions& options)
{
    const DistEnv& env = options.env;
    auto impl = std::make_unique<Impl>();
    impl->rank = env.rank;
    impl->worldSize = env.worldSize;
    impl->device = options.device;
    impl->backend = options.backend == "auto" || options.backend.empty() ? defaultBackend(options.device)
                                                                         : options.backend;
    const auto available = availableBackends();
    CLIPWB_CHECK(std::find(available.begin(), available.end(), impl->backend) != available.end(),
                 "--dist-backend: '", impl->backend, "' is not available in this build (available: ",
                 available.empty()
                     ? std::string("none")
                     : available.front() + (available.size() > 1 ? ", " + available.back() : ""),
                 ")");
    CLIPWB_CHECK(impl->backend != "nccl" || options.device.is_cuda(),
                 "--dist-backend nccl needs a CUDA device (device is ", options.device.str(), "): use gloo");
    const std::string who = "rank " + std::to_string(env.rank) + " of " + std::to_string(env.worldSize);

    // The store: rank 0 hosts it unless torchrun's agent already does.
    c10::intrusive_ptr<c10d::Store> tcp;
    try {
        c10d::TCPStoreOptions storeOptions;
        storeOptions.port = static_cast<std::uint16_t>(env.masterPort);
        storeOptions.isServer = env.rank == 0 && !env.useAgentStore;
        storeOptions.numWorkers = static_cast<std::size_t>(env.worldSize);
        storeOptions.waitWorkers = false; // the agreement below names the ranks that do not come
        storeOptions.timeout = options.rendezvousTimeout;
        tcp = c10::make_intrusive<c10d::TCPStore>(env.masterAddr, storeOptions);
    } catch (const std::exception& e) {
        throw Error(who + ": no rendezvous at " + describe(options) + " within " +
                    std::to_string(options.rendezvousTimeout.count() / 1000) + " s (" + firstLine(e) +
                    (env.rank == 0 ? "; is the port free?)"
                                   : "; is rank 0 running, with this MASTER_ADDR and MASTER_PORT?)"));
    }
    c10::intrusive_ptr<c10d::Store> base = tcp;
    if (env.useAgentStore)
        base = c10::make_intrusive<c10d::PrefixStore>("/worker/attempt_" + env.restartCount, tcp);
    impl->store = c10::make_intrusive<c10d::PrefixStore>("clipwb", base);

    // Agreement: every rank publishes what it is about to train and compares the others'.
    const std::string mine = serialise(options.agreement);
    const auto deadline = std::chrono::steady_clock::now() + options.rendezvousTimeout;
    try {
        impl->store->set("hello/" + std::to_string(env.rank), std::vector<uint8_t>(mine.begin(), mine.end()));
        std::vector<int> missing;
        for (;;) {
            missing.clear();
            for (int r = 0; r < env.worldSize; ++r)
                if (!impl->store->check({"hello/" + std::to_string(r)}))
                    missing.push_back(r);
            if (missing.empty())
                break;
            if (std::chrono::steady_clock::now() > deadline) {
                std::string list;
                for (size_t i = 0; i < missing.size() && i < 8; ++i)
                    list += (i ? ", " : "") + std::to_string(missing[i]);
                if (missing.size() > 8)
                    list += ", ...";
                throw Error(who + ": rendezvous at " + describe(options) + " timed out after " +
                            std::to_string(options.rendezvousTimeout.count() / 1000) +
                            " s waiting for rank(s) " + list +
                            " (started? same MASTER_ADDR, MASTER_PORT and WORLD_SIZE?)");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        const auto own = parse(mine);
        for (int r = 0; r < env.worldSize; ++r) {
            if (r == env.rank)
                continue;
            const auto bytes = impl->store->get("hello/" + std::to_string(r));
            const auto theirs = parse(std::string(bytes.begin(), bytes.end()));
            for (const auto& [what, value] : own) {
                const auto it = theirs.find(what);
                const std::string other = it == theirs.end() ? std::string("(nothing)") : it->second;
                if (other != value)
                    throw Error(who + ": ranks disagree on " + what + ": rank " + std::to_string(env.rank) +
                                " has '" + shorten(value) + "', rank " + std::to_string(r) + " has '" +
                                shorten(other) +
                                "'; every rank must run the same clipwb with the same config");
            }
        }
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw Error(who + ": rendezvous at " + describe(options) + " failed (" + firstLine(e) + ")");
    }

    // The process group, under its own key prefix.
    try {
        auto groupStore = c10::make_intrusive<c10d::PrefixStore>("pg", impl->store);
#if defined(CLIPWB_HAVE_C10D_GLOO)
        if (impl->backend == "gloo") {
            auto glooOptions = c10d::ProcessGroupGloo::Options::create(options.timeout);
            const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
            const bool loopback = env.masterAddr == "localhost" || env.masterAddr.rfind("127.", 0) == 0;
            if (ifname && *ifname)
                glooOptions->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
            else if (loopback)
                glooOptions->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
            else
                glooOptions->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
            impl->group =
                c10::make_intrusive<c10d::ProcessGroupGloo>(groupStore, env.rank, env.worldSize, glooOptions);
        }
#endif
#if defined(CLIPWB_HAVE_C10D_NCCL)
        if (impl->backend == "nccl") {
            auto ncclOptions = c10d::ProcessGroupNCCL::Options::create();
            ncclOptions->timeout = options.timeout;
            impl->group =
                c10::make_intrusive<c10d::ProcessGroupNCCL>(groupStore, env.rank, env.worldSize, ncclOptions);
        }
#endif
    } catch (const std::exception& e) {
        throw Error(who + ": could not set up the " + impl->backend + " process group (" + firstLine(e) +
                    ")");
    }
    CLIPWB_CHECK(impl->group, who, ": no process group for backend ", impl->backend);
    auto collectives = std::unique_ptr<Collectives>(new Collectives(std::move(impl)));
    collectives->barrier();
    return collectives;
}

void Collectives::allReduceSum(torch::Tensor& tensor)
{
    try {
        std::vector<torch::Tensor> tensors{m_impl->staged(tensor)};
        m_impl->group->allreduce(tensors)->wait();
        if (!tensors[0].is_same(tensor))
            tensor.copy_(tensors[0]);
    } catch (const std::exception& e) {
        m_impl->fail("all-reduce", e);
    }
}

std::vector<torch::Tensor> Collectives::allGather(const torch::Tensor& tensor)
{
    try {
        std::vector<torch::Tensor> input{m_impl->staged(tensor.contiguous())};
        std::vector<std::vector<torch::Tensor>> output(1);
        for (int r = 0; r < m_impl->worldSize; ++r)
            output[0].push_back(torch::empty_like(input[0]));
        m_impl->group->allgather(output, input)->wait();
        for (auto& t : output[0])
            t = t.to(tensor.device());
        return output[0];
    } catch (const std::exception& e) {
        m_impl->fail("all-gather", e);
    }
}

void Collectives::broadcast(std::vector<torch::Tensor> tensors, int root)
{
    try {
        c10d::BroadcastOptions options;
        options.rootRank = root;
        // One tensor per call: Gloo broadcasts a list only when every tensor has the same shape.
        for (auto& t : tensors) {
            std::vector<torch::Tensor> one{m_impl->staged(t)};
            m_impl->group->broadcast(one, options)->wait();
            if (!one[0].is_same(t))
                t.copy_(one[0]);
        }
    } catch (const std::exception& e) {
        m_impl->fail("broadcast", e);
    }
}

void Collectives::barrier()
{
    try {
        // NCCL's barrier runs on a GPU; named, it is the run's rather than a guess from the rank.
        c10d::BarrierOptions options;
        if (m_impl->backend == "nccl" && m_impl->device.has_index())
            options.device_ids = {m_impl->device.index()};
        m_impl->group->barrier(options)->wait();
    } catch (const std::exception& e) {
        m_impl->fail("barrier", e);
    }
}

void Collectives::averageGradients(const std::vector<torch::Tensor>& parameters)
{
    torch::NoGradGuard noGrad;
    std::vector<torch::Tensor> trainable;
    for (const auto& p : parameters)
        if (p.requires_grad())
            trainable.push_back(p);
    if (trainable.empty())
        return;
    // Which parameters got a gradient on some rank.
    torch::Tensor used = torch::empty({static_cast<int64_t>(trainable.size())}, torch::kFloat);
    for (size_t i = 0; i < trainable.size(); ++i)
        used[static_cast<int64_t>(i)] = trainable[i].grad().defined() ? 1.0f : 0.0f;
    used = used.to(trainable.front().device());
    allReduceSum(used);
    const auto usedOnSomeRank = used.to(torch::kCPU);
    std::vector<torch::Tensor> grads;
    for (int64_t i = static_cast<int64_t>(trainable.size()) - 1; i >= 0; --i) {
        if (usedOnSomeRank[i].item<float>() == 0)
            continue;
        auto& p = trainable[static_cast<size_t>(i)];
        if (!p.grad().defined())
            p.mutable_grad() = torch::zeros_like(p);
        grads.push_back(p.grad());
    }
    // Buckets of about 25 MiB (DDP's bucket_cap_mb), one dtype each.
    constexpr int64_t kBucketBytes = 25 * 1024 * 1024;
    struct Bucket {
        std::vector<torch::Tensor> grads;
        torch::Tensor flat;
        c10::intrusive_ptr<c10d::Work> work;
    };
    std::vector<Bucket> buckets;
    int64_t bytes = 0;
    for (const auto& g : grads) {
        if (buckets.empty() || bytes >= kBucketBytes ||
            buckets.back().grads.front().scalar_type() != g.scalar_type()) {
            buckets.emplace_back();
            bytes = 0;
        }
        buckets.back().grads.push_back(g);
        bytes += g.numel() * static_cast<int64_t>(g.element_size());
    }
    const double scale = 1.0 / m_impl->worldSize;
    try {
        for (auto& b : buckets) {
            std::vector<torch::Tensor> flat;
            for (const auto& g : b.grads)
                flat.push_back(g.reshape({-1}));
            b.flat = torch::cat(flat).mul_(scale);
            std::vector<torch::Tensor> tensors{b.flat};
            b.work = m_impl->group->allreduce(tensors);
        }
        for (auto& b : buckets) {
            b.work->wait();
            int64_t offset = 0;
            for (auto& g : b.grads) {
                g.copy_(b.flat.narrow(0, offset, g.numel()).view_as(g));
                offset += g.numel();
            }
        }
    } catch (const std::exception& e) {
        m_impl->fail("gradient all-reduce", e);
    }
}

#endif

} // namespace clipwb::dist
