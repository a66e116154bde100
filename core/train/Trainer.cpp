#include "train/Trainer.h"

#include "common/AtomicFile.h"
#include "common/Error.h"
#include "data/DataLoader.h"
#include "model/Clip.h"
#include "model/ClipWeights.h"
#include "model/ModelConfig.h"
#include "text/Tokenizer.h"
#include "train/AutocastScope.h"
#include "train/ContrastiveLoss.h"
#include "train/LossScaler.h"
#include "train/LrSchedule.h"
#include "train/MetricsWriter.h"
#include "train/ParameterGroups.h"
#include "train/TrainCheckpoint.h"
#include "train/TrainLog.h"
#include "train/RunLock.h"
#include "train/ValidationRecall.h"

#include <ATen/Context.h>
#include <nlohmann/json.hpp>
#include <torch/version.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <regex>
#include <sstream>


namespace clipwb::train {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Upstream clamps to 4.6052 = ln(100), as in the original paper.
constexpr double kMaxLogitScale = 4.6052;

enum class Precision { Fp32, Amp, Bf16 };

struct Position {
    int64_t epoch = 0;
    int64_t batch = 0;
};

std::string formatDouble(double v, int precision = 6)
{
    std::ostringstream out;
    out.setf(std::ios::fixed);
    out.precision(precision);
    out << v;
    return out.str();
}

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

struct Trainer::Impl {
    config::TrainConfig cfg;
    TrainerObserver* observer = nullptr;

    std::atomic<bool> stopRequested{false};
    std::atomic<bool> saveRequested{false};
    std::atomic<bool> paused{false};
    std::mutex pauseMutex;
    std::condition_variable pauseCondition;

    // ---- state of one run ----
    torch::Device device{torch::kCPU};
    Precision precision = Precision::Fp32;
    std::string precisionName;
    model::ClipModelConfig modelConfig;
    model::Clip model{nullptr};
    model::Clip teacher{nullptr};
    ParameterGroups groups;
    std::unique_ptr<torch::optim::AdamW> optimizer;
    std::unique_ptr<LossScaler> scaler;
    std::shared_ptr<const text::Tokenizer> tokenizer;
    std::unique_ptr<data::DataLoader> trainLoader;
    std::unique_ptr<data::DataLoader> validLoader;
    std::unique_ptr<ValidationRecall> validRecall;
    std::unique_ptr<MetricsWriter> metrics;
    std::unique_ptr<TrainLog> log;
    std::unique_ptr<RunLock> runLock; // held from prepare(true) until the trainer is destroyed
    std::filesystem::path runDir;
    std::filesystem::path checkpointDir;
    int64_t batchesPerEpoch = 0;
    int64_t stepsPerEpoch = 0;
    int64_t maxSteps = 0;
    int64_t maxEpochs = 0;
    int64_t steps = 0; // optimizer steps done (upstream's `steps`)
    Position start;
    std::string resumedFrom;
    std::optional<ExactState> pendingExact;
    Clock::time_point runStart;
    double averageStepSeconds = 0;
    std::filesystem::path lastGoodCheckpoint;

    Impl(config::TrainConfig c, TrainerObserver* o) : cfg(std::move(c)), observer(o) {}

    // ---- events ----
    void logLine(LogLevel level, const std::string& text)
    {
        if (log)
            log->write(level, text);
        if (observer)
            observer->onLog(level, text);
    }

    // ---- set-up ----
    void selectDevice()
    {
        const std::string& d = cfg.device;
        if (d == "auto" || d.empty()) {
            device = torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
        } else if (d == "cpu") {
            device = torch::Device(torch::kCPU);
        } else {
            CLIPWB_CHECK(d.rfind("cuda", 0) == 0, "device: unknown device '", d, "' (auto, cpu, cuda, cuda:N)");
            CLIPWB_CHECK(torch::cuda::is_available(), "device: '", d,
                         "' requested but CUDA is not available in this build or on this machine");
            int index = 0;
            if (d.size() > 5)
                index = std::stoi(d.substr(5));
            CLIPWB_CHECK(index >= 0 && index < static_cast<int>(torch::cuda::device_count()), "device: '", d,
                         "': only ", torch::cuda::device_count(), " CUDA device(s)");
            device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
        }
        const std::string& p = cfg.precision;
        if (p == "fp32") {
            precision = Precision::Fp32;
        } else if (p == "bf16") {
            precision = Precision::Bf16;
        } else if (p == "amp" || p == "fp16") {
            if (device.is_cuda()) {
                precision = Precision::Amp;
                if (p == "fp16")
                    logLine(LogLevel::Warning,
                            "precision fp16 trains as amp (fp16 autocast with fp32 master weights and a loss scaler)");
            } else {
                precision = Precision::Fp32;
                logLine(LogLevel::Warning, "precision " + p + " needs CUDA: training in fp32 on the CPU");
            }
        } else {
            throw Error("precision: unknown value '" + p + "' (fp32, amp, fp16, bf16)");
        }
        precisionName = precision == Precision::Fp32 ? "fp32" : precision == Precision::Amp ? "amp" : "bf16";
    }

    bool autocastEnabled() const { return precision != Precision::Fp32; }
    torch::ScalarType autocastType() const
    {
        return precision == Precision::Amp ? torch::kHalf : precision == Precision::Bf16 ? torch::kBFloat16 : torch::kFloat;
    }

    void buildModel()
    {
        modelConfig = model::loadModelConfig(cfg.vision_model, cfg.text_model);
        torch::manual_seed(static_cast<uint64_t>(cfg.seed));
        model = model::Clip(modelConfig);
        loadPretrained();
        if (cfg.grad_checkpointing) {
            model->setGradCheckpointing(true);
            logLine(LogLevel::Info, "Grad-checkpointing activated.");
        }
        if (cfg.freeze_vision) {
            for (auto& p : model->visual()->parameters())
                p.set_requires_grad(false);
            logLine(LogLevel::Info, "The visual encoder is frozen during training.");
        }
        model->to(device);
        groups = splitParameterGroups(model->named_parameters());
        AdamWSettings settings;
        settings.lr = config::effectiveLr(cfg);
        settings.beta1 = config::effectiveBeta1(cfg);
        settings.beta2 = config::effectiveBeta2(cfg);
        settings.eps = config::effectiveEps(cfg);
        settings.weightDecay = cfg.wd;
        optimizer = makeAdamW(groups, settings);
        LossScalerOptions scalerOptions;
        scalerOptions.enabled = precision == Precision::Amp;
        scaler = std::make_unique<LossScaler>(scalerOptions);
        if (cfg.mask_ratio > 0 && modelConfig.isResNet())
            logLine(LogLevel::Info, "Note: mask_ratio > 0 (FLIP strategy) is currently only implemented for "
                                    "VisualTransformer. It will not function for ResNet backbone.");
    }

    /// Upstream's load(model, clip_weight_path, bert_weight_path), which its training main() runs
    /// even without paths: visual.* and logit_scale from the CLIP file, bert.* from the BERT file,
    /// loaded into a model converted to fp16 and back, so the initial weights carry fp16 rounding.
    void loadPretrained()
    {
        std::optional<std::filesystem::path> clipPath, bertPath;
        if (cfg.clip_weight_path) {
            clipPath = std::filesystem::path(*cfg.clip_weight_path);
            CLIPWB_CHECK(std::filesystem::is_regular_file(*clipPath), "clip_weight_path: ", clipPath->string(),
                         " does not exist");
        }
        if (cfg.bert_weight_path) {
            bertPath = std::filesystem::path(*cfg.bert_weight_path);
            CLIPWB_CHECK(std::filesystem::is_regular_file(*bertPath), "bert_weight_path: ", bertPath->string(),
                         " does not exist");
        }
        if (clipPath || bertPath) {
            const model::LoadReport report = model::loadPretrainedWeights(model, clipPath, bertPath);
            if (!report.resizedPositionalEmbedding.empty())
                logLine(LogLevel::Info, "Resizing position embedding grid-size " + report.resizedPositionalEmbedding);
            CLIPWB_CHECK(!report.loaded.empty(), "clip_weight_path / bert_weight_path: no tensor of ",
                         clipPath ? clipPath->string() : std::string(), clipPath && bertPath ? " or " : "",
                         bertPath ? bertPath->string() : std::string(),
                         " matches the model (expected visual.*, logit_scale and bert.* keys)");
            logLine(LogLevel::Info, "Loaded " + std::to_string(report.loaded.size()) +
                                        " pretrained tensors" + (clipPath ? " (vision, logit_scale from " + clipPath->string() + ")" : "") +
                                        (bertPath ? " (text from " + bertPath->string() + ")" : "") + "; " +
                                        std::to_string(report.missing.size()) + " keep their initialisation");
        }
        model::roundLikeUpstreamConvertWeights(model);
    }

    /// A resume or teacher checkpoint into a model: strict, as upstream's load_state_dict.
    void loadCheckpointWeights(model::Clip& target, const model::NamedTensors& stateDict,
                               const std::filesystem::path& path)
    {
        model::LoadReport report;
        try {
            report = model::loadClipWeights(target, stateDict, /*strict=*/true);
        } catch (const Error& e) {
            throw Error("checkpoint " + path.string() + ": " + e.what());
        }
        if (!report.resizedPositionalEmbedding.empty())
            logLine(LogLevel::Info, "Resizing position embedding grid-size " + report.resizedPositionalEmbedding +
                                        " (" + path.string() + ")");
    }

    void buildTeacher()
    {
        if (!cfg.distillation)
            return;
        CLIPWB_CHECK(cfg.teacher_model_name && !cfg.teacher_model_name->empty(),
                     "teacher_model_name: distillation needs a teacher checkpoint");
        const std::filesystem::path teacherPath = *cfg.teacher_model_name;
        // A teacher trained by clipwb carries its model names in its run folder's config.json.
        std::string vision = cfg.vision_model, textModel = cfg.text_model;
        for (const auto& candidate : {std::filesystem::path(teacherPath.string() + ".json"),
                                      teacherPath.parent_path().parent_path() / "config.json"}) {
            if (!std::filesystem::exists(candidate))
                continue;
            const auto j = nlohmann::json::parse(readFile(candidate), nullptr, false);
            if (j.is_object() && j.contains("vision_model") && j["vision_model"].is_string() &&
                j.contains("text_model") && j["text_model"].is_string()) {
                vision = j["vision_model"].get<std::string>();
                textModel = j["text_model"].get<std::string>();
                std::filesystem::path base = candidate.parent_path();
                auto resolve = [&](std::string& name) {
                    if (name.find(".json") != std::string::npos && std::filesystem::path(name).is_relative())
                        name = (base / name).string();
                };
                resolve(vision);
                resolve(textModel);
                break;
            }
        }
        teacher = model::Clip(model::loadModelConfig(vision, textModel));
        const TrainCheckpoint ckpt = readTrainCheckpoint(teacherPath);
        loadCheckpointWeights(teacher, ckpt.stateDict, teacherPath);
        for (auto& p : teacher->parameters())
            p.set_requires_grad(false);
        teacher->eval();
        teacher->to(device);
        logLine(LogLevel::Info, "Teacher model loaded from " + teacherPath.string() + " (" + vision + " + " +
                                    textModel + ")");
    }

    void buildData()
    {
        tokenizer = std::make_shared<const text::Tokenizer>(text::Tokenizer::fromEmbeddedVocab());
        data::LoaderOptions train;
        train.split = cfg.train_data;
        train.batchSize = cfg.batch_size;
        train.resolution = static_cast<int>(modelConfig.imageResolution);
        train.contextLength = cfg.context_length;
        train.numWorkers = cfg.num_workers;
        train.augment = cfg.use_augment;
        train.seed = static_cast<uint64_t>(cfg.seed);
        train.training = true;
        trainLoader = std::make_unique<data::DataLoader>(train, tokenizer);
        trainLoader->setCorruptRecordHandler([this](int64_t pairIndex, const std::string& message) {
            logLine(LogLevel::Warning, "skipped unreadable pair " + std::to_string(pairIndex) + ": " + message);
        });
        if (cfg.val_data) {
            data::LoaderOptions valid = train;
            valid.split = *cfg.val_data;
            valid.batchSize = cfg.valid_batch_size;
            valid.numWorkers = cfg.valid_num_workers;
            valid.augment = false;
            valid.training = false;
            validLoader = std::make_unique<data::DataLoader>(valid, tokenizer);
            validRecall = std::make_unique<ValidationRecall>(valid.split);
        }
        batchesPerEpoch = trainLoader->batchesPerEpoch();
        stepsPerEpoch = batchesPerEpoch / cfg.accum_freq;
        CLIPWB_CHECK(stepsPerEpoch > 0, "accum_freq: ", cfg.accum_freq, " is larger than the ", batchesPerEpoch,
                     " batches of one epoch of ", cfg.train_data);
        maxSteps = config::effectiveMaxSteps(cfg, batchesPerEpoch);
        maxEpochs = config::effectiveMaxEpochs(cfg, batchesPerEpoch);
    }

    std::optional<std::filesystem::path> resumePath() const
    {
        if (cfg.resume)
            return std::filesystem::path(*cfg.resume);
        const auto latest = checkpointDir / "epoch_latest.pt";
        if (std::filesystem::is_regular_file(latest))
            return latest;
        return std::nullopt;
    }

    void restore()
    {
        const auto path = resumePath();
        if (!path)
            return;
        if (!std::filesystem::is_regular_file(*path)) {
            logLine(LogLevel::Info, "=> no checkpoint found at '" + path->string() + "'");
            return;
        }
        logLine(LogLevel::Info, "=> begin to load checkpoint '" + path->string() + "'");
        TrainCheckpoint ckpt = readTrainCheckpoint(*path);
        loadCheckpointWeights(model, ckpt.stateDict, *path);
        if (!cfg.reset_data_offset) {
            start.epoch = ckpt.epoch.value_or(0);
            steps = ckpt.step.value_or(0);
            if (ckpt.exact) {
                start.epoch = ckpt.exact->epoch;
                start.batch = ckpt.exact->batch;
                pendingExact = ckpt.exact;
            }
        }
        if (!cfg.reset_optimizer) {
            CLIPWB_CHECK(ckpt.optimizer, path->string(), ": has no optimizer state (set reset_optimizer)");
            restoreOptimizer(*optimizer, groups, *ckpt.optimizer);
            logLine(LogLevel::Info, "=> optimizer state is restored from the checkpoint");
        }
        resumedFrom = path->string();
        std::ostringstream msg;
        msg << "=> loaded checkpoint '" << path->string() << "' (epoch " << ckpt.epoch.value_or(0) << " @ " << steps
            << " steps)";
        if (pendingExact)
            msg << ", continuing epoch " << start.epoch + 1 << " after batch " << start.batch;
        logLine(LogLevel::Info, msg.str());
    }

    void applyExactState()
    {
        if (!pendingExact)
            return;
        if (pendingExact->cpuRng.defined())
            setGeneratorState(torch::Device(torch::kCPU), pendingExact->cpuRng);
        if (pendingExact->cudaRng.defined() && device.is_cuda())
            setGeneratorState(device, pendingExact->cudaRng);
        if (pendingExact->lossScale > 0 && scaler->enabled())
            scaler->restore(pendingExact->lossScale, pendingExact->growthTracker);
        pendingExact.reset();
    }

    ExactState exactState(Position position) const
    {
        ExactState s;
        s.epoch = position.epoch;
        s.batch = position.batch;
        s.lossScale = scaler->enabled() ? scaler->currentScale() : 0;
        s.growthTracker = scaler->growthTracker();
        s.cpuRng = generatorState(torch::Device(torch::kCPU));
        if (device.is_cuda())
            s.cudaRng = generatorState(device);
        return s;
    }

    // ---- checkpoints ----
    /// Returns whether the write succeeded; a failure keeps the previous file and is reported.
    bool saveCheckpoint(const std::string& fileName, int64_t epochNumber, int64_t stepNumber, Position position)
    {
        const auto path = checkpointDir / fileName;
        const auto t0 = Clock::now();
        try {
            writeTrainCheckpoint(path, epochNumber, stepNumber, cfg.name, model, *optimizer, groups,
                                 exactState(position));
        } catch (const std::exception& e) {
            logLine(LogLevel::Error, std::string("checkpoint not saved (the previous file is kept): ") + e.what());
            return false;
        }
        lastGoodCheckpoint = path;
        logLine(LogLevel::Info, "Saved checkpoint " + path.string() + " (epoch " + std::to_string(epochNumber) +
                                    " @ " + std::to_string(stepNumber) + " steps) (writing took " +
                                    formatDouble(secondsSince(t0), 3) + " seconds)");
        if (observer)
            observer->onCheckpointSaved(path, epochNumber, stepNumber);
        return true;
    }

    void pruneStepCheckpoints()
    {
        if (!cfg.keep_last_n || *cfg.keep_last_n <= 0)
            return;
        static const std::regex pattern(R"(epoch_(\d+)_(\d+)\.pt)");
        std::vector<std::pair<int64_t, std::filesystem::path>> found;
        std::error_code ec;
        for (const auto& entry : std::filesystem::directory_iterator(checkpointDir, ec)) {
            std::smatch m;
            const std::string name = entry.path().filename().string();
            if (std::regex_match(name, m, pattern))
                found.emplace_back(std::stoll(m[2].str()), entry.path());
        }
        std::sort(found.begin(), found.end());
        const auto keep = static_cast<size_t>(*cfg.keep_last_n);
        for (size_t i = 0; i + keep < found.size(); ++i) {
            std::filesystem::remove(found[i].second, ec);
            if (!ec)
                logLine(LogLevel::Info, "Removed old checkpoint " + found[i].second.string() + " (keep_last_n " +
                                            std::to_string(keep) + ")");
        }
    }

    void saveStepCheckpoints(int64_t epoch, int64_t stepNumber, Position position)
    {
        saveCheckpoint("epoch_" + std::to_string(epoch + 1) + "_" + std::to_string(stepNumber) + ".pt", epoch + 1,
                       stepNumber, position);
        pruneStepCheckpoints();
        saveCheckpoint("epoch_latest.pt", epoch + 1, stepNumber, position);
    }

    // ---- model helpers ----
    void setTrainMode()
    {
        model->train();
        if (cfg.freeze_vision && modelConfig.isResNet()) {
            // Frozen ResNet: keep the batch-norm running statistics fixed, as upstream.
            for (auto& m : model->visual()->modules())
                if (dynamic_cast<torch::nn::BatchNorm2dImpl*>(m.get()))
                    m->eval();
        }
    }

    torch::Tensor teacherFeatures(const torch::Tensor& images)
    {
        torch::NoGradGuard noGrad;
        return teacher->encodeImage(images);
    }

    // ---- validation (upstream evaluate()) ----
    ValidationMetrics evaluate(int64_t epoch, int64_t stepNumber)
    {
        const auto t0 = Clock::now();
        logLine(LogLevel::Info, "Begin to eval on validation set (epoch " + std::to_string(epoch + 1) + " @ " +
                                    std::to_string(stepNumber) + " steps)...");
        model->eval();
        torch::NoGradGuard noGrad;
        double cumulativeLoss = 0;
        int64_t i2tCorrect = 0, t2iCorrect = 0, numElements = 0;
        torch::Tensor lossSum = torch::zeros({}, torch::TensorOptions().device(device));
        validLoader->startEpoch(0);
        validRecall->begin();
        while (auto batch = validLoader->next()) {
            const torch::Tensor images = batch->images.to(device, true);
            const torch::Tensor texts = batch->texts.to(device, true);
            auto [imageFeatures, textFeatures, logitScale] = model->forward(images, texts, 0.0);
            validRecall->add(batch->indices, imageFeatures, textFeatures);
            const auto out = contrastiveLoss(imageFeatures, textFeatures, logitScale, true);
            const int64_t batchSize = images.size(0);
            lossSum += out.loss * static_cast<double>(batchSize);
            numElements += batchSize;
            i2tCorrect += out.i2tCorrect.item<int64_t>();
            t2iCorrect += out.t2iCorrect.item<int64_t>();
        }
        cumulativeLoss = lossSum.item<double>();
        ValidationMetrics v;
        v.step = stepNumber;
        v.epoch = epoch + 1;
        v.numSamples = numElements;
        if (numElements > 0) {
            // Upstream accumulates in float32 tensors and divides there.
            v.loss = static_cast<double>(static_cast<float>(cumulativeLoss) / static_cast<float>(numElements));
            v.i2t = static_cast<double>(static_cast<float>(i2tCorrect) / static_cast<float>(numElements));
            v.t2i = static_cast<double>(static_cast<float>(t2iCorrect) / static_cast<float>(numElements));
        }
        validRecall->finish(v);
        v.seconds = secondsSince(t0);
        logLine(LogLevel::Info, "Validation Result (epoch " + std::to_string(epoch + 1) + " @ " +
                                    std::to_string(stepNumber) + " steps) | Valid Loss: " + formatDouble(v.loss) +
                                    " | Image2Text Acc: " + formatDouble(v.i2t * 100, 2) +
                                    " | Text2Image Acc: " + formatDouble(v.t2i * 100, 2) +
                                    " | logit_scale: " + formatDouble(model->logitScale().item<double>(), 3) +
                                    " | Valid Batch Size: " + std::to_string(cfg.valid_batch_size));
        if (v.hasRecall)
            logLine(LogLevel::Info, "Validation Recall (" + std::to_string(stepNumber) +
                                        " steps) | Text2Image R@1/5/10: " + formatDouble(v.t2iR1, 2) + " / " +
                                        formatDouble(v.t2iR5, 2) + " / " + formatDouble(v.t2iR10, 2) +
                                        " | Image2Text R@1/5/10: " + formatDouble(v.i2tR1, 2) + " / " +
                                        formatDouble(v.i2tR5, 2) + " / " + formatDouble(v.i2tR10, 2) +
                                        " | Mean Recall: " + formatDouble(v.meanRecall, 2));
        return v;
    }

    void runValidation(int64_t epoch, int64_t stepNumber)
    {
        const ValidationMetrics v = evaluate(epoch, stepNumber);
        if (metrics)
            metrics->writeValidation(v);
        if (observer)
            observer->onValidation(v);
        setTrainMode();
    }

    // ---- control ----
    void waitWhilePaused()
    {
        if (!paused.load())
            return;
        logLine(LogLevel::Info, "Paused");
        std::unique_lock<std::mutex> lock(pauseMutex);
        pauseCondition.wait(lock, [&] { return !paused.load() || stopRequested.load(); });
        logLine(LogLevel::Info, "Continued");
    }

    // ---- one epoch (upstream train()) ----
    struct ForwardResult {
        torch::Tensor loss;
        torch::Tensor i2t;
        torch::Tensor t2i;
    };

    ForwardResult lossOf(const torch::Tensor& imageFeatures, const torch::Tensor& textFeatures,
                         const torch::Tensor& logitScale, const torch::Tensor& teacherImageFeatures)
    {
        const auto out = contrastiveLoss(imageFeatures, textFeatures, logitScale, !cfg.skip_aggregate);
        torch::Tensor loss = out.loss;
        if (cfg.distillation)
            loss = loss + cosineSimilarityLoss(teacherImageFeatures, imageFeatures) * cfg.kd_loss_weight;
        return {loss, out.i2t, out.t2i};
    }

    void checkFinite(double lossValue, int64_t stepNumber)
    {
        if (std::isfinite(lossValue) || precision == Precision::Amp)
            return;
        std::string message = "the loss became " + std::string(std::isnan(lossValue) ? "NaN" : "infinite") +
                              " at step " + std::to_string(stepNumber) + " (" + precisionName +
                              "): training stopped; try a lower lr";
        message += lastGoodCheckpoint.empty() ? "; no checkpoint was saved in this run"
                                              : "; the last good checkpoint is " + lastGoodCheckpoint.string();
        throw Error(message);
    }

    /// Returns the optimizer steps trained in this epoch; sets stopped when requestStop() ended it.
    int64_t trainEpoch(int64_t epoch, int64_t skipBatches, bool& stopped)
    {
        setTrainMode();
        const int accum = cfg.accum_freq;
        trainLoader->startEpoch(epoch, skipBatches);
        std::vector<torch::Tensor> accumImages, accumTexts, accumImageFeatures, accumTextFeatures,
            accumTeacherFeatures;
        int64_t epochTrainedSteps = 0;
        double dataWait = 0;
        auto end = Clock::now();
        for (int64_t i = skipBatches; i < batchesPerEpoch; ++i) {
            const int64_t iAccum = i / accum;
            const int64_t step = stepsPerEpoch * epoch + iAccum;
            if (step >= maxSteps) {
                logLine(LogLevel::Info, "Stopping training due to step " + std::to_string(step) +
                                            " has reached max_steps " + std::to_string(maxSteps));
                return epochTrainedSteps;
            }
            if (accumImages.empty()) {
                waitWhilePaused();
                if (stopRequested.load()) {
                    stopped = true;
                    saveCheckpoint("epoch_latest.pt", epoch + 1, steps, {epoch, i});
                    return epochTrainedSteps;
                }
                end = Clock::now();
                dataWait = 0;
            }
            const auto waitStart = Clock::now();
            std::optional<data::Batch> batch = trainLoader->next();
            CLIPWB_CHECK(batch, "the training loader ended early at batch ", i, " of ", batchesPerEpoch);
            dataWait += secondsSince(waitStart);

            const double lr = cfg.skip_scheduler ? config::effectiveLr(cfg)
                                                 : cosineLearningRate(config::effectiveLr(cfg), cfg.warmup, maxSteps, step);
            setLearningRate(*optimizer, lr);
            const std::vector<torch::Tensor> params = groups.all();
            zeroGradients(params);

            const torch::Tensor images = batch->images.to(device, true);
            const torch::Tensor texts = batch->texts.to(device, true);
            ForwardResult result;
            double lossValue = 0;
            if (accum == 1) {
                {
                    AutocastScope autocast(autocastEnabled(), device, autocastType());
                    auto [imageFeatures, textFeatures, logitScale] = model->forward(images, texts, cfg.mask_ratio);
                    torch::Tensor teacherImageFeatures;
                    if (cfg.distillation)
                        teacherImageFeatures = teacherFeatures(images);
                    result = lossOf(imageFeatures, textFeatures, logitScale, teacherImageFeatures);
                }
                lossValue = result.loss.item<double>();
                checkFinite(lossValue, step + 1);
                scaler->scale(result.loss).backward();
                scaler->step(*optimizer, params);
                scaler->update();
            } else {
                {
                    // Cache the features of every batch of the step without gradients.
                    torch::NoGradGuard noGrad;
                    AutocastScope autocast(autocastEnabled(), device, autocastType());
                    auto [chunkImage, chunkText, unusedScale] = model->forward(images, texts, 0.0);
                    accumImageFeatures.push_back(chunkImage);
                    accumTextFeatures.push_back(chunkText);
                    if (cfg.distillation)
                        accumTeacherFeatures.push_back(teacherFeatures(images));
                    accumImages.push_back(images);
                    accumTexts.push_back(texts);
                }
                if ((i + 1) % accum > 0)
                    continue;
                // Redo each batch's forward with gradients, the other batches' cached features as negatives.
                zeroGradients(params);
                for (int j = 0; j < accum; ++j) {
                    {
                        AutocastScope autocast(autocastEnabled(), device, autocastType());
                        auto [chunkImage, chunkText, logitScale] =
                            model->forward(accumImages[j], accumTexts[j], cfg.mask_ratio);
                        auto spliced = [j](const std::vector<torch::Tensor>& cached, const torch::Tensor& chunk) {
                            std::vector<torch::Tensor> parts(cached.begin(), cached.begin() + j);
                            parts.push_back(chunk);
                            parts.insert(parts.end(), cached.begin() + j + 1, cached.end());
                            return torch::cat(parts);
                        };
                        torch::Tensor teacherImageFeatures;
                        if (cfg.distillation)
                            teacherImageFeatures = torch::cat(accumTeacherFeatures);
                        result = lossOf(spliced(accumImageFeatures, chunkImage), spliced(accumTextFeatures, chunkText),
                                        logitScale, teacherImageFeatures);
                    }
                    lossValue = result.loss.item<double>();
                    checkFinite(lossValue, step + 1);
                    scaler->scale(result.loss).backward();
                }
                scaler->step(*optimizer, params);
                scaler->update();
                accumImages.clear();
                accumTexts.clear();
                accumImageFeatures.clear();
                accumTextFeatures.clear();
                accumTeacherFeatures.clear();
            }
            {
                torch::NoGradGuard noGrad;
                model->logitScale().clamp_(0, kMaxLogitScale);
            }
            ++epochTrainedSteps;
            ++steps;
            const double stepSeconds = secondsSince(end);
            end = Clock::now();
            averageStepSeconds =
                averageStepSeconds == 0 ? stepSeconds : 0.9 * averageStepSeconds + 0.1 * stepSeconds;

            StepMetrics m;
            m.step = step + 1;
            m.epoch = epoch + 1;
            m.maxSteps = maxSteps;
            m.batchInEpoch = i + 1;
            m.batchesPerEpoch = batchesPerEpoch;
            m.loss = lossValue;
            m.i2t = result.i2t.item<double>();
            m.t2i = result.t2i.item<double>();
            m.lr = lr;
            m.logitScale = model->logitScale().item<double>();
            m.stepTimeSeconds = stepSeconds;
            m.dataWaitSeconds = dataWait;
            m.samplesPerSecond = stepSeconds > 0 ? static_cast<double>(images.size(0) * accum) / stepSeconds : 0;
            m.lossScale = scaler->enabled() ? scaler->currentScale() : 0;
            m.skipped = scaler->lastStepSkipped();
            m.elapsedSeconds = secondsSince(runStart);
            m.etaSeconds = averageStepSeconds * static_cast<double>(maxSteps - (step + 1));
            metrics->writeStep(m);
            if (observer)
                observer->onStep(m);
            if (cfg.log_interval > 0 && (step + 1) % cfg.log_interval == 0) {
                std::ostringstream line;
                line << "Global Steps: " << step + 1 << "/" << maxSteps << " | Train Epoch: " << epoch + 1 << " ["
                     << (iAccum + 1) * images.size(0) * accum << "/" << trainLoader->numSamples() << " ("
                     << static_cast<int>(std::lround(100.0 * (iAccum + 1) / stepsPerEpoch)) << "%)] | Loss: "
                     << formatDouble(lossValue) << " | ";
                if (cfg.report_training_batch_acc)
                    line << "Image2Text Acc: " << formatDouble(m.i2t * 100, 2)
                         << " | Text2Image Acc: " << formatDouble(m.t2i * 100, 2) << " | ";
                line << "Data Time: " << formatDouble(dataWait, 3) << "s | Batch Time: " << formatDouble(stepSeconds, 3)
                     << "s | LR: " << formatDouble(lr) << " | logit_scale: " << formatDouble(m.logitScale, 3)
                     << " | Global Batch Size: " << images.size(0) * accum;
                if (m.skipped)
                    line << " | skipped (inf/NaN gradients, loss scale " << m.lossScale << ")";
                logLine(LogLevel::Info, line.str());
            }
            if (validLoader && cfg.valid_step_interval && *cfg.valid_step_interval > 0 &&
                (step + 1) % *cfg.valid_step_interval == 0)
                runValidation(epoch, step + 1);
            const Position after{epoch, i + 1};
            const bool saveNow = saveRequested.exchange(false);
            if ((cfg.save_step_frequency > 0 && (step + 1) % cfg.save_step_frequency == 0) || saveNow)
                saveStepCheckpoints(epoch, step + 1, after);
        }
        return epochTrainedSteps;
    }

    void prepare(bool forTraining)
    {
        runDir = config::runFolder(cfg);
        checkpointDir = config::checkpointFolder(cfg);
        if (forTraining) {
            std::filesystem::create_directories(checkpointDir);
            runLock = std::make_unique<RunLock>(runDir);
            log = std::make_unique<TrainLog>(runDir / "train.log");
            config::saveConfigFile(cfg, runDir / "config.json");
        }
        selectDevice();
        buildModel();
        buildData();
        restore();
        buildTeacher();
    }

    void train()
    {
        runStart = Clock::now();
        prepare(true);
        metrics = std::make_unique<MetricsWriter>(runDir / "metrics.jsonl", steps);
        applyExactState();

        RunInfo info;
        info.runDir = runDir;
        info.name = cfg.name;
        info.device = device.str();
        info.precision = precisionName;
        info.maxSteps = maxSteps;
        info.maxEpochs = maxEpochs;
        info.batchesPerEpoch = batchesPerEpoch;
        info.stepsPerEpoch = stepsPerEpoch;
        info.startStep = steps;
        info.startEpoch = start.epoch;
        info.trainSamples = trainLoader->splitSamples();
        info.validSamples = validLoader ? validLoader->splitSamples() : 0;
        info.globalBatchSize = static_cast<int64_t>(cfg.batch_size) * cfg.accum_freq;
        for (const auto& p : model->parameters()) {
            info.parameterCount += p.numel();
            if (p.requires_grad())
                info.trainableParameterCount += p.numel();
        }
        info.resumedFrom = resumedFrom;
        logLine(LogLevel::Info, "Training on " + info.device + " (" + precisionName + "), " +
                                    std::to_string(info.trainSamples) + " training pairs, " +
                                    std::to_string(batchesPerEpoch) + " batches per epoch, max_steps " +
                                    std::to_string(maxSteps) + ", max_epochs " + std::to_string(maxEpochs) + ", " +
                                    std::to_string(info.trainableParameterCount) + " trainable parameters");
        if (observer)
            observer->onStarted(info);

        bool stopped = false;
        for (int64_t epoch = start.epoch; epoch < maxEpochs && !stopped; ++epoch) {
            logLine(LogLevel::Info, "Start epoch " + std::to_string(epoch + 1));
            const int64_t skip = epoch == start.epoch ? start.batch : 0;
            const int64_t trained = trainEpoch(epoch, skip, stopped);
            if (stopped)
                break;
            const int64_t stepsThisEpoch = trained + (skip > 0 ? 1 : 0);
            if (validLoader && cfg.valid_epoch_interval && *cfg.valid_epoch_interval > 0 &&
                (epoch + 1) % *cfg.valid_epoch_interval == 0)
                runValidation(epoch, steps);
            if (stepsThisEpoch > 0) {
                if (epoch + 1 == maxEpochs ||
                    (cfg.save_epoch_frequency > 0 && (epoch + 1) % cfg.save_epoch_frequency == 0))
                    saveCheckpoint("epoch" + std::to_string(epoch + 1) + ".pt", epoch + 1, steps, {epoch + 1, 0});
                saveCheckpoint("epoch_latest.pt", epoch + 1, steps, {epoch + 1, 0});
            }
        }
        logLine(LogLevel::Info, stopped ? "Training stopped at step " + std::to_string(steps) + " on request"
                                        : "Training finished at step " + std::to_string(steps));
        // Unlocked before the news goes out: an observer may start the next run at once (Resume).
        runLock.reset();
        if (observer)
            observer->onFinished(stopped);
    }
};

Trainer::Trainer(config::TrainConfig config, TrainerObserver* observer)
    : m_impl(std::make_unique<Impl>(std::move(config), observer))
{
}

Trainer::~Trainer() = default;

void Trainer::run()
{
    try {
        m_impl->train();
    } catch (const std::exception& e) {
        std::string message = e.what();
        // LibTorch messages carry a C++ backtrace after the first line.
        if (const auto cut = message.find("\nException raised from"); cut != std::string::npos)
            message.resize(cut);
        if (m_impl->log)
            m_impl->log->write(LogLevel::Error, message);
        m_impl->runLock.reset();
        if (m_impl->observer)
            m_impl->observer->onFailed(message);
        throw Error(message);
    }
}

ValidationMetrics Trainer::evaluateOnly()
{
    m_impl->prepare(false);
    CLIPWB_CHECK(m_impl->validLoader, "val_data: validation needs a validation split");
    return m_impl->evaluate(m_impl->start.epoch, m_impl->steps);
}

void Trainer::requestStop()
{
    m_impl->stopRequested = true;
    m_impl->pauseCondition.notify_all();
}

void Trainer::pause()
{
    m_impl->paused = true;
}

void Trainer::resume()
{
    {
        std::lock_guard<std::mutex> lock(m_impl->pauseMutex);
        m_impl->paused = false;
    }
    m_impl->pauseCondition.notify_all();
}

bool Trainer::isPaused() const
{
    return m_impl->paused.load();
}

void Trainer::requestSave()
{
    m_impl->saveRequested = true;
}

std::filesystem::path Trainer::runDir() const
{
    return config::runFolder(m_impl->cfg);
}

} // namespace clipwb::train
