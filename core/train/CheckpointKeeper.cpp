#include "train/CheckpointKeeper.h"

#include "common/Error.h"
#include "train/FlashOptimizerLayout.h"

#include <ATen/Context.h>

#include <mutex>
#include <regex>

namespace clipwb::train {
namespace {

/// The default generator of a device (torch.get_rng_state / torch.cuda.get_rng_state).
torch::Tensor generatorState(torch::Device device)
{
    at::Generator generator = at::globalContext().defaultGenerator(device);
    std::lock_guard<std::mutex> lock(generator.mutex());
    return generator.get_state();
}

void setGeneratorState(torch::Device device, const torch::Tensor& state)
{
    at::Generator generator = at::globalContext().defaultGenerator(device);
    std::lock_guard<std::mutex> lock(generator.mutex());
    generator.set_state(state);
}

} // namespace

void CheckpointKeeper::applyExactState()
{
    if (!s.pendingExact)
        return;
    const ExactState& e = *s.pendingExact;
    const auto rank = static_cast<size_t>(s.rank());
    if (e.worldSize == s.worldSize() && s.distributed()) {
        // Each rank continues its own random streams.
        if (rank < e.rankCpuRng.size())
            setGeneratorState(torch::Device(torch::kCPU), e.rankCpuRng[rank]);
        if (rank < e.rankCudaRng.size() && s.device.is_cuda())
            setGeneratorState(s.device, e.rankCudaRng[rank]);
    } else if (e.worldSize == s.worldSize()) {
        if (e.cpuRng.defined())
            setGeneratorState(torch::Device(torch::kCPU), e.cpuRng);
        if (e.cudaRng.defined() && s.device.is_cuda())
            setGeneratorState(s.device, e.cudaRng);
    }
    if (s.pendingExact->lossScale > 0 && s.scaler->enabled())
        s.scaler->restore(s.pendingExact->lossScale, s.pendingExact->growthTracker);
    s.pendingExact.reset();
}

ExactState CheckpointKeeper::exactState(Position position) const
{
    ExactState e;
    e.epoch = position.epoch;
    e.batch = position.batch;
    e.lossScale = s.scaler->enabled() ? s.scaler->currentScale() : 0;
    e.growthTracker = s.scaler->growthTracker();
    e.cpuRng = generatorState(torch::Device(torch::kCPU));
    if (s.device.is_cuda())
        e.cudaRng = generatorState(s.device);
    e.worldSize = s.worldSize();
    if (s.distributed()) {
        // Rank 0 writes the file: it collects every rank's generators (a collective, so
        // every rank calls save()).
        e.rankCpuRng = s.ranks->allGather(e.cpuRng);
        if (e.cudaRng.defined())
            for (auto& state : s.ranks->allGather(e.cudaRng.to(s.device)))
                e.rankCudaRng.push_back(state.to(torch::kCPU));
    }
    return e;
}

std::string CheckpointKeeper::keptNote() const
{
    if (!m_lastGood.empty())
        return "; the last good checkpoint is " + m_lastGood.string();
    if (!s.resumedFrom.empty())
        return "; the checkpoint this run resumed from is kept: " + s.resumedFrom;
    return "; no checkpoint was saved in this run";
}

bool CheckpointKeeper::save(const std::string& fileName, int64_t epochNumber, int64_t stepNumber,
                            Position position)
{
    const auto path = s.checkpointDir / fileName;
    const auto t0 = Clock::now();
    const ExactState exact = exactState(position);
    if (!s.writesRunFolder())
        return true;
    try {
        writeTrainCheckpoint(path, epochNumber, stepNumber, s.cfg.name, s.model, *s.optimizer, s.groups,
                             exact, /*flashAttentionLayout=*/s.cfg.use_flash_attention);
    } catch (const std::exception& e) {
        // Going on would train without a way back and end "successfully" with no final
        // checkpoint: the run stops, naming the file and the cause; the previous file is kept.
        throw Error(std::string(e.what()) + "; training stopped at step " + std::to_string(stepNumber) +
                    keptNote() + "; free space and run the same command again to resume");
    }
    m_lastGood = path;
    s.events.log(LogLevel::Info, "Saved checkpoint " + path.string() + " (epoch " +
                                     std::to_string(epochNumber) + " @ " + std::to_string(stepNumber) +
                                     " steps) (writing took " + formatFixed(secondsSince(t0), 3) +
                                     " seconds)");
    if (s.events.observer())
        s.events.observer()->onCheckpointSaved(path, epochNumber, stepNumber);
    return true;
}

void CheckpointKeeper::pruneStepCheckpoints()
{
    if (!s.writesRunFolder())
        return;
    if (!s.cfg.keep_last_n || *s.cfg.keep_last_n <= 0)
        return;
    static const std::regex pattern(R"(epoch_(\d+)_(\d+)\.pt)");
    std::vector<std::pair<int64_t, std::filesystem::path>> found;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(s.checkpointDir, ec)) {
        std::smatch m;
        const std::string name = entry.path().filename().string();
        if (std::regex_match(name, m, pattern))
            found.emplace_back(std::stoll(m[2].str()), entry.path());
    }
    std::sort(found.begin(), found.end());
    const auto keep = static_cast<size_t>(*s.cfg.keep_last_n);
    for (size_t i = 0; i + keep < found.size(); ++i) {
        std::filesystem::remove(found[i].second, ec);
        if (!ec)
            s.events.log(LogLevel::Info, "Removed old checkpoint " + found[i].second.string() +
                                             " (keep_last_n " + std::to_string(keep) + ")");
    }
}

void CheckpointKeeper::saveStep(int64_t epoch, int64_t stepNumber, Position position)
{
    save("epoch_" + std::to_string(epoch + 1) + "_" + std::to_string(stepNumber) + ".pt", epoch + 1,
         stepNumber, position);
    pruneStepCheckpoints();
    save("epoch_latest.pt", epoch + 1, stepNumber, position);
}

void CheckpointKeeper::saveEpoch(int64_t epoch)
{
    if (epoch + 1 == s.maxEpochs ||
        (s.cfg.save_epoch_frequency > 0 && (epoch + 1) % s.cfg.save_epoch_frequency == 0))
        save("epoch" + std::to_string(epoch + 1) + ".pt", epoch + 1, s.steps, {epoch + 1, 0});
    save("epoch_latest.pt", epoch + 1, s.steps, {epoch + 1, 0});
}

} // namespace clipwb::train
