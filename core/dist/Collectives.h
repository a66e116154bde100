#pragma once
// The collectives of a data-parallel run, on PyTorch's own distributed engine
// (c10d): Gloo on the CPU, NCCL on CUDA. connect() does the rendezvous through a
// c10d TCPStore (rank 0 hosts it, or torchrun's agent does) and checks that every
// rank agrees on what it is about to train before any collective runs. Every
// failure (a rank that never comes, one that dies, one that disagrees, a
// collective that times out) is a clipwb::Error naming the rank and the cause.
// The c10d headers stay in the .cpp (their API differs between LibTorch 1.x and 2.x:
// see C10dCompat.h).
#include "dist/DistEnv.h"

#include <torch/torch.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace clipwb::dist {

struct ConnectOptions {
    DistEnv env;
    std::string backend = "auto"; ///< auto, gloo or nccl
    torch::Device device{torch::kCPU};
    /// How long a rank waits for the others at the rendezvous.
    std::chrono::milliseconds rendezvousTimeout{std::chrono::minutes(5)};
    /// How long one collective may wait for the others (a rank that hangs; a dead
    /// rank's closed connection is noticed at once).
    std::chrono::milliseconds timeout{std::chrono::minutes(30)};
    /// What every rank must agree on, as (what, value): the code version, the
    /// config, the world size, the resume point. A difference fails every rank.
    std::vector<std::pair<std::string, std::string>> agreement;
};

class Collectives {
public:
    /// The backends this build can use ("gloo", "nccl"); empty without c10d.
    static std::vector<std::string> availableBackends();
    /// nccl on CUDA when built with it, else gloo.
    static std::string defaultBackend(const torch::Device& device);
    /// Rendezvous, agreement check, process group. Throws clipwb::Error.
    static std::unique_ptr<Collectives> connect(const ConnectOptions& options);

    ~Collectives();
    Collectives(const Collectives&) = delete;
    Collectives& operator=(const Collectives&) = delete;

    int rank() const;
    int worldSize() const;
    const std::string& backend() const;

    /// Sums tensor over the ranks, in place.
    void allReduceSum(torch::Tensor& tensor);
    /// Every rank's tensor (same shape and type on each), in rank order.
    std::vector<torch::Tensor> allGather(const torch::Tensor& tensor);
    /// root's tensors into every rank's, in place.
    void broadcast(std::vector<torch::Tensor> tensors, int root = 0);
    void barrier();
    /// DistributedDataParallel's gradient averaging: the gradients of the parameters
    /// in reverse order, in buckets of about 25 MiB, each scaled by 1/world size and
    /// summed over the ranks, the buckets in flight together. A parameter that got a
    /// gradient on some rank gets one (zero) on every rank, so all step alike.
    void averageGradients(const std::vector<torch::Tensor>& parameters);

private:
    struct Impl;
    explicit Collectives(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace clipwb::dist
