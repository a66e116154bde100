#include "train/OutOfMemory.h"

#include <c10/util/Exception.h>
#include <torch/cuda.h>
#include <torch/version.h>

#if defined(CLIPWB_TORCH_HAS_CUDA)
#include <c10/cuda/CUDACachingAllocator.h>
#endif

#include <algorithm>
#include <cctype>
#include <sstream>

namespace clipwb::train {
namespace {

std::string lowered(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

/// LibTorch's message without its C++ backtrace and trailing advice about PYTORCH_CUDA_ALLOC_CONF.
std::string firstLine(const std::string& message)
{
    std::string line = message.substr(0, message.find('\n'));
    for (const char* noise :
         {" If reserved but unallocated memory is large", " See documentation for Memory Management"}) {
        if (const auto cut = line.find(noise); cut != std::string::npos)
            line.resize(cut);
    }
    while (!line.empty() && (line.back() == ' ' || line.back() == '.'))
        line.pop_back();
    return line;
}

} // namespace

bool isOutOfMemory(const std::exception& e)
{
    // c10::OutOfMemoryError exists since 1.13; 1.13's CUDA allocator still throws some as plain c10::Error.
    if (dynamic_cast<const c10::OutOfMemoryError*>(&e))
        return true;
    const std::string text = lowered(e.what());
    return text.find("out of memory") != std::string::npos ||
           text.find("can't allocate memory") != std::string::npos ||
           text.find("cannot allocate memory") != std::string::npos;
}

std::string outOfMemoryMessage(const std::string& torchMessage, const config::TrainConfig& cfg,
                               const OutOfMemoryContext& context)
{
    const bool cuda = context.device.rfind("cuda", 0) == 0;
    std::ostringstream out;
    out << (cuda ? "out of GPU memory on " : "out of memory on ") << context.device << " in " << context.phase
        << " (" << firstLine(torchMessage) << ")";
    out << "; with batch_size " << (context.validation ? cfg.valid_batch_size : cfg.batch_size)
        << ", precision " << context.precision << ", grad_checkpointing "
        << (cfg.grad_checkpointing ? "on" : "off") << ": try ";
    // The options in the order they help most; each already taken is left out.
    int count = 0;
    const auto advise = [&](const std::string& text) { out << (count++ == 0 ? "" : ", or ") << text; };
    if (context.validation) {
        advise("a smaller valid_batch_size (say " + std::to_string(std::max(1, cfg.valid_batch_size / 2)) +
               ")");
    } else {
        advise("a smaller batch_size (say " + std::to_string(std::max(1, cfg.batch_size / 2)) +
               ", with accum_freq " + std::to_string(cfg.accum_freq * 2) + " to keep the global batch of " +
               std::to_string(static_cast<int64_t>(cfg.batch_size) * cfg.accum_freq) + ")");
        if (!cfg.grad_checkpointing)
            advise("grad_checkpointing on (recomputes each block in the backward pass: far less activation "
                   "memory, ~30% slower)");
    }
    if (cuda && context.precision == "fp32")
        advise("precision amp or bf16 (about half the activation memory)");
    if (cuda && context.fusedAttention && !cfg.use_flash_attention)
        advise("use_flash_attention on");
    out << "; `clipwb-cli config check --memory` estimates what fits. The run folder is intact";
    if (!context.lastCheckpoint.empty())
        out << " and so is its last checkpoint, " << context.lastCheckpoint
            << ": change the config and start again to resume from it";
    else
        out << " (no checkpoint was saved yet)";
    return out.str();
}

void releaseCachedDeviceMemory()
{
#if defined(CLIPWB_TORCH_HAS_CUDA)
    if (torch::cuda::is_available())
        c10::cuda::CUDACachingAllocator::emptyCache();
#endif
}

} // namespace clipwb::train
