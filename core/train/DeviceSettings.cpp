#include "train/DeviceSettings.h"

#include "model/CpuGemm.h"
#include "model/ScaledDotProductAttention.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <utility>

namespace clipwb::train {

namespace {

bool environmentSetsThreads()
{
    for (const char* name : {"OMP_NUM_THREADS", "MKL_NUM_THREADS"})
        if (const char* value = std::getenv(name); value && *value)
            return true;
    return false;
}

int readInt(const std::string& path)
{
    std::ifstream in(path);
    int value = -1;
    in >> value;
    return in ? value : -1;
}

} // namespace

int machineCoreCount()
{
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    if (sched_getaffinity(0, sizeof cpus, &cpus) != 0)
        return 1;
    std::set<std::pair<int, int>> cores; // (package, core) of each CPU this process may run on
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
        if (!CPU_ISSET(cpu, &cpus))
            continue;
        const std::string topology = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
        const int core = readInt(topology + "core_id");
        const int package = readInt(topology + "physical_package_id");
        if (core < 0 || package < 0)
            cores.emplace(-1, cpu); // no topology: each CPU counts as a core
        else
            cores.emplace(package, core);
    }
    return std::max<int>(1, static_cast<int>(cores.size()));
}

bool tf32Requested()
{
    const char* value = std::getenv("CLIPWB_TF32");
    return value && std::string(value) != "0" && std::string(value) != "";
}

std::vector<std::string> applyDeviceSettings(const config::TrainConfig& cfg,
                                             const model::ClipModelConfig& model, bool cuda)
{
    std::vector<std::string> notes;
    if (cuda) {
        const bool tf32 = tf32Requested();
        at::globalContext().setAllowTF32CuBLAS(tf32);
        at::globalContext().setAllowTF32CuDNN(tf32);
        notes.emplace_back(
            tf32 ? "TF32 tensor-core products on (CLIPWB_TF32=1): fp32 products carry a 10-bit "
                   "mantissa"
                 : "TF32 off: fp32 products are exact fp32 (CLIPWB_TF32=1 for speed on Ampere or "
                   "newer)");
        at::globalContext().setBenchmarkCuDNN(model.isResNet());
        if (model.isResNet())
            notes.emplace_back(
                "cuDNN benchmark on: the ResNet's convolution algorithms are timed once per shape");
    } else {
        // LibTorch's own default is one thread per physical core, but Debian's 1.13 counts one
        // core on some virtual machines (2 vCPUs: 1 thread, half the speed); the extract-features
        // and zero-shot commands already take every CPU. A run of several processes per machine
        // (torchrun, clipwb's own launcher) sets OMP_NUM_THREADS, which always wins.
        const bool fromEnvironment = environmentSetsThreads();
        if (!fromEnvironment) {
            const int cores = machineCoreCount();
            if (at::get_num_threads() < cores)
                at::set_num_threads(cores);
        }
        std::string threads = "CPU threads: ";
        threads += std::to_string(at::get_num_threads());
        threads += fromEnvironment ? " (OMP_NUM_THREADS or MKL_NUM_THREADS)"
                                   : " (the machine's cores; OMP_NUM_THREADS sets another number)";
        notes.emplace_back(std::move(threads));
        std::string products = "CPU matrix products: ";
        products += model::cpuGemmDescription();
        notes.emplace_back(std::move(products));
    }
    if (cfg.use_flash_attention) {
        notes.emplace_back(
            model::fusedAttentionCompiledIn()
                ? "use_flash_attention: fused scaled_dot_product_attention (flash or memory-efficient "
                  "kernels on CUDA); checkpoints keep upstream's flash-attention optimizer layout"
                : "use_flash_attention: this build's LibTorch 1.x has no fused attention kernel; "
                  "plain attention runs (same numbers); checkpoints keep upstream's flash-attention "
                  "optimizer layout");
    }
    return notes;
}

} // namespace clipwb::train
