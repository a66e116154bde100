#include "config/OptionTable.h"

#include "common/TranslateNoop.h"

#include <algorithm>
#include <cctype>
#include <limits>

namespace clipwb::config {
namespace detail {
namespace {

constexpr double kNoLimit = std::numeric_limits<double>::infinity();

OptionSpec spec(std::string key, std::string group, OptionType type, bool nullable, Field field,
                std::string help, double minimum = -kNoLimit, double maximum = kNoLimit,
                std::vector<std::string> choices = {})
{
    return OptionSpec{OptionInfo{std::move(key), std::move(group), type, nullable, std::move(help),
                                 std::move(choices), minimum, maximum},
                      field};
}

std::vector<OptionSpec> makeSpecs()
{
    using T = TrainConfig;
    const std::string data = CLIPWB_TR_NOOP("clipwb::config", "Data"),
                      model = CLIPWB_TR_NOOP("clipwb::config", "Model"),
                      optimisation = CLIPWB_TR_NOOP("clipwb::config", "Optimisation"),
                      evaluation = CLIPWB_TR_NOOP("clipwb::config", "Evaluation and saving"),
                      resume = CLIPWB_TR_NOOP("clipwb::config", "Resume"),
                      distillation = CLIPWB_TR_NOOP("clipwb::config", "Distillation"),
                      distributed = CLIPWB_TR_NOOP("clipwb::config", "Distributed"),
                      run = CLIPWB_TR_NOOP("clipwb::config", "Run");
    return {
        // Data
        spec("train_data", data, OptionType::FolderPath, false, &T::train_data,
             CLIPWB_TR_NOOP("clipwb::config", "The LMDB folder of the training split (it holds imgs/ and "
                                              "pairs/, as build-lmdb writes them).")),
        spec("val_data", data, OptionType::FolderPath, true, &T::val_data,
             CLIPWB_TR_NOOP("clipwb::config",
                            "The LMDB folder of the validation split. Unset disables validation.")),
        spec("num_workers", data, OptionType::Int, false, &T::num_workers,
             CLIPWB_TR_NOOP("clipwb::config", "Threads decoding and augmenting training images."), 0, 256),
        spec("valid_num_workers", data, OptionType::Int, false, &T::valid_num_workers,
             CLIPWB_TR_NOOP("clipwb::config", "Threads decoding validation images."), 0, 256),
        spec(
            "use_augment", data, OptionType::Bool, false, &T::use_augment,
            CLIPWB_TR_NOOP("clipwb::config",
                           "Augment training images (RandomResizedCrop 0.9-1.0 and AutoAugment), as upstream "
                           "--use-augment.")),
        spec("context_length", data, OptionType::Int, false, &T::context_length,
             CLIPWB_TR_NOOP("clipwb::config",
                            "Maximum text length in tokens, [CLS] and [SEP] included. Longer texts are cut."),
             3, 512),
        // Model
        spec("vision_model", model, OptionType::ModelName, false, &T::vision_model,
             CLIPWB_TR_NOOP(
                 "clipwb::config",
                 "The vision backbone: a shipped config name (ViT-B-16, ...) or the path of a JSON config.")),
        spec("text_model", model, OptionType::ModelName, false, &T::text_model,
             CLIPWB_TR_NOOP("clipwb::config", "The text backbone: a shipped config name "
                                              "(RoBERTa-wwm-ext-base-chinese, ...) or the path of a "
                                              "JSON config.")),
        spec("use_flash_attention", model, OptionType::Bool, false, &T::use_flash_attention,
             CLIPWB_TR_NOOP(
                 "clipwb::config",
                 "Use fused (flash) attention kernels where the device supports them: faster, less memory.")),
        spec(
            "grad_checkpointing", model, OptionType::Bool, false, &T::grad_checkpointing,
            CLIPWB_TR_NOOP(
                "clipwb::config",
                "Recompute activations in the backward pass instead of storing them: much less memory, about "
                "30% slower.")),
        spec("mask_ratio", model, OptionType::Double, false, &T::mask_ratio,
             CLIPWB_TR_NOOP("clipwb::config", "Fraction of image patches randomly dropped during training "
                                              "(FLIP-style speed-up). 0 keeps all."),
             0, 1),
        spec(
            "freeze_vision", model, OptionType::Bool, false, &T::freeze_vision,
            CLIPWB_TR_NOOP("clipwb::config",
                           "Do not train the vision tower (only the text tower and the logit scale learn).")),
        spec("clip_weight_path", model, OptionType::Path, true, &T::clip_weight_path,
             CLIPWB_TR_NOOP(
                 "clipwb::config",
                 "OpenAI CLIP weights to initialise the vision tower from. Unset: random or from --resume.")),
        spec("bert_weight_path", model, OptionType::Path, true, &T::bert_weight_path,
             CLIPWB_TR_NOOP(
                 "clipwb::config",
                 "BERT/RoBERTa weights to initialise the text tower from. Unset: random or from --resume.")),
        // Optimisation
        spec("batch_size", optimisation, OptionType::Int, false, &T::batch_size,
             CLIPWB_TR_NOOP(
                 "clipwb::config",
                 "Training batch size (per device). In-batch negatives: larger batches give a harder task."),
             1, 1 << 20),
        spec("valid_batch_size", optimisation, OptionType::Int, false, &T::valid_batch_size,
             CLIPWB_TR_NOOP("clipwb::config", "Validation batch size (per device)."), 1, 1 << 20),
        spec("lr", optimisation, OptionType::Double, true, &T::lr,
             CLIPWB_TR_NOOP(
                 "clipwb::config",
                 "Peak learning rate after warm-up. Unset: upstream's default for the vision model (5e-4 for "
                 "ViT-B, 4e-4 for ViT-L)."),
             0, kNoLimit),
        spec("wd", optimisation, OptionType::Double, false, &T::wd,
             CLIPWB_TR_NOOP("clipwb::config",
                            "AdamW weight decay (not applied to norms, biases and the logit scale)."),
             0, kNoLimit),
        spec("beta1", optimisation, OptionType::Double, true, &T::beta1,
             CLIPWB_TR_NOOP("clipwb::config",
                            "AdamW beta 1. Unset: upstream's default for the vision model (0.9)."),
             0, 1),
        spec("beta2", optimisation, OptionType::Double, true, &T::beta2,
             CLIPWB_TR_NOOP("clipwb::config", "AdamW beta 2. Unset: upstream's default for the vision model "
                                              "(0.98 for ViT, 0.999 for RN50)."),
             0, 1),
        spec("eps", optimisation, OptionType::Double, true, &T::eps,
             CLIPWB_TR_NOOP("clipwb::config", "AdamW epsilon. Unset: upstream's default for the vision model "
                                              "(1e-6 for ViT, 1e-8 for RN50)."),
             0, kNoLimit),
        spec("warmup", optimisation, OptionType::Int, false, &T::warmup,
             CLIPWB_TR_NOOP("clipwb::config",
                            "Steps of linear learning-rate warm-up before the cosine decay."),
             0, 1e9),
        spec("max_steps", optimisation, OptionType::Int, true, &T::max_steps,
             CLIPWB_TR_NOOP("clipwb::config", "Optimizer steps to train for. Has priority over max_epochs."),
             1, 1e12),
        spec("max_epochs", optimisation, OptionType::Int, true, &T::max_epochs,
             CLIPWB_TR_NOOP("clipwb::config",
                            "Full passes over the training data (used when max_steps is unset)."),
             1, 1e9),
        spec("accum_freq", optimisation, OptionType::Int, false, &T::accum_freq,
             CLIPWB_TR_NOOP(
                 "clipwb::config",
                 "Batches whose features are accumulated per optimizer step (a larger effective batch for "
                 "the contrastive loss)."),
             1, 1024),
        spec("precision", optimisation, OptionType::Choice, false, &T::precision,
             CLIPWB_TR_NOOP("clipwb::config",
                            "Floating point precision: amp (mixed, CUDA), fp16 (CUDA), fp32, or bf16."),
             -kNoLimit, kNoLimit, {"amp", "fp16", "fp32", "bf16"}),
        spec("skip_scheduler", optimisation, OptionType::Bool, false, &T::skip_scheduler,
             CLIPWB_TR_NOOP("clipwb::config",
                            "Keep the learning rate constant instead of the warm-up + cosine schedule.")),
        // Evaluation and saving
        spec("valid_step_interval", evaluation, OptionType::Int, true, &T::valid_step_interval,
             CLIPWB_TR_NOOP("clipwb::config", "Validate every N steps. Unset: no validation between steps."),
             1, 1e12),
        spec("valid_epoch_interval", evaluation, OptionType::Int, true, &T::valid_epoch_interval,
             CLIPWB_TR_NOOP("clipwb::config", "Validate every N epochs. Unset: no validation at epoch ends."),
             1, 1e9),
        spec("save_step_frequency", evaluation, OptionType::Int, false, &T::save_step_frequency,
             CLIPWB_TR_NOOP("clipwb::config",
                            "Save a checkpoint every N steps (epoch_E_S.pt). 0 or less disables."),
             -1, 1e12),
        spec("save_epoch_frequency", evaluation, OptionType::Int, false, &T::save_epoch_frequency,
             CLIPWB_TR_NOOP(
                 "clipwb::config",
                 "Save a checkpoint every N epochs (epochE.pt). 0 or less disables; epoch_latest.pt is "
                 "always written."),
             -1, 1e9),
        spec("log_interval", evaluation, OptionType::Int, false, &T::log_interval,
             CLIPWB_TR_NOOP("clipwb::config", "Write a line to the log every N steps."), 1, 1e9),
        spec("report_training_batch_acc", evaluation, OptionType::Bool, false, &T::report_training_batch_acc,
             CLIPWB_TR_NOOP(
                 "clipwb::config",
                 "Compute the in-batch image-to-text and text-to-image accuracy of each training batch.")),
        // Resume
        spec("resume", resume, OptionType::Path, true, &T::resume,
             CLIPWB_TR_NOOP("clipwb::config",
                            "Checkpoint to start from (a pretrained Chinese-CLIP .pt or one of your runs). "
                            "Unset: continue "
                            "from {logs}/{name}/checkpoints/epoch_latest.pt when it exists.")),
        spec("reset_optimizer", resume, OptionType::Bool, false, &T::reset_optimizer,
             CLIPWB_TR_NOOP(
                 "clipwb::config",
                 "Do not restore the optimizer state from the resumed checkpoint (fine-tuning a pretrained "
                 "model).")),
        spec("reset_data_offset", resume, OptionType::Bool, false, &T::reset_data_offset,
             CLIPWB_TR_NOOP(
                 "clipwb::config",
                 "Start from the first batch of epoch 0 instead of where the resumed checkpoint stopped.")),
        // Distillation
        spec("distillation", distillation, OptionType::Bool, false, &T::distillation,
             CLIPWB_TR_NOOP("clipwb::config",
                            "Distil from a teacher model (upstream's flag is spelled --distllation).")),
        spec("teacher_model_name", distillation, OptionType::Path, true, &T::teacher_model_name,
             CLIPWB_TR_NOOP(
                 "clipwb::config",
                 "The teacher: a CLIP checkpoint (.pt) that clipwb loads; its vision and text models come "
                 "from "
                 "{checkpoint}.json or from the config.json of the run folder it belongs to. Upstream's "
                 "ModelScope teacher names cannot be downloaded here: convert the teacher to a checkpoint "
                 "first.")),
        spec("kd_loss_weight", distillation, OptionType::Double, false, &T::kd_loss_weight,
             CLIPWB_TR_NOOP("clipwb::config", "Weight of the distillation loss."), 0, kNoLimit),
        // Distributed
        spec("skip_aggregate", distributed, OptionType::Bool, false, &T::skip_aggregate,
             CLIPWB_TR_NOOP("clipwb::config", "Do not gather features across devices before the loss (each "
                                              "device uses its own negatives).")),
        spec("gather_with_grad", distributed, OptionType::Bool, false, &T::gather_with_grad,
             CLIPWB_TR_NOOP("clipwb::config",
                            "Let gradients flow through the gathered features of other devices.")),
        spec("use_bn_sync", distributed, OptionType::Bool, false, &T::use_bn_sync,
             CLIPWB_TR_NOOP("clipwb::config",
                            "Synchronise batch-norm statistics across devices (ResNet backbones).")),
        // Run
        spec("seed", run, OptionType::Int, false, &T::seed,
             CLIPWB_TR_NOOP("clipwb::config",
                            "Random seed: data order (seed + epoch), augmentation and initialisation."),
             0, 4294967295.0),
        spec("logs", run, OptionType::FolderPath, false, &T::logs,
             CLIPWB_TR_NOOP(
                 "clipwb::config",
                 "Folder holding the run folders ({logs}/{name}). The seed notebook calls it logsfan.")),
        spec(
            "name", run, OptionType::String, false, &T::name,
            CLIPWB_TR_NOOP(
                "clipwb::config",
                "Name of the run: its folder under logs, with config.json, metrics.jsonl and checkpoints/.")),
        spec("device", run, OptionType::String, false, &T::device,
             CLIPWB_TR_NOOP("clipwb::config",
                            "Where to train: auto (CUDA when available), cpu, cuda or cuda:N.")),
        spec("keep_last_n", run, OptionType::Int, true, &T::keep_last_n,
             CLIPWB_TR_NOOP("clipwb::config", "Keep only the newest N step and epoch checkpoints "
                                              "(epoch_latest.pt always stays). Unset keeps "
                                              "all."),
             1, 1e6),
    };
}

} // namespace

const std::vector<OptionSpec>& optionSpecs()
{
    static const std::vector<OptionSpec> specs = makeSpecs();
    return specs;
}

std::string normaliseKey(const std::string& key)
{
    std::string out;
    out.reserve(key.size());
    for (char c : key)
        out += c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

const OptionSpec* findSpec(const std::string& key)
{
    std::string wanted = normaliseKey(key);
    if (wanted == "logsfan")
        wanted = "logs";
    else if (wanted == "distllation")
        wanted = "distillation";
    for (const OptionSpec& s : optionSpecs())
        if (s.info.key == wanted)
            return &s;
    return nullptr;
}

bool isPathOption(const OptionInfo& info)
{
    return info.type == OptionType::Path || info.type == OptionType::FolderPath ||
           info.type == OptionType::ModelName;
}

std::string resolvePathValue(const OptionInfo& info, const std::string& value,
                             const std::filesystem::path& baseDir)
{
    if (value.empty())
        return value;
    // A model name stays a name; only something that looks like a file is a path.
    if (info.type == OptionType::ModelName &&
        (isShippedModel(value) ||
         (value.find('/') == std::string::npos && value.find('\\') == std::string::npos &&
          std::filesystem::path(value).extension() != ".json")))
        return value;
    std::filesystem::path path(value);
    if (path.is_absolute() || baseDir.empty())
        return path.lexically_normal().string();
    return (baseDir / path).lexically_normal().string();
}

} // namespace detail

const std::vector<OptionInfo>& options()
{
    static const std::vector<OptionInfo> infos = [] {
        std::vector<OptionInfo> out;
        for (const auto& s : detail::optionSpecs())
            out.push_back(s.info);
        return out;
    }();
    return infos;
}

const OptionInfo* findOption(const std::string& key)
{
    const detail::OptionSpec* s = detail::findSpec(key);
    return s ? &s->info : nullptr;
}

const std::vector<std::string>& groups()
{
    static const std::vector<std::string> names = {
        "Data",   "Model",        "Optimisation", "Evaluation and saving",
        "Resume", "Distillation", "Distributed",  "Run"};
    return names;
}

std::string suggestKey(const std::string& unknownKey)
{
    const auto squash = [](const std::string& s) {
        std::string out;
        for (char c : detail::normaliseKey(s))
            if (c != '_')
                out += c;
        return out;
    };
    const auto distance = [](const std::string& a, const std::string& b) {
        std::vector<size_t> row(b.size() + 1);
        for (size_t j = 0; j <= b.size(); ++j)
            row[j] = j;
        for (size_t i = 1; i <= a.size(); ++i) {
            size_t diagonal = row[0];
            row[0] = i;
            for (size_t j = 1; j <= b.size(); ++j) {
                const size_t above = row[j];
                row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
                diagonal = above;
            }
        }
        return row[b.size()];
    };
    const std::string wanted = squash(unknownKey);
    std::string best;
    size_t bestDistance = std::numeric_limits<size_t>::max();
    std::vector<std::string> candidates;
    for (const auto& s : detail::optionSpecs())
        candidates.push_back(s.info.key);
    candidates.push_back("logsfan");
    for (const std::string& key : candidates) {
        const std::string squashed = squash(key);
        size_t d = distance(wanted, squashed);
        // "batch" for "batch_size", "epochs" for "max_epochs": a clear prefix or suffix counts as close.
        if (wanted.size() >= 4 &&
            (squashed.rfind(wanted, 0) == 0 ||
             (squashed.size() > wanted.size() &&
              squashed.compare(squashed.size() - wanted.size(), wanted.size(), wanted) == 0)))
            d = std::min<size_t>(d, 2);
        if (squashed.size() >= 4 && wanted.rfind(squashed, 0) == 0) // "warmup_steps" for "warmup"
            d = std::min<size_t>(d, 2);
        if (d < bestDistance) {
            bestDistance = d;
            best = key == "logsfan" ? "logs" : key;
        }
    }
    const size_t limit = std::max<size_t>(2, wanted.size() / 3);
    return bestDistance <= limit ? best : std::string();
}

} // namespace clipwb::config
