#include "train/RunSetup.h"

#include "common/AtomicFile.h"
#include "common/Error.h"
#include "model/ClipWeights.h"
#include "model/ModifiedResNet.h"
#include "train/DeviceSettings.h"
#include "train/FlashOptimizerLayout.h"

#include <nlohmann/json.hpp>
#include <torch/version.h>

#include <sstream>

#if defined(CLIPWB_TORCH_HAS_CUDA)
#include <c10/cuda/CUDAFunctions.h>
#endif

namespace clipwb::train {

void RunSetup::prepare(bool forTraining)
{
    s.runDir = config::runFolder(s.cfg);
    s.checkpointDir = config::checkpointFolder(s.cfg);
    s.events.setRank(s.rank());
    if (forTraining && s.writesRunFolder())
        openRunFolder();
    selectDevice();
    buildModel();
    buildData();
    restore();
    buildTeacher();
    if (s.distributed())
        connectRanks();
}

std::vector<std::pair<std::string, std::string>> RunSetup::agreement() const
{
    // The config without what may differ between machines (paths, loader threads);
    // the data is compared by its size instead.
    nlohmann::json config = config::toJson(s.cfg);
    for (const char* key :
         {"train_data", "val_data", "logs", "resume", "clip_weight_path", "bert_weight_path",
          "teacher_model_name", "vision_model", "text_model", "num_workers", "valid_num_workers", "device"})
        config.erase(key);
    std::ostringstream resumePoint;
    resumePoint << "epoch " << s.start.epoch << ", batch " << s.start.batch << ", step " << s.steps;
    return {
        {"the clipwb version", CLIPWB_VERSION},
        {"the LibTorch version", TORCH_VERSION},
        {"the world size", std::to_string(s.worldSize())},
        {"the backend", s.parallel.backend},
        {"the config", config.dump()},
        {"the model", s.modelConfig.toJson().dump()},
        {"the training pairs", std::to_string(s.trainLoader->splitSamples())},
        {"the validation pairs", std::to_string(s.validLoader ? s.validLoader->splitSamples() : 0)},
        {"the resume point", resumePoint.str()},
    };
}

void RunSetup::connectRanks()
{
    dist::ConnectOptions options;
    options.env = s.parallel.env;
    options.backend = s.parallel.backend;
    options.device = s.device;
    options.rendezvousTimeout = std::chrono::seconds(s.parallel.rendezvousTimeoutSeconds);
    options.timeout = std::chrono::seconds(s.parallel.timeoutSeconds);
    options.agreement = agreement();
    s.ranks = dist::Collectives::connect(options);
    // As DistributedDataParallel's constructor: rank 0's parameters and buffers on every rank.
    torch::NoGradGuard noGrad;
    for (model::Clip* m : {&s.model, &s.teacher}) {
        if (!*m)
            continue;
        std::vector<torch::Tensor> tensors;
        for (const auto& p : (*m)->parameters())
            tensors.push_back(p);
        for (const auto& b : (*m)->buffers())
            tensors.push_back(b);
        s.ranks->broadcast(tensors, 0);
    }
    if (s.cfg.use_bn_sync && s.modelConfig.isResNet()) {
        // torch.nn.SyncBatchNorm.convert_sync_batchnorm, as upstream converts the model.
        auto resnet = std::dynamic_pointer_cast<model::ModifiedResNetImpl>(s.model->visual());
        CLIPWB_CHECK(resnet, "use_bn_sync: the image tower is not the ModifiedResNet its config names");
        dist::Collectives* ranks = s.ranks.get();
        resnet->synchroniseBatchNorm([ranks](torch::Tensor& t) { ranks->allReduceSum(t); });
        s.events.log(LogLevel::Info, "use_bn_sync: the ResNet's batch norms use the statistics of all " +
                                         std::to_string(s.worldSize()) + " ranks' batches");
    }
    s.events.log(LogLevel::Info, "Data-parallel: rank " + std::to_string(s.rank()) + " of " +
                                     std::to_string(s.worldSize()) + " ranks (" + s.ranks->backend() +
                                     "), global batch " +
                                     std::to_string(static_cast<int64_t>(s.cfg.batch_size) * s.worldSize()));
}

void RunSetup::openRunFolder()
{
    std::filesystem::create_directories(s.checkpointDir);
    s.runLock = std::make_unique<run::RunLock>(s.runDir);
    s.events.openLog(s.runDir / "train.log");
    config::saveConfigFile(s.cfg, s.runDir / "config.json");
}

void RunSetup::selectDevice()
{
    const std::string& d = s.cfg.device;
    // Each rank of a data-parallel run takes the GPU of its LOCAL_RANK, as upstream.
    const int localIndex = s.distributed() ? s.parallel.env.localRank : 0;
    if (d == "auto" || d.empty()) {
        s.device = torch::cuda::is_available()
                       ? torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(localIndex))
                       : torch::Device(torch::kCPU);
        if (s.device.is_cuda())
            CLIPWB_CHECK(localIndex < static_cast<int>(torch::cuda::device_count()), "LOCAL_RANK ",
                         localIndex, ": only ", torch::cuda::device_count(),
                         " CUDA device(s) on this machine");
    } else if (d == "cpu") {
        s.device = torch::Device(torch::kCPU);
    } else {
        CLIPWB_CHECK(d.rfind("cuda", 0) == 0, "device: unknown device '", d, "' (auto, cpu, cuda, cuda:N)");
        CLIPWB_CHECK(torch::cuda::is_available(), "device: '", d,
                     "' requested but CUDA is not available in this build or on this machine");
        int index = localIndex;
        if (d.size() > 5)
            index = std::stoi(d.substr(5));
        CLIPWB_CHECK(index >= 0 && index < static_cast<int>(torch::cuda::device_count()), "device: '", d,
                     "': only ", torch::cuda::device_count(), " CUDA device(s)");
        s.device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
    }
#if defined(CLIPWB_TORCH_HAS_CUDA)
    // The run's GPU becomes this thread's current device, as upstream's torch.cuda.set_device:
    // NCCL's first barrier, cuBLAS handles and kernels without an explicit device go there.
    if (s.device.is_cuda())
        c10::cuda::set_device(s.device.index());
#endif
    const std::string& p = s.cfg.precision;
    if (p == "fp32") {
        s.precision = Precision::Fp32;
    } else if (p == "bf16") {
        s.precision = Precision::Bf16;
    } else if (p == "amp" || p == "fp16") {
        if (s.device.is_cuda()) {
            s.precision = Precision::Amp;
            if (p == "fp16")
                s.events.log(LogLevel::Warning, "precision fp16 trains as amp (fp16 autocast with fp32 "
                                                "master weights and a loss scaler)");
        } else {
            s.precision = Precision::Fp32;
            s.events.log(LogLevel::Warning, "precision " + p + " needs CUDA: training in fp32 on the CPU");
        }
    } else {
        throw Error("precision: unknown value '" + p + "' (fp32, amp, fp16, bf16)");
    }
    s.precisionName = s.precision == Precision::Fp32  ? "fp32"
                      : s.precision == Precision::Amp ? "amp"
                                                      : "bf16";
}

void RunSetup::buildModel()
{
    s.modelConfig = model::loadModelConfig(s.cfg.vision_model, s.cfg.text_model);
    torch::manual_seed(static_cast<uint64_t>(s.cfg.seed));
    s.model = model::Clip(s.modelConfig);
    loadPretrained();
    if (s.cfg.grad_checkpointing) {
        s.model->setGradCheckpointing(true);
        s.events.log(LogLevel::Info, "Grad-checkpointing activated.");
    }
    if (s.cfg.freeze_vision) {
        for (auto& p : s.model->visual()->parameters())
            p.set_requires_grad(false);
        s.events.log(LogLevel::Info, "The visual encoder is frozen during training.");
    }
    for (const std::string& note : applyDeviceSettings(s.cfg, s.modelConfig, s.device.is_cuda()))
        s.events.log(LogLevel::Info, note);
    s.model->to(s.device);
    s.groups = splitParameterGroups(s.model->named_parameters());
    AdamWSettings settings;
    settings.lr = config::effectiveLr(s.cfg);
    settings.beta1 = config::effectiveBeta1(s.cfg);
    settings.beta2 = config::effectiveBeta2(s.cfg);
    settings.eps = config::effectiveEps(s.cfg);
    settings.weightDecay = s.cfg.wd;
    s.optimizer = makeAdamW(s.groups, settings);
    LossScalerOptions scalerOptions;
    scalerOptions.enabled = s.precision == Precision::Amp;
    s.scaler = std::make_unique<LossScaler>(scalerOptions);
    if (s.cfg.mask_ratio > 0 && s.modelConfig.isResNet())
        s.events.log(LogLevel::Info, "Note: mask_ratio > 0 (FLIP strategy) is currently only implemented for "
                                     "VisualTransformer. It will not function for ResNet backbone.");
}

/// Upstream's load(model, clip_weight_path, bert_weight_path), which its training main() runs
/// even without paths: visual.* and logit_scale from the CLIP file, bert.* from the BERT file,
/// loaded into a model converted to fp16 and back, so the initial weights carry fp16 rounding.
void RunSetup::loadPretrained()
{
    std::optional<std::filesystem::path> clipPath, bertPath;
    if (s.cfg.clip_weight_path) {
        clipPath = std::filesystem::path(*s.cfg.clip_weight_path);
        CLIPWB_CHECK(std::filesystem::is_regular_file(*clipPath), "clip_weight_path: ", clipPath->string(),
                     " does not exist");
    }
    if (s.cfg.bert_weight_path) {
        bertPath = std::filesystem::path(*s.cfg.bert_weight_path);
        CLIPWB_CHECK(std::filesystem::is_regular_file(*bertPath), "bert_weight_path: ", bertPath->string(),
                     " does not exist");
    }
    if (clipPath || bertPath) {
        const model::LoadReport report = model::loadPretrainedWeights(s.model, clipPath, bertPath);
        if (!report.resizedPositionalEmbedding.empty())
            s.events.log(LogLevel::Info,
                         "Resizing position embedding grid-size " + report.resizedPositionalEmbedding);
        CLIPWB_CHECK(!report.loaded.empty(), "clip_weight_path / bert_weight_path: no tensor of ",
                     clipPath ? clipPath->string() : std::string(), clipPath && bertPath ? " or " : "",
                     bertPath ? bertPath->string() : std::string(),
                     " matches the model (expected visual.*, logit_scale and bert.* keys)");
        s.events.log(LogLevel::Info,
                     "Loaded " + std::to_string(report.loaded.size()) + " pretrained tensors" +
                         (clipPath ? " (vision, logit_scale from " + clipPath->string() + ")" : "") +
                         (bertPath ? " (text from " + bertPath->string() + ")" : "") + "; " +
                         std::to_string(report.missing.size()) + " keep their initialisation");
    }
    model::roundLikeUpstreamConvertWeights(s.model);
}

/// A resume or teacher checkpoint into a model: strict, as upstream's load_state_dict.
void RunSetup::loadCheckpointWeights(model::Clip& target, const model::NamedTensors& stateDict,
                                     const std::filesystem::path& path)
{
    model::LoadReport report;
    try {
        report = model::loadClipWeights(target, stateDict, /*strict=*/true);
    } catch (const Error& e) {
        throw Error("checkpoint " + path.string() + ": " + e.what());
    }
    if (!report.resizedPositionalEmbedding.empty())
        s.events.log(LogLevel::Info, "Resizing position embedding grid-size " +
                                         report.resizedPositionalEmbedding + " (" + path.string() + ")");
}

void RunSetup::buildTeacher()
{
    if (!s.cfg.distillation)
        return;
    CLIPWB_CHECK(s.cfg.teacher_model_name && !s.cfg.teacher_model_name->empty(),
                 "teacher_model_name: distillation needs a teacher checkpoint");
    const std::filesystem::path teacherPath = *s.cfg.teacher_model_name;
    // A teacher trained by clipwb carries its model names in its run folder's config.json.
    std::string vision = s.cfg.vision_model, textModel = s.cfg.text_model;
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
    s.teacher = model::Clip(model::loadModelConfig(vision, textModel));
    const TrainCheckpoint ckpt = readTrainCheckpoint(teacherPath);
    loadCheckpointWeights(s.teacher, ckpt.stateDict, teacherPath);
    for (auto& p : s.teacher->parameters())
        p.set_requires_grad(false);
    s.teacher->eval();
    s.teacher->to(s.device);
    s.events.log(LogLevel::Info, "Teacher model loaded from " + teacherPath.string() + " (" + vision + " + " +
                                     textModel + ")");
}

void RunSetup::buildData()
{
    s.tokenizer = std::make_shared<const text::Tokenizer>(text::Tokenizer::fromEmbeddedVocab());
    data::LoaderOptions train;
    train.split = s.cfg.train_data;
    train.pinMemory = s.device.is_cuda();
    train.pixelImages = s.device.is_cuda(); // normalised on the GPU (TrainStep, Validator)
    train.batchSize = s.cfg.batch_size;
    train.resolution = static_cast<int>(s.modelConfig.imageResolution);
    train.contextLength = s.cfg.context_length;
    train.numWorkers = s.cfg.num_workers;
    train.augment = s.cfg.use_augment;
    train.seed = static_cast<uint64_t>(s.cfg.seed);
    train.training = true;
    train.rank = s.rank();
    train.worldSize = s.worldSize();
    s.trainLoader = std::make_unique<data::DataLoader>(train, s.tokenizer);
    s.trainLoader->setCorruptRecordHandler([this](int64_t pairIndex, const std::string& message) {
        s.events.log(LogLevel::Warning,
                     "skipped unreadable pair " + std::to_string(pairIndex) + ": " + message);
    });
    if (s.cfg.val_data) {
        data::LoaderOptions valid = train;
        valid.split = *s.cfg.val_data;
        valid.batchSize = s.cfg.valid_batch_size;
        valid.numWorkers = s.cfg.valid_num_workers;
        valid.augment = false;
        valid.training = false;
        s.validLoader = std::make_unique<data::DataLoader>(valid, s.tokenizer);
        s.validRecall = std::make_unique<ValidationRecall>(valid.split);
    }
    s.batchesPerEpoch = s.trainLoader->batchesPerEpoch();
    s.stepsPerEpoch = s.batchesPerEpoch / s.cfg.accum_freq;
    CLIPWB_CHECK(s.stepsPerEpoch > 0, "accum_freq: ", s.cfg.accum_freq, " is larger than the ",
                 s.batchesPerEpoch, " batches of one epoch of ", s.cfg.train_data);
    s.maxSteps = config::effectiveMaxSteps(s.cfg, s.batchesPerEpoch);
    s.maxEpochs = config::effectiveMaxEpochs(s.cfg, s.batchesPerEpoch);
}

std::optional<std::filesystem::path> RunSetup::resumePath() const
{
    if (s.cfg.resume)
        return std::filesystem::path(*s.cfg.resume);
    const auto latest = s.checkpointDir / "epoch_latest.pt";
    if (std::filesystem::is_regular_file(latest))
        return latest;
    return std::nullopt;
}

void RunSetup::restore()
{
    const auto path = resumePath();
    if (!path)
        return;
    if (!std::filesystem::is_regular_file(*path)) {
        s.events.log(LogLevel::Info, "=> no checkpoint found at '" + path->string() + "'");
        return;
    }
    s.events.log(LogLevel::Info, "=> begin to load checkpoint '" + path->string() + "'");
    TrainCheckpoint ckpt = readTrainCheckpoint(*path);
    loadCheckpointWeights(s.model, ckpt.stateDict, *path);
    if (!s.cfg.reset_data_offset) {
        s.start.epoch = ckpt.epoch.value_or(0);
        s.steps = ckpt.step.value_or(0);
        if (ckpt.exact) {
            s.start.epoch = ckpt.exact->epoch;
            s.start.batch = ckpt.exact->batch;
            s.pendingExact = ckpt.exact;
            if (ckpt.exact->worldSize != s.worldSize()) {
                // The position counts one rank's batches: keep the pairs already seen, in
                // whole steps of the new global batch.
                const int64_t seen = ckpt.exact->batch * s.cfg.batch_size * ckpt.exact->worldSize;
                const int64_t perStep =
                    static_cast<int64_t>(s.cfg.batch_size) * s.worldSize() * s.cfg.accum_freq;
                s.start.batch = seen / perStep * s.cfg.accum_freq;
                s.events.log(LogLevel::Warning,
                             "resuming a run of world size " + std::to_string(ckpt.exact->worldSize) +
                                 " with world size " + std::to_string(s.worldSize()) + ": epoch " +
                                 std::to_string(s.start.epoch + 1) + " continues after batch " +
                                 std::to_string(s.start.batch) + " (" + std::to_string(seen) +
                                 " pairs seen), with new random streams: not the same losses as an "
                                 "uninterrupted run");
            }
        }
    }
    if (!s.cfg.reset_optimizer) {
        CLIPWB_CHECK(ckpt.optimizer, path->string(), ": has no optimizer state (set reset_optimizer)");
        // A checkpoint of upstream's --use-flash-attention runs indexes the optimizer state by
        // the flash model's packed Wqkv parameters (FlashOptimizerLayout.h).
        bool flashLayout = false;
        restoreOptimizer(*s.optimizer, s.groups,
                         fromFlashAttentionLayout(*ckpt.optimizer, s.groups, &flashLayout));
        if (flashLayout)
            s.events.log(LogLevel::Info,
                         "=> the optimizer state has upstream's flash-attention layout (packed "
                         "Wqkv): converted");
        s.events.log(LogLevel::Info, "=> optimizer state is restored from the checkpoint");
    }
    s.resumedFrom = path->string();
    std::ostringstream msg;
    msg << "=> loaded checkpoint '" << path->string() << "' (epoch " << ckpt.epoch.value_or(0) << " @ "
        << s.steps << " steps)";
    if (s.pendingExact)
        msg << ", continuing epoch " << s.start.epoch + 1 << " after batch " << s.start.batch;
    s.events.log(LogLevel::Info, msg.str());
}

} // namespace clipwb::train
