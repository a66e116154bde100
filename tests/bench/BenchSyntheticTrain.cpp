// Training throughput on synthetic batches: the Trainer's step (autocast
// forward, contrastive loss, loss scaling, AdamW with upstream's two groups,
// logit_scale clamp) on random weights and random images/token ids, without a
// data loader. Built by the core-only configuration too (no Qt, OpenCV or
// LMDB), so it runs on a GPU machine that only has a CUDA LibTorch:
//
//   bench_synthetic_train --device cuda --vision-model ViT-B-16
//       --text-model RoBERTa-wwm-ext-base-chinese --batch 128 --precision amp,bf16
//       --grad-checkpointing off,on
//
// Prints one line per (precision, checkpointing) with pairs/s, ms per step and
// the peak GPU memory, then the same as JSON lines. --profile FILE writes a
// chrome trace of five more steps (LibTorch's legacy autograd profiler).
#include "model/CachingCpuAllocator.h"
#include "model/Clip.h"
#include "model/ModelConfig.h"
#include "model/ScaledDotProductAttention.h"
#include "train/AutocastScope.h"
#include "train/ContrastiveLoss.h"
#include "train/LossScaler.h"
#include "train/ParameterGroups.h"

#include <torch/cuda.h>
#include <torch/torch.h>
#include <torch/version.h>

#if defined(CLIPWB_BENCH_CUDA_STATS)
#include <c10/cuda/CUDACachingAllocator.h>
#endif

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
    std::string visionModel = "Tiny-ViT";
    std::string textModel = "Tiny-BERT";
    int64_t batch = 32;
    int64_t contextLength = 52;
    int steps = 10;
    int warmup = 3;
    std::string device = "cpu";
    std::vector<std::string> precisions{"fp32"};
    std::vector<std::string> checkpointing{"off"};
    int threads = 0;
    bool fusedAttention = true; // LibTorch 2.x: at::scaled_dot_product_attention; off: matmul-softmax-matmul
    std::string profileFile; // chrome trace of a few steps (LibTorch 1.x legacy profiler)
};

std::vector<std::string> splitList(const std::string& text)
{
    std::vector<std::string> out;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ','))
        if (!item.empty())
            out.push_back(item);
    return out;
}

void usage()
{
    std::cerr
        << "usage: bench_synthetic_train [--vision-model NAME|PATH] [--text-model NAME|PATH] [--batch N]\n"
           "  [--context-length N] [--steps N] [--warmup N] [--device cpu|cuda|cuda:N]\n"
           "  [--precision fp32,amp,bf16] [--grad-checkpointing off,on] [--threads N]\n"
           "  [--fused-attention on|off] [--profile TRACE.json]\n";
}

Options parse(int argc, char** argv)
{
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc)
                throw std::runtime_error(a + " needs a value");
            return argv[++i];
        };
        if (a == "--vision-model")
            o.visionModel = value();
        else if (a == "--text-model")
            o.textModel = value();
        else if (a == "--batch")
            o.batch = std::stoll(value());
        else if (a == "--context-length")
            o.contextLength = std::stoll(value());
        else if (a == "--steps")
            o.steps = std::stoi(value());
        else if (a == "--warmup")
            o.warmup = std::stoi(value());
        else if (a == "--device")
            o.device = value();
        else if (a == "--precision")
            o.precisions = splitList(value());
        else if (a == "--grad-checkpointing")
            o.checkpointing = splitList(value());
        else if (a == "--threads")
            o.threads = std::stoi(value());
        else if (a == "--profile")
            o.profileFile = value();
        else if (a == "--fused-attention")
            o.fusedAttention = value() != "off";
        else {
            usage();
            throw std::runtime_error("unknown argument " + a);
        }
    }
    if (o.steps < 1 || o.batch < 2)
        throw std::runtime_error("--steps must be >= 1 and --batch >= 2");
    return o;
}

struct Result {
    std::string precision;
    bool checkpointing = false;
    double stepSeconds = 0; // median
    double cpuSecondsPerStep =
        0; // process CPU time (all threads), mean: steadier than wall time on a busy machine
    double pairsPerSecond = 0;
    double peakAllocatedGiB = -1;
    double peakReservedGiB = -1;
    double finalLoss = 0;
};

void synchronize(const torch::Device& device)
{
    if (device.is_cuda())
        torch::cuda::synchronize(device.index());
}

void resetPeakMemory(const torch::Device& device)
{
#if defined(CLIPWB_BENCH_CUDA_STATS)
    if (device.is_cuda())
        c10::cuda::CUDACachingAllocator::resetPeakStats(static_cast<c10::DeviceIndex>(device.index()));
#else
    (void)device;
#endif
}

void readPeakMemory(const torch::Device& device, Result& r)
{
#if defined(CLIPWB_BENCH_CUDA_STATS)
    if (device.is_cuda()) {
        const auto stats =
            c10::cuda::CUDACachingAllocator::getDeviceStats(static_cast<c10::DeviceIndex>(device.index()));
        // Index 0 is StatType::AGGREGATE in every LibTorch version.
        r.peakAllocatedGiB = static_cast<double>(stats.allocated_bytes[0].peak) / (1024.0 * 1024.0 * 1024.0);
        r.peakReservedGiB = static_cast<double>(stats.reserved_bytes[0].peak) / (1024.0 * 1024.0 * 1024.0);
    }
#else
    (void)device;
    (void)r;
#endif
}

Result runOne(const Options& o, const torch::Device& device, const std::string& precisionName,
              bool checkpointing)
{
    using namespace clipwb;
    const bool amp = precisionName == "amp" || precisionName == "fp16";
    const bool bf16 = precisionName == "bf16";
    if (!amp && !bf16 && precisionName != "fp32")
        throw std::runtime_error("unknown precision " + precisionName);
    if (amp && !device.is_cuda())
        throw std::runtime_error("amp (fp16 autocast) needs CUDA; use fp32 or bf16 on the CPU");
    const torch::ScalarType autocastType = amp ? torch::kHalf : bf16 ? torch::kBFloat16 : torch::kFloat;
#if defined(CLIPWB_BENCH_CUDA_STATS)
    // The previous configuration's cached blocks go back first: each reserved peak is its own.
    if (device.is_cuda())
        c10::cuda::CUDACachingAllocator::emptyCache();
#endif

    const model::ClipModelConfig config = model::loadModelConfig(o.visionModel, o.textModel);
    torch::manual_seed(123);
    model::Clip clip(config);
    clip->setGradCheckpointing(checkpointing);
    clip->to(device);
    clip->train();
    const train::ParameterGroups groups = train::splitParameterGroups(clip->named_parameters());
    train::AdamWSettings settings;
    settings.lr = 5e-4;
    settings.beta1 = 0.9;
    settings.beta2 = 0.98;
    settings.eps = 1e-6;
    settings.weightDecay = 0.2;
    auto optimizer = train::makeAdamW(groups, settings);
    train::LossScalerOptions scalerOptions;
    scalerOptions.enabled = amp;
    train::LossScaler scaler(scalerOptions);
    const std::vector<torch::Tensor> params = groups.all();

    // Synthetic batch: normalised-looking pixels, captions of random length
    // ([CLS] ids [SEP], zero padded) as the tokenizer gives them.
    const auto onDevice = torch::TensorOptions().device(device);
    const torch::Tensor images =
        torch::randn({o.batch, 3, config.imageResolution, config.imageResolution}, onDevice);
    torch::Tensor texts = torch::zeros({o.batch, o.contextLength}, torch::kLong);
    {
        auto lengths = torch::randint(8, std::max<int64_t>(9, o.contextLength + 1), {o.batch}, torch::kLong);
        auto ids = torch::randint(106, config.vocabSize, {o.batch, o.contextLength}, torch::kLong);
        auto acc = texts.accessor<int64_t, 2>();
        auto idAcc = ids.accessor<int64_t, 2>();
        for (int64_t b = 0; b < o.batch; ++b) {
            const int64_t length = std::min<int64_t>(lengths[b].item<int64_t>(), o.contextLength);
            acc[b][0] = 101; // [CLS]
            for (int64_t t = 1; t + 1 < length; ++t)
                acc[b][t] = idAcc[b][t];
            acc[b][length - 1] = 102; // [SEP]
        }
    }
    texts = texts.to(device);

    double loss = 0;
    auto step = [&] {
        train::setLearningRate(*optimizer, settings.lr);
        train::zeroGradients(params);
        train::ContrastiveOutput out;
        {
            train::AutocastScope autocast(amp || bf16, device, autocastType);
            auto [imageFeatures, textFeatures, logitScale] = clip->forward(images, texts, 0.0);
            out = train::contrastiveLoss(imageFeatures, textFeatures, logitScale, true);
        }
        loss = out.loss.item<double>(); // the Trainer reads the loss every step: a sync point
        scaler.scale(out.loss).backward();
        scaler.step(*optimizer, params);
        scaler.update();
        {
            torch::NoGradGuard noGrad;
            clip->logitScale().clamp_(0, 4.6052);
        }
        out.i2t.item<double>();
    };

    for (int i = 0; i < o.warmup; ++i)
        step();
    synchronize(device);
    resetPeakMemory(device);
    std::vector<double> times;
    const std::clock_t cpuStart = std::clock();
    for (int i = 0; i < o.steps; ++i) {
        const auto t0 = Clock::now();
        step();
        synchronize(device);
        times.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    }
    Result r;
    r.cpuSecondsPerStep = static_cast<double>(std::clock() - cpuStart) / CLOCKS_PER_SEC / o.steps;
    r.precision = precisionName;
    r.checkpointing = checkpointing;
    std::sort(times.begin(), times.end());
    r.stepSeconds = times[times.size() / 2];
    r.pairsPerSecond = static_cast<double>(o.batch) / r.stepSeconds;
    r.finalLoss = loss;
    readPeakMemory(device, r);

    if (!o.profileFile.empty()) {
#if TORCH_VERSION_MAJOR < 2
        torch::autograd::profiler::RecordProfile guard(o.profileFile);
        for (int i = 0; i < 5; ++i)
            step();
#else
        std::fprintf(stderr, "--profile needs LibTorch 1.x (legacy profiler); ignored\n");
#endif
    }
    return r;
}

} // namespace

int main(int argc, char** argv)
{
    try {
        const Options o = parse(argc, argv);
        clipwb::model::installCachingCpuAllocator(); // as the Trainer does; CLIPWB_CPU_ALLOCATOR=system: LibTorch's
        if (o.threads > 0)
            torch::set_num_threads(o.threads);
        clipwb::model::setFusedAttentionEnabled(o.fusedAttention);
        torch::Device device(o.device);
        if (device.is_cuda() && !torch::cuda::is_available())
            throw std::runtime_error("--device " + o.device + ": CUDA is not available");
        if (device.is_cuda() && !device.has_index())
            device = torch::Device(torch::kCUDA, 0);
        std::printf("synthetic training step: %s + %s, batch %lld, context %lld, device %s, LibTorch %s, %d "
                    "thread(s), median of %d steps after %d warm-up, attention %s\n",
                    o.visionModel.c_str(), o.textModel.c_str(), static_cast<long long>(o.batch),
                    static_cast<long long>(o.contextLength), device.str().c_str(), TORCH_VERSION,
                    torch::get_num_threads(), o.steps, o.warmup,
                    clipwb::model::fusedAttentionEnabled() ? "fused (scaled_dot_product_attention)"
                                                           : "matmul-softmax-matmul");
        std::fflush(stdout);
        std::vector<Result> results;
        for (const auto& checkpointing : o.checkpointing) {
            for (const auto& precision : o.precisions) {
                const bool on = checkpointing == "on";
                try {
                    const Result r = runOne(o, device, precision, on);
                    results.push_back(r);
                    std::printf("  %-5s grad-checkpointing %-3s: %8.1f pairs/s  %8.1f ms/step (CPU time %.1f "
                                "ms)  peak "
                                "memory %.2f GiB allocated, %.2f GiB reserved  (loss %.4f)\n",
                                precision.c_str(), on ? "on" : "off", r.pairsPerSecond, r.stepSeconds * 1e3,
                                r.cpuSecondsPerStep * 1e3, r.peakAllocatedGiB, r.peakReservedGiB,
                                r.finalLoss);
                } catch (const std::exception& e) {
                    std::string message = e.what();
                    if (const auto cut = message.find("\nException raised from"); cut != std::string::npos)
                        message.resize(cut);
                    std::printf("  %-5s grad-checkpointing %-3s: FAILED: %s\n", precision.c_str(),
                                on ? "on" : "off", message.c_str());
                }
                std::fflush(stdout);
                if (device.is_cuda())
                    synchronize(device);
            }
        }
        for (const auto& r : results)
            std::printf(
                "{\"precision\": \"%s\", \"grad_checkpointing\": %s, \"batch\": %lld, \"pairs_per_s\": %.1f, "
                "\"step_ms\": %.2f, \"cpu_ms\": %.2f, \"peak_allocated_gib\": %.3f, \"peak_reserved_gib\": "
                "%.3f}\n",
                r.precision.c_str(), r.checkpointing ? "true" : "false", static_cast<long long>(o.batch),
                r.pairsPerSecond, r.stepSeconds * 1e3, r.cpuSecondsPerStep * 1e3, r.peakAllocatedGiB,
                r.peakReservedGiB);
        return results.empty() ? 1 : 0;
    } catch (const std::exception& e) {
        std::cerr << "bench_synthetic_train: " << e.what() << "\n";
        return 2;
    }
}
