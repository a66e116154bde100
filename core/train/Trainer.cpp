#include "train/Trainer.h"

#include "common/Error.h"
#include "model/CachingCpuAllocator.h"
#include "model/ScaledDotProductAttention.h"
#include "train/CheckpointKeeper.h"
#include "train/LrSchedule.h"
#include "train/OutOfMemory.h"
#include "train/RunControl.h"
#include "train/RunRecorder.h"
#include "train/RunSetup.h"
#include "train/TrainSession.h"
#include "train/TrainStep.h"
#include "train/Validator.h"

#include <torch/cuda.h>

#include <atomic>
#include <utility>

namespace clipwb::train {

// The run's parts, each with one job (see their headers); this file drives the
// epochs (upstream main()'s loop and train()'s batch loop) and the facade.
struct Trainer::Impl {
    TrainSession session;
    RunControl control;
    std::atomic<bool> training{false};
    CheckpointKeeper keeper{session};
    TrainStep stepper{session, keeper};
    Validator validator{session};
    RunRecorder recorder{session};
    Clock::time_point runStart;
    double averageStepSeconds = 0;
    bool pendingSave = false; // data-parallel: save-now agreed at the last step boundary

    Impl(config::TrainConfig c, TrainerObserver* o) : session(std::move(c), o) {}

    /// Where an out-of-memory failure happened, for its message.
    OutOfMemoryContext outOfMemoryContext() const
    {
        const TrainSession& s = session;
        OutOfMemoryContext c;
        c.device = s.device.str();
        c.precision = s.precisionName.empty() ? s.cfg.precision : s.precisionName;
        c.validation = s.validating;
        c.phase = !s.optimizer   ? std::string("set-up (model on the device)")
                  : s.validating ? "validation at step " + std::to_string(s.steps)
                                 : "training step " + std::to_string(s.steps + 1);
        c.lastCheckpoint = !keeper.lastGood().empty() ? keeper.lastGood().string() : s.resumedFrom;
        c.fusedAttention = model::fusedAttentionCompiledIn();
        return c;
    }

    void runValidation(int64_t epoch, int64_t stepNumber)
    {
        const ValidationMetrics v = validator.evaluate(epoch, stepNumber);
        recorder.validation(v);
        session.setTrainMode();
    }

    /// Returns the optimizer steps trained in this epoch; sets stopped when requestStop() ended it.
    int64_t trainEpoch(int64_t epoch, int64_t skipBatches, bool& stopped)
    {
        TrainSession& s = session;
        s.setTrainMode();
        const int accum = s.cfg.accum_freq;
        s.trainLoader->startEpoch(epoch, skipBatches);
        int64_t epochTrainedSteps = 0;
        double dataWait = 0;
        auto end = Clock::now();
        for (int64_t i = skipBatches; i < s.batchesPerEpoch; ++i) {
            const int64_t iAccum = i / accum;
            const int64_t step = s.stepsPerEpoch * epoch + iAccum;
            if (step >= s.maxSteps) {
                s.events.log(LogLevel::Info, "Stopping training due to step " + std::to_string(step) +
                                                 " has reached max_steps " + std::to_string(s.maxSteps));
                return epochTrainedSteps;
            }
            if (!stepper.accumulating()) {
                bool stopNow = false;
                if (s.distributed()) {
                    const RunControl::Decision d = control.agree(s.events, *s.ranks);
                    stopNow = d.stop;
                    pendingSave = d.save;
                } else {
                    control.waitWhilePaused(s.events);
                    stopNow = control.stopRequested();
                }
                if (stopNow) {
                    stopped = true;
                    keeper.save("epoch_latest.pt", epoch + 1, s.steps, {epoch, i});
                    return epochTrainedSteps;
                }
                end = Clock::now();
                dataWait = 0;
            }
            const auto waitStart = Clock::now();
            std::optional<data::Batch> batch = s.trainLoader->next();
            CLIPWB_CHECK(batch, "the training loader ended early at batch ", i, " of ", s.batchesPerEpoch);
            dataWait += secondsSince(waitStart);

            const double lr = s.cfg.skip_scheduler ? config::effectiveLr(s.cfg)
                                                   : cosineLearningRate(config::effectiveLr(s.cfg),
                                                                        s.cfg.warmup, s.maxSteps, step);
            setLearningRate(*s.optimizer, lr);
            const std::optional<StepResult> result = stepper.feed(*batch, step + 1);
            if (!result)
                continue;
            ++epochTrainedSteps;
            ++s.steps;
#if defined(CLIPWB_TORCH_HAS_CUDA)
            // The GPU runs behind the host: a step ends when its kernels do (reportStep's item()
            // waits for them anyway, but after the clock would have stopped).
            if (s.device.is_cuda())
                torch::cuda::synchronize(s.device.index());
#endif
            const double stepSeconds = secondsSince(end);
            end = Clock::now();
            averageStepSeconds =
                averageStepSeconds == 0 ? stepSeconds : 0.9 * averageStepSeconds + 0.1 * stepSeconds;
            reportStep(*result, epoch, step, i, lr, stepSeconds, dataWait);

            if (s.validLoader && s.cfg.valid_step_interval && *s.cfg.valid_step_interval > 0 &&
                (step + 1) % *s.cfg.valid_step_interval == 0)
                runValidation(epoch, step + 1);
            const Position after{epoch, i + 1};
            const bool saveNow =
                s.distributed() ? std::exchange(pendingSave, false) : control.takeSaveRequest();
            if ((s.cfg.save_step_frequency > 0 && (step + 1) % s.cfg.save_step_frequency == 0) || saveNow)
                keeper.saveStep(epoch, step + 1, after);
        }
        return epochTrainedSteps;
    }

    void reportStep(const StepResult& r, int64_t epoch, int64_t step, int64_t batchIndex, double lr,
                    double stepSeconds, double dataWait)
    {
        TrainSession& s = session;
        const int64_t accum = s.cfg.accum_freq;
        StepMetrics m;
        m.step = step + 1;
        m.epoch = epoch + 1;
        m.maxSteps = s.maxSteps;
        m.batchInEpoch = batchIndex + 1;
        m.batchesPerEpoch = s.batchesPerEpoch;
        m.loss = r.loss;
        m.i2t = r.i2t.item<double>();
        m.t2i = r.t2i.item<double>();
        m.lr = lr;
        m.logitScale = s.model->logitScale().item<double>();
        m.stepTimeSeconds = stepSeconds;
        m.dataWaitSeconds = dataWait;
        m.samplesPerSecond = stepSeconds > 0 ? static_cast<double>(r.batchRows * accum) / stepSeconds : 0;
        m.lossScale = s.scaler->enabled() ? s.scaler->currentScale() : 0;
        m.skipped = s.scaler->lastStepSkipped();
        m.elapsedSeconds = secondsSince(runStart);
        m.etaSeconds = averageStepSeconds * static_cast<double>(s.maxSteps - (step + 1));
        const int64_t iAccum = batchIndex / accum;
        recorder.step(m, (iAccum + 1) * r.batchRows * accum, r.batchRows * accum);
    }

    RunInfo runInfo() const
    {
        const TrainSession& s = session;
        RunInfo info;
        info.runDir = s.runDir;
        info.name = s.cfg.name;
        info.device = s.device.str();
        info.precision = s.precisionName;
        info.maxSteps = s.maxSteps;
        info.maxEpochs = s.maxEpochs;
        info.batchesPerEpoch = s.batchesPerEpoch;
        info.stepsPerEpoch = s.stepsPerEpoch;
        info.startStep = s.steps;
        info.startEpoch = s.start.epoch;
        info.trainSamples = s.trainLoader->splitSamples();
        info.validSamples = s.validLoader ? s.validLoader->splitSamples() : 0;
        info.globalBatchSize = static_cast<int64_t>(s.cfg.batch_size) * s.cfg.accum_freq * s.worldSize();
        info.worldSize = s.worldSize();
        info.rank = s.rank();
        for (const auto& p : s.model->parameters()) {
            info.parameterCount += p.numel();
            if (p.requires_grad())
                info.trainableParameterCount += p.numel();
        }
        info.resumedFrom = s.resumedFrom;
        return info;
    }

    void train()
    {
        TrainSession& s = session;
        runStart = Clock::now();
        RunSetup(s).prepare(true);
        recorder.open(s.steps);
        keeper.applyExactState();

        const RunInfo info = runInfo();
        s.events.log(LogLevel::Info,
                     "Training on " + info.device + " (" + s.precisionName + "), " +
                         std::to_string(info.trainSamples) + " training pairs, " +
                         std::to_string(s.batchesPerEpoch) + " batches per epoch, max_steps " +
                         std::to_string(s.maxSteps) + ", max_epochs " + std::to_string(s.maxEpochs) + ", " +
                         std::to_string(info.trainableParameterCount) + " trainable parameters");
        if (s.events.observer())
            s.events.observer()->onStarted(info);

        bool stopped = false;
        training = true;
        struct NotTraining {
            std::atomic<bool>& flag;
            ~NotTraining() { flag = false; }
        } notTraining{training};
        for (int64_t epoch = s.start.epoch; epoch < s.maxEpochs && !stopped; ++epoch) {
            s.events.log(LogLevel::Info, "Start epoch " + std::to_string(epoch + 1));
            const int64_t skip = epoch == s.start.epoch ? s.start.batch : 0;
            const int64_t trained = trainEpoch(epoch, skip, stopped);
            if (stopped)
                break;
            const int64_t stepsThisEpoch = trained + (skip > 0 ? 1 : 0);
            if (s.validLoader && s.cfg.valid_epoch_interval && *s.cfg.valid_epoch_interval > 0 &&
                (epoch + 1) % *s.cfg.valid_epoch_interval == 0)
                runValidation(epoch, s.steps);
            if (stepsThisEpoch > 0)
                keeper.saveEpoch(epoch);
        }
        s.events.log(LogLevel::Info,
                     stopped ? "Training stopped at step " + std::to_string(s.steps) + " on request"
                             : "Training finished at step " + std::to_string(s.steps));
        // Unlocked before the news goes out: an observer may start the next run at once (Resume).
        s.runLock.reset();
        if (s.events.observer())
            s.events.observer()->onFinished(stopped);
    }
};

Trainer::Trainer(config::TrainConfig config, TrainerObserver* observer)
    : m_impl(std::make_unique<Impl>(std::move(config), observer))
{
}

Trainer::~Trainer() = default;

void Trainer::run()
{
    model::installCachingCpuAllocator();
    // A long-lived process (the GUI) gets the step's cached blocks back when the run ends.
    struct ReleaseCache {
        ~ReleaseCache() { model::releaseCachedCpuMemory(); }
    } releaseCache;
    try {
        m_impl->train();
    } catch (const std::exception& e) {
        std::string message = e.what();
        // LibTorch messages carry a C++ backtrace after the first line.
        if (const auto cut = message.find("\nException raised from"); cut != std::string::npos)
            message.resize(cut);
        if (isOutOfMemory(e)) {
            // Says what to change; the cached blocks go back so that this process can train again.
            releaseCachedDeviceMemory();
            message = outOfMemoryMessage(message, m_impl->session.cfg, m_impl->outOfMemoryContext());
        }
        try {
            m_impl->session.events.logToFile(LogLevel::Error, message);
        } catch (const std::exception&) {
            // train.log itself cannot be written (disk full): the message still reaches the caller.
        }
        m_impl->session.runLock.reset();
        if (m_impl->session.events.observer())
            m_impl->session.events.observer()->onFailed(message);
        throw Error(message);
    }
}

ValidationMetrics Trainer::evaluateOnly()
{
    TrainSession& s = m_impl->session;
    RunSetup(s).prepare(false);
    CLIPWB_CHECK(s.validLoader, "val_data: validation needs a validation split");
    return m_impl->validator.evaluate(s.start.epoch, s.steps);
}

bool Trainer::isTraining() const
{
    return m_impl->training.load();
}

void Trainer::requestStop()
{
    m_impl->control.requestStop();
}

void Trainer::pause()
{
    m_impl->control.pause();
}

void Trainer::resume()
{
    m_impl->control.resume();
}

bool Trainer::isPaused() const
{
    return m_impl->control.isPaused();
}

void Trainer::requestSave()
{
    m_impl->control.requestSave();
}

void Trainer::togglePauseFromSignal()
{
    m_impl->control.togglePauseFromSignal();
}

void Trainer::setDataParallel(const DataParallelOptions& options)
{
    m_impl->session.parallel = options;
}

std::filesystem::path Trainer::runDir() const
{
    return config::runFolder(m_impl->session.cfg);
}

} // namespace clipwb::train
