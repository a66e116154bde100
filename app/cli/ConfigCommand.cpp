// clipwb-cli config check FILE [flags] | config flags FILE [flags] | config presets | config preset NAME
// [--base DIR]
#include "Commands.h"

#include "common/Error.h"
#include "config/TrainConfig.h"
#include "model/MemoryEstimate.h"
#include "train/MemoryCheck.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace clipwb::cli {

namespace {

constexpr const char* kUsage =
    "usage: clipwb-cli config check FILE [--upstream-flag VALUE ...] [--memory] [--find-max-batch]\n"
    "       clipwb-cli config flags FILE [--upstream-flag VALUE ...]\n"
    "       clipwb-cli config presets\n"
    "       clipwb-cli config preset NAME [--base DIR]\n"
    "check: print the resolved config as JSON (exit 0), or every problem, one per line on stderr (exit 1).\n"
    "  --memory: instead, the memory the run needs (parameters, gradients, AdamW state, activations\n"
    "  per sample, transient buffers) against the training device's free memory (exit 0, or 3 when\n"
    "  it does not fit). --find-max-batch: also try training steps of growing batches on the CUDA\n"
    "  device and report the largest that runs.\n"
    "flags: print the config as an upstream-style command line.\n"
    "FILE may be '-' to start from the defaults.\n";

/// Loads FILE (or the defaults for "-"), applies the flags and validates.
config::ConfigResult resolve(const Args& args)
{
    CLIPWB_CHECK(args.size() >= 2 && (args[1] == "-" || args[1].rfind("--", 0) != 0), "missing FILE\n",
                 kUsage);
    std::optional<std::filesystem::path> file;
    if (args[1] != "-")
        file = args[1];
    return config::resolveConfig(file, Args(args.begin() + 2, args.end()));
}

int reportIssues(const config::ConfigResult& result)
{
    for (const config::ConfigIssue& issue : result.issues)
        std::fprintf(stderr, "%s\n", issue.text().c_str());
    return 1;
}

} // namespace

int runConfig(const Args& args)
{
    if (args.empty() || args[0] == "--help" || args[0] == "-h") {
        std::fputs(kUsage, args.empty() ? stderr : stdout);
        return args.empty() ? 2 : 0;
    }
    const std::string& action = args[0];
    if (action == "check") {
        // Our own options, not upstream flags: taken out before the flags are applied.
        Args rest;
        bool memory = false, findMaxBatch = false;
        for (const std::string& a : args) {
            if (a == "--memory")
                memory = true;
            else if (a == "--find-max-batch")
                memory = findMaxBatch = true;
            else
                rest.push_back(a);
        }
        const config::ConfigResult result = resolve(rest);
        if (!result.ok())
            return reportIssues(result);
        if (!memory) {
            std::cout << config::toJsonText(result.config) << std::endl;
            return 0;
        }
        const train::DeviceMemoryInfo device = train::queryDeviceMemory(result.config.device);
        CLIPWB_CHECK(!findMaxBatch || device.device.rfind("cuda", 0) == 0,
                     "--find-max-batch tries training steps on a CUDA device; this run trains on ", device.device,
                     " (on the CPU allocations do not fail, the system swaps or stops the process: use --memory)");
        const train::MemoryCheck check = train::checkTrainingMemory(result.config, device);
        std::cout << check.report() << std::endl;
        if (findMaxBatch) {
            std::cout << "trying training steps on " << check.device.device << ":" << std::endl;
            const train::BatchSearch search =
                train::findLargestBatchOnDevice(result.config, [](const train::BatchAttempt& a) {
                    std::cout << "  batch_size " << a.batchSize << ": "
                              << (a.fits ? "ran, peak " + model::formatBytes(a.peakBytes) : "out of memory")
                              << std::endl;
                });
            std::cout << "largest batch_size that ran: " << search.largest << std::endl;
        }
        return check.fits ? 0 : 3;
    }
    if (action == "flags") {
        const config::ConfigResult result = resolve(args);
        if (!result.ok())
            return reportIssues(result);
        std::cout << config::toCommandLine(result.config) << std::endl;
        return 0;
    }
    if (action == "presets") {
        for (const std::string& name : config::presetNames())
            std::cout << name << "\t" << config::presetDescription(name) << "\n";
        return 0;
    }
    if (action == "preset") {
        CLIPWB_CHECK(args.size() == 2 || (args.size() == 4 && args[2] == "--base"), kUsage);
        const std::filesystem::path base =
            args.size() == 4 ? std::filesystem::absolute(args[3]) : std::filesystem::current_path();
        const config::ConfigResult result = config::loadPreset(args[1], base);
        if (!result.ok())
            return reportIssues(result);
        std::cout << config::toJsonText(result.config) << std::endl;
        return 0;
    }
    std::fprintf(stderr, "clipwb-cli config: unknown action '%s'\n%s", action.c_str(), kUsage);
    return 2;
}

} // namespace clipwb::cli
