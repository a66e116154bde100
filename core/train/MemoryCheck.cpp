#include "train/MemoryCheck.h"

#include "common/Error.h"
#include "model/Clip.h"
#include "model/ModelConfig.h"
#include "model/ScaledDotProductAttention.h"
#include "train/AutocastScope.h"
#include "train/ContrastiveLoss.h"
#include "train/LossScaler.h"
#include "train/OutOfMemory.h"
#include "train/ParameterGroups.h"

#include <torch/cuda.h>
#include <torch/torch.h>

#if defined(CLIPWB_TORCH_HAS_CUDA)
#include <c10/cuda/CUDACachingAllocator.h>
#include <cuda_runtime_api.h>
#endif

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace clipwb::train {
namespace {

/// The GPU the trainer would take (RunSetup::selectDevice): a rank of a run of several processes
/// launched by torchrun (WORLD_SIZE > 1) takes its LOCAL_RANK's.
std::string defaultCudaDevice()
{
    const char* localRank = std::getenv("LOCAL_RANK");
    const char* worldSize = std::getenv("WORLD_SIZE");
    int index = 0;
    if (localRank && *localRank && worldSize && std::atoi(worldSize) > 1) {
        char* end = nullptr;
        const long value = std::strtol(localRank, &end, 10);
        if (*end == '\0' && value >= 0 && value < 4096)
            index = static_cast<int>(value);
    }
    return "cuda:" + std::to_string(index);
}

std::string resolvedDevice(const std::string& setting)
{
    if (setting.empty() || setting == "auto")
        return torch::cuda::is_available() ? defaultCudaDevice() : "cpu";
    if (setting == "cuda")
        return defaultCudaDevice();
    return setting;
}

void readHostMemory(DeviceMemoryInfo& info)
{
    std::ifstream in("/proc/meminfo");
    std::string key;
    double value = 0;
    std::string unit;
    while (in >> key >> value >> unit) {
        if (key == "MemTotal:")
            info.totalBytes = value * 1024;
        else if (key == "MemAvailable:")
            info.freeBytes = value * 1024;
    }
    info.known = info.totalBytes > 0 && info.freeBytes > 0;
}

std::string effectivePrecision(const config::TrainConfig& cfg, bool cuda)
{
    if (cfg.precision == "amp" || cfg.precision == "fp16")
        return cuda ? "amp" : "fp32"; // as the Trainer: no fp16 autocast on the CPU
    return cfg.precision;
}

} // namespace

DeviceMemoryInfo queryDeviceMemory(const std::string& deviceSetting)
{
    DeviceMemoryInfo info;
    info.device = resolvedDevice(deviceSetting);
    if (info.device.rfind("cuda", 0) != 0) {
        readHostMemory(info);
        return info;
    }
#if defined(CLIPWB_TORCH_HAS_CUDA)
    if (torch::cuda::is_available()) {
        const int index = info.device.size() > 5 ? std::stoi(info.device.substr(5)) : 0;
        int previous = 0;
        size_t freeBytes = 0, totalBytes = 0;
        if (cudaGetDevice(&previous) == cudaSuccess && cudaSetDevice(index) == cudaSuccess &&
            cudaMemGetInfo(&freeBytes, &totalBytes) == cudaSuccess) {
            info.known = true;
            info.freeBytes = static_cast<double>(freeBytes);
            info.totalBytes = static_cast<double>(totalBytes);
        }
        cudaSetDevice(previous);
    }
#endif
    return info;
}

MemoryCheck checkTrainingMemory(const config::TrainConfig& cfg, const DeviceMemoryInfo& device)
{
    MemoryCheck check;
    check.device = device;
    const bool cuda = device.device.rfind("cuda", 0) == 0;
    const model::ClipModelConfig modelConfig = model::loadModelConfig(cfg.vision_model, cfg.text_model);
    model::MemoryEstimateOptions& o = check.options;
    o.batchSize = cfg.batch_size;
    o.contextLength = cfg.context_length;
    o.precision = effectivePrecision(cfg, cuda);
    o.cuda = cuda;
    o.gradCheckpointing = cfg.grad_checkpointing;
    o.fusedAttention = model::fusedAttentionEnabled();
    o.freezeVision = cfg.freeze_vision;
    o.maskRatio = cfg.mask_ratio;
    // A distillation teacher is counted at the student's size (its configs live with its checkpoint).
    o.teacherParameterCount = cfg.distillation ? model::parameterCount(modelConfig) : 0;
    check.estimate = model::estimateTrainingMemory(modelConfig, o);
    if (device.known) {
        const double usable = device.freeBytes * MemoryCheck::kUsableShare;
        check.fits = check.estimate.totalBytes <= usable;
        check.largestBatch = model::largestBatchWithin(modelConfig, o, usable);
    }
    return check;
}

std::string MemoryCheck::report() const
{
    std::ostringstream out;
    out << "memory estimate for batch_size " << options.batchSize << ", precision " << options.precision
        << ", grad_checkpointing " << (options.gradCheckpointing ? "on" : "off") << ", attention "
        << (options.fusedAttention ? "fused" : "plain") << " on " << device.device << ":\n";
    std::istringstream lines(estimate.describe());
    for (std::string line; std::getline(lines, line);)
        out << "  " << line << "\n";
    if (!device.known) {
        out << device.device << ": free memory unknown";
        return out.str();
    }
    out << device.device << ": " << model::formatBytes(device.freeBytes) << " free of "
        << model::formatBytes(device.totalBytes) << "; ";
    if (fits)
        out << "fits (largest batch_size within " << static_cast<int>(kUsableShare * 100)
            << "% of the free memory: " << largestBatch << ")";
    else
        out << "does NOT fit: largest batch_size within " << static_cast<int>(kUsableShare * 100)
            << "% of the free memory is " << largestBatch << " (raise accum_freq to keep the global batch)"
            << (options.gradCheckpointing ? "" : "; or grad_checkpointing on")
            << (options.precision == "fp32" && options.cuda ? "; or precision amp or bf16" : "");
    return out.str();
}

BatchSearch searchLargestBatch(const std::function<BatchAttempt(int64_t)>& attempt, int64_t start,
                               int64_t maxBatch, int64_t granularity)
{
    BatchSearch search;
    granularity = std::max<int64_t>(1, granularity);
    int64_t good = 0, bad = 0;
    int64_t size = std::clamp<int64_t>(start, 1, maxBatch);
    // Grow until a size fails (or the cap), shrink until one fits.
    while (true) {
        const BatchAttempt a = attempt(size);
        search.attempts.push_back(a);
        if (a.fits) {
            good = size;
            if (bad > 0 || size >= maxBatch)
                break;
            size = std::min(maxBatch, size * 2);
        } else {
            bad = size;
            if (good > 0 || size == 1)
                break;
            size = std::max<int64_t>(1, size / 2);
        }
    }
    while (good > 0 && bad > 0 && bad - good > granularity) {
        const int64_t mid = good + (bad - good) / 2;
        const BatchAttempt a = attempt(mid);
        search.attempts.push_back(a);
        (a.fits ? good : bad) = mid;
    }
    search.largest = good;
    return search;
}

BatchSearch findLargestBatchOnDevice(const config::TrainConfig& cfg,
                                     const std::function<void(const BatchAttempt&)>& progress)
{
    const DeviceMemoryInfo device = queryDeviceMemory(cfg.device);
    CLIPWB_CHECK(device.device.rfind("cuda", 0) == 0 && torch::cuda::is_available(),
                 "finding the largest batch size tries training steps on a CUDA device; this run trains on ",
                 device.device,
                 " (on the CPU allocations do not fail, the system swaps or stops the process: "
                 "use the memory estimate)");
#if !defined(CLIPWB_TORCH_HAS_CUDA)
    throw Error("this build's LibTorch has no CUDA");
#else
    const torch::Device dev(device.device);
    const model::ClipModelConfig modelConfig = model::loadModelConfig(cfg.vision_model, cfg.text_model);
    const std::string precision = effectivePrecision(cfg, true);
    const auto type = precision == "amp"    ? torch::kHalf
                      : precision == "bf16" ? torch::kBFloat16
                                            : torch::kFloat;
    const MemoryCheck estimate = checkTrainingMemory(cfg, device);

    torch::manual_seed(static_cast<uint64_t>(cfg.seed));
    model::Clip clip(modelConfig);
    clip->setGradCheckpointing(cfg.grad_checkpointing);
    if (cfg.freeze_vision)
        for (auto& p : clip->visual()->parameters())
            p.set_requires_grad(false);
    clip->to(dev);
    clip->train();
    const ParameterGroups groups = splitParameterGroups(clip->named_parameters());
    // Learning rate 0: the weights stay as they are, attempt after attempt.
    AdamWSettings settings;
    settings.lr = 0;
    auto optimizer = makeAdamW(groups, settings);
    LossScalerOptions scalerOptions;
    scalerOptions.enabled = precision == "amp";
    const auto params = groups.all();
    const auto deviceIndex = static_cast<c10::DeviceIndex>(dev.index());
    // AdamW's state (two moments per weight) exists from the first step on, in every attempt:
    // under amp the first steps at scale 65536 usually overflow and are skipped, and an attempt
    // without the state would report a batch as fitting with gigabytes (ViT-L) to spare.
    {
        torch::NoGradGuard noGrad;
        for (const auto& p : params)
            if (p.requires_grad())
                p.mutable_grad() = torch::zeros_like(p);
        optimizer->step();
        zeroGradients(params);
    }

    auto attempt = [&](int64_t batch) {
        BatchAttempt a;
        a.batchSize = batch;
        LossScaler scaler(scalerOptions); // an attempt cut short by OOM leaves a scaler mid-step
        c10::cuda::CUDACachingAllocator::emptyCache();
        c10::cuda::CUDACachingAllocator::resetPeakStats(deviceIndex);
        const auto t0 = std::chrono::steady_clock::now();
        try {
            const auto res = modelConfig.imageResolution;
            const torch::Tensor images =
                torch::randn({batch, 3, res, res}, torch::TensorOptions().device(dev));
            torch::Tensor texts = torch::randint(106, modelConfig.vocabSize, {batch, cfg.context_length},
                                                 torch::TensorOptions().dtype(torch::kLong).device(dev));
            texts.select(1, 0).fill_(101);
            zeroGradients(params);
            torch::Tensor loss;
            {
                AutocastScope autocast(precision != "fp32", dev, type);
                auto [imageFeatures, textFeatures, scale] = clip->forward(images, texts, cfg.mask_ratio);
                loss = contrastiveLoss(imageFeatures, textFeatures, scale, true).loss;
            }
            scaler.scale(loss).backward();
            if (!scaler.step(*optimizer, params)) {
                // A step skipped for overflow (amp's first steps at scale 65536) still allocates
                // what a real one does: on finite gradients, at lr 0, the weights stay as they are.
                zeroGradients(params);
                optimizer->step();
            }
            scaler.update();
            torch::cuda::synchronize(dev.index());
            a.fits = true;
        } catch (const std::exception& e) {
            if (!isOutOfMemory(e))
                throw;
            std::string message = e.what();
            a.error = message.substr(0, message.find('\n'));
        }
        a.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(deviceIndex);
        a.peakBytes = static_cast<double>(stats.allocated_bytes[0].peak); // index 0: StatType::AGGREGATE
        zeroGradients(params);
        c10::cuda::CUDACachingAllocator::emptyCache();
        if (progress)
            progress(a);
        return a;
    };
    const int64_t start =
        std::max<int64_t>(1, estimate.largestBatch > 0 ? estimate.largestBatch : cfg.batch_size);
    BatchSearch search =
        searchLargestBatch(attempt, start, int64_t{1} << 16, std::max<int64_t>(1, start / 16));
    return search;
#endif
}

} // namespace clipwb::train
