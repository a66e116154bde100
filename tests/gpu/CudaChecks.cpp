#include "CudaChecks.h"

#include "model/Clip.h"
#include "model/ModelConfig.h"
#include "train/AutocastScope.h"
#include "train/ContrastiveLoss.h"
#include "train/LossScaler.h"
#include "train/OutOfMemory.h"
#include "train/ParameterGroups.h"

#include <ATen/Context.h>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace clipwb::cuda_checks {
namespace {

model::ClipModelConfig tinyConfig()
{
    return model::loadModelConfig(CLIPWB_TEST_FIXTURES "/model_configs/Tiny-ViT.json",
                                  CLIPWB_TEST_FIXTURES "/model_configs/Tiny-BERT.json");
}

struct Batch {
    torch::Tensor images;
    torch::Tensor texts;
};

Batch syntheticBatch(const model::ClipModelConfig& config, int64_t batch, uint64_t seed)
{
    torch::manual_seed(seed);
    Batch b;
    b.images = torch::randn({batch, 3, config.imageResolution, config.imageResolution});
    b.texts = torch::zeros({batch, 52}, torch::kLong);
    b.texts.slice(1, 1, 21).copy_(torch::randint(106, 21128, {batch, 20}, torch::kLong));
    b.texts.select(1, 0).fill_(101);
    b.texts.select(1, 21).fill_(102);
    return b;
}

double maxRelativeDifference(const std::vector<double>& a, const std::vector<double>& b)
{
    double worst = 0;
    for (size_t i = 0; i < a.size() && i < b.size(); ++i)
        worst = std::max(worst, std::abs(a[i] - b[i]) / std::max(1e-12, std::abs(b[i])));
    return worst;
}

double maxAbsDifference(const torch::Tensor& a, const torch::Tensor& b)
{
    return (a.to(torch::kCPU, torch::kDouble) - b.to(torch::kCPU, torch::kDouble)).abs().max().item<double>();
}

std::string join(const std::vector<double>& values)
{
    std::ostringstream out;
    out.precision(5);
    for (size_t i = 0; i < values.size(); ++i)
        out << (i ? " " : "") << values[i];
    return out.str();
}

} // namespace

void useExactKernels()
{
    at::globalContext().setAllowTF32CuBLAS(false);
    at::globalContext().setAllowTF32CuDNN(false);
    at::globalContext().setDeterministicCuDNN(true);
    at::globalContext().setBenchmarkCuDNN(false);
}

std::vector<double> trainTinySteps(const torch::Device& device, const std::string& precision,
                                   bool checkpointing, int steps, bool repeatOneBatch,
                                   std::vector<torch::Tensor>* finalParameters, double lr)
{
    const auto config = tinyConfig();
    torch::manual_seed(7);
    model::Clip clip(config);
    clip->setGradCheckpointing(checkpointing);
    clip->to(device);
    clip->train();
    const auto groups = train::splitParameterGroups(clip->named_parameters());
    train::AdamWSettings settings;
    settings.lr = lr;
    settings.beta1 = 0.9;
    settings.beta2 = 0.98;
    settings.eps = 1e-6;
    settings.weightDecay = 0.2;
    auto optimizer = train::makeAdamW(groups, settings);
    train::LossScalerOptions scalerOptions;
    scalerOptions.enabled = precision == "amp";
    train::LossScaler scaler(scalerOptions);
    const auto type = precision == "amp"    ? torch::kHalf
                      : precision == "bf16" ? torch::kBFloat16
                                            : torch::kFloat;
    std::vector<double> losses;
    const auto params = groups.all();
    for (int step = 0; step < steps; ++step) {
        const Batch b = syntheticBatch(config, 16, 1000 + (repeatOneBatch ? 0 : static_cast<uint64_t>(step)));
        train::zeroGradients(params);
        torch::Tensor loss;
        {
            train::AutocastScope autocast(precision != "fp32", device, type);
            auto [image, text, scale] = clip->forward(b.images.to(device), b.texts.to(device));
            loss = train::contrastiveLoss(image, text, scale, true).loss;
        }
        losses.push_back(loss.item<double>());
        scaler.scale(loss).backward();
        scaler.step(*optimizer, params);
        scaler.update();
    }
    if (finalParameters)
        for (const auto& p : params)
            finalParameters->push_back(p.detach().cpu().clone());
    return losses;
}

Outcome featuresMatchCpu(const torch::Device& device)
{
    const auto config = tinyConfig();
    torch::manual_seed(3);
    model::Clip clip(config);
    clip->eval();
    const Batch b = syntheticBatch(config, 8, 11);
    torch::NoGradGuard noGrad;
    const auto cpuImage = clip->encodeImage(b.images);
    const auto cpuText = clip->encodeText(b.texts);
    clip->to(device);
    const auto image = clip->encodeImage(b.images.to(device)).cpu();
    const auto text = clip->encodeText(b.texts.to(device)).cpu();
    Outcome o;
    o.ok = torch::allclose(image, cpuImage, 1e-4, 1e-5) && torch::allclose(text, cpuText, 1e-4, 1e-5);
    o.detail = "largest difference: image " + std::to_string(maxAbsDifference(image, cpuImage)) + ", text " +
               std::to_string(maxAbsDifference(text, cpuText)) + " (allowed 1e-5 + 1e-4 relative)";
    return o;
}

Outcome trainingStepsMatchCpu(const torch::Device& device)
{
    std::vector<torch::Tensor> cpuParams, params;
    const auto cpu = trainTinySteps(torch::kCPU, "fp32", false, 5, false, &cpuParams);
    const auto losses = trainTinySteps(device, "fp32", false, 5, false, &params);
    const double lossDifference = maxRelativeDifference(losses, cpu);
    double worstParameter = 0;
    bool close = params.size() == cpuParams.size();
    for (size_t i = 0; close && i < params.size(); ++i) {
        close = torch::allclose(params[i], cpuParams[i], 1e-3, 1e-5);
        worstParameter = std::max(worstParameter, maxAbsDifference(params[i], cpuParams[i]));
    }
    Outcome o;
    o.ok = lossDifference < 1e-4 && close;
    o.detail = "losses " + join(losses) + " vs CPU " + join(cpu) + "; relative difference " +
               std::to_string(lossDifference) + " (< 1e-4); weights differ by at most " +
               std::to_string(worstParameter);
    return o;
}

Outcome ampAndBf16FollowFp32(const torch::Device& device)
{
    // The same batches in every precision: the trajectories stay close.
    const auto fp32 = trainTinySteps(device, "fp32", false, 12);
    const auto amp = trainTinySteps(device, "amp", false, 12);
    const auto bf16 = trainTinySteps(device, "bf16", false, 12);
    const double ampDifference = maxRelativeDifference(amp, fp32);
    const double bf16Difference = maxRelativeDifference(bf16, fp32);
    // One batch again and again at a higher learning rate: something to learn, and each precision
    // learns it (in fp32 on the CPU the loss falls from 2.80 to 0.40 in 20 steps).
    const auto fp32Learns = trainTinySteps(device, "fp32", false, 20, true, nullptr, 1e-3);
    const auto ampLearns = trainTinySteps(device, "amp", false, 20, true, nullptr, 1e-3);
    const auto bf16Learns = trainTinySteps(device, "bf16", false, 20, true, nullptr, 1e-3);
    const auto learned = [](const std::vector<double>& losses) {
        return losses.back() < 0.5 * losses.front();
    };
    Outcome o;
    o.ok = ampDifference < 0.02 && bf16Difference < 0.05 && learned(fp32Learns) && learned(ampLearns) &&
           learned(bf16Learns);
    o.detail = "fp32 " + join(fp32) + "; amp " + join(amp) + " (relative difference " +
               std::to_string(ampDifference) + ", < 0.02); bf16 " + join(bf16) + " (" +
               std::to_string(bf16Difference) + ", < 0.05); one batch 20 times, loss must halve: fp32 " +
               std::to_string(fp32Learns.front()) + " -> " + std::to_string(fp32Learns.back()) + ", amp -> " +
               std::to_string(ampLearns.back()) + ", bf16 -> " + std::to_string(bf16Learns.back());
    return o;
}

Outcome gradientCheckpointingGivesTheSameSteps(const torch::Device& device)
{
    std::vector<torch::Tensor> plain, checkpointed;
    const auto a = trainTinySteps(device, "fp32", false, 4, false, &plain);
    const auto b = trainTinySteps(device, "fp32", true, 4, false, &checkpointed);
    bool close = plain.size() == checkpointed.size();
    for (size_t i = 0; close && i < plain.size(); ++i)
        close = torch::allclose(checkpointed[i], plain[i], 1e-5, 1e-7);
    // Under amp the recomputation must replay the forward's autocast.
    const auto ampPlain = trainTinySteps(device, "amp", false, 4);
    const auto ampCheckpointed = trainTinySteps(device, "amp", true, 4);
    const double fp32Difference = maxRelativeDifference(b, a);
    const double ampDifference = maxRelativeDifference(ampCheckpointed, ampPlain);
    Outcome o;
    o.ok = fp32Difference < 1e-6 && close && ampDifference < 1e-3;
    o.detail = "fp32 losses differ by " + std::to_string(fp32Difference) + " (< 1e-6), weights " +
               (close ? "close" : "NOT close") + "; amp by " + std::to_string(ampDifference) + " (< 1e-3)";
    return o;
}

Outcome generatorStateReplaysMasking(const torch::Device& device)
{
    const auto config = tinyConfig();
    torch::manual_seed(5);
    model::Clip clip(config);
    clip->to(device);
    clip->train();
    const Batch b = syntheticBatch(config, 4, 21);
    const torch::Tensor images = b.images.to(device);
    torch::NoGradGuard noGrad;
    at::Generator generator = at::globalContext().defaultGenerator(device);
    torch::Tensor saved;
    {
        std::lock_guard<std::mutex> lock(generator.mutex());
        saved = generator.get_state();
    }
    const torch::Tensor first = clip->encodeImage(images, 0.5).cpu();
    const torch::Tensor next = clip->encodeImage(images, 0.5).cpu(); // another draw: another mask
    {
        std::lock_guard<std::mutex> lock(generator.mutex());
        generator.set_state(saved);
    }
    const torch::Tensor replayed = clip->encodeImage(images, 0.5).cpu();
    Outcome o;
    const bool drawsDiffer = !torch::equal(first, next);
    const bool replays = torch::equal(first, replayed);
    o.ok = drawsDiffer && replays;
    o.detail = std::string("two masked forwards ") + (drawsDiffer ? "differ" : "are EQUAL (no draw?)") +
               "; after restoring the generator's state the first " +
               (replays ? "is replayed exactly"
                        : "is NOT replayed (" + std::to_string(maxAbsDifference(first, replayed)) + ")");
    return o;
}

Outcome outOfMemoryIsRecognised(const torch::Device& device)
{
    Outcome o;
    try {
        // 4 TiB of floats: beyond any GPU (and any host), refused before anything is touched.
        const torch::Tensor huge = torch::empty({int64_t{1} << 40}, torch::TensorOptions().device(device));
        o.detail = "a 4 TiB allocation succeeded";
        return o;
    } catch (const std::exception& e) {
        std::string message = e.what();
        message = message.substr(0, message.find('\n'));
        if (!train::isOutOfMemory(e)) {
            o.detail = "not recognised as out of memory: " + message;
            return o;
        }
        o.detail = "recognised: " + message;
    }
    const torch::Tensor small = torch::ones({1024}, torch::TensorOptions().device(device));
    o.ok = small.sum().item<double>() == 1024.0;
    o.detail += o.ok ? "; the device works on" : "; the device FAILED afterwards";
    return o;
}

} // namespace clipwb::cuda_checks
