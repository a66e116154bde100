#pragma once
// The training configuration: one member per option of upstream Chinese-CLIP's
// cn_clip/training/params.py, with upstream's names and defaults, plus a few of
// our own (seed, logs, name, device, keep_last_n). A std::optional member is
// upstream's "None": JSON null, or not given.
//
// Paths are stored as given after loading, but relative ones are resolved
// against the folder of the JSON file they came from (or the working folder for
// flags), so a loaded config always holds absolute paths.
//
// No torch and no Qt here: the GUI, the CLI and the trainer all include it.
#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace clipwb::config {

struct TrainConfig {
    // ---- Data ----
    std::string train_data;              ///< LMDB split folder (imgs/, pairs/); required
    std::optional<std::string> val_data; ///< LMDB split folder; unset disables validation
    int num_workers = 4;                 ///< training loader threads
    int valid_num_workers = 1;           ///< validation loader threads
    bool use_augment = false;            ///< RandomResizedCrop + AutoAugment on training images
    int context_length = 52;             ///< text length in tokens, [CLS] and [SEP] included

    // ---- Model ----
    std::string vision_model = "ViT-B-16";                   ///< shipped name or JSON path
    std::string text_model = "RoBERTa-wwm-ext-base-chinese"; ///< shipped name or JSON path
    bool use_flash_attention = false;
    bool grad_checkpointing = false;
    double mask_ratio = 0.0; ///< fraction of image patches dropped in training, [0, 1)
    bool freeze_vision = false;
    std::optional<std::string> clip_weight_path; ///< OpenAI CLIP weights for the vision tower
    std::optional<std::string> bert_weight_path; ///< BERT weights for the text tower

    // ---- Optimisation ----
    int batch_size = 64;
    int valid_batch_size = 64;
    std::optional<double> lr; ///< unset: upstream's default for the vision model (effectiveLr)
    double wd = 0.2;
    std::optional<double> beta1;
    std::optional<double> beta2;
    std::optional<double> eps;
    int warmup = 500;                 ///< warm-up steps
    std::optional<int64_t> max_steps; ///< has priority over max_epochs
    std::optional<int64_t> max_epochs = 32;
    int accum_freq = 1;            ///< batches per optimizer step
    std::string precision = "amp"; ///< amp, fp16, fp32, bf16
    bool skip_scheduler = false;   ///< constant lr after warm-up

    // ---- Evaluation and saving ----
    std::optional<int64_t> valid_step_interval;      ///< unset: no validation between steps
    std::optional<int64_t> valid_epoch_interval = 1; ///< unset: no validation between epochs
    int64_t save_step_frequency = -1;                ///< <= 0 disables
    int64_t save_epoch_frequency = 1;
    int64_t log_interval = 10;
    bool report_training_batch_acc = false;

    // ---- Resume ----
    std::optional<std::string> resume; ///< checkpoint; unset: {checkpoints}/epoch_latest.pt if present
    bool reset_optimizer = false;
    bool reset_data_offset = false;

    // ---- Distillation ----
    bool distillation = false; ///< upstream's flag is spelled --distllation; both are accepted
    std::optional<std::string> teacher_model_name;
    double kd_loss_weight = 0.5;

    // ---- Distributed ----
    bool skip_aggregate = false;
    bool gather_with_grad = false;
    bool use_bn_sync = false;

    // ---- Run (seed is upstream's; device and keep_last_n are ours) ----
    int64_t seed = 123;
    std::string logs = "./logs/"; ///< the seed notebook's alias: logsfan
    std::string name = "train_clip";
    std::string device = "auto";    ///< auto, cpu, cuda, cuda:N
    std::optional<int> keep_last_n; ///< keep only the newest N step/epoch checkpoints; unset keeps all

    bool operator==(const TrainConfig& other) const;
    bool operator!=(const TrainConfig& other) const { return !(*this == other); }
};

/// One problem with a config: the key at fault (upstream's underscore name;
/// empty for the file itself) and what is wrong.
struct ConfigIssue {
    std::string key;
    std::string message;
    /// "key: message" (or only the message when there is no key).
    std::string text() const;
};

/// A config together with every problem found while reading and checking it.
struct ConfigResult {
    TrainConfig config;
    std::vector<ConfigIssue> issues;
    bool ok() const { return issues.empty(); }
    /// Every issue's text, one per line.
    std::string errorText() const;
};

// ---- Description of the options (for the editor, help and flag parsing) ----

enum class OptionType { Bool, Int, Double, String, Path, FolderPath, ModelName, Choice };

struct OptionInfo {
    std::string key; ///< upstream name with underscores
    /// Data, Model, Optimisation, Evaluation and saving, Resume, Distillation, Distributed, Run
    std::string group;
    OptionType type;
    bool nullable;                    ///< may be unset (JSON null)
    std::string help;                 ///< one or two sentences for tooltips
    std::vector<std::string> choices; ///< for Choice
    double minimum;                   ///< for Int/Double
    double maximum;
};

/// Every option in display order.
const std::vector<OptionInfo>& options();
/// The option with this key (aliases such as logsfan included), or nullptr.
const OptionInfo* findOption(const std::string& key);
/// The group names in display order.
const std::vector<std::string>& groups();

// ---- JSON and flags ----

/// The config as a JSON object with every key (unset ones as null).
nlohmann::json toJson(const TrainConfig& config);
/// The same as JSON text with the keys in display order (as saved and as `config check` prints it).
std::string toJsonText(const TrainConfig& config, int indent = 2);
/// Reads a JSON object; unknown keys and wrong types become issues (all of them),
/// keys not present keep their defaults. Relative paths resolve against baseDir.
ConfigResult fromJson(const nlohmann::json& object, const std::filesystem::path& baseDir);
/// Reads a JSON file (issues with key "" for an unreadable file or bad JSON).
ConfigResult loadConfigFile(const std::filesystem::path& file);
/// Writes the config as pretty JSON, atomically. Paths under the file's folder are
/// written relative to it so that a project folder can be moved.
void saveConfigFile(const TrainConfig& config, const std::filesystem::path& file);

/// Applies upstream-style flags ("--batch-size 48", "--batch-size=48",
/// "--grad-checkpointing", "--val-data None") to config, appending every problem
/// (unknown flag with a suggestion, missing or bad value) to issues. Relative
/// paths resolve against baseDir (the working folder).
void applyFlags(TrainConfig& config, const std::vector<std::string>& args, std::vector<ConfigIssue>& issues,
                const std::filesystem::path& baseDir);
/// The upstream-style arguments reproducing config (only options that differ from
/// the defaults, train_data always), e.g. {"--train-data=/d/train", "--batch-size=48", "--use-augment"}.
std::vector<std::string> toFlags(const TrainConfig& config);
/// toFlags joined into one shell-quoted line.
std::string toCommandLine(const TrainConfig& config, const std::string& program = "clipwb-cli train");

// ---- Checking ----

/// Every semantic problem: ranges, unknown precision or model names, missing files
/// and folders, contradictions. Empty when the config can be trained.
std::vector<ConfigIssue> validate(const TrainConfig& config);
/// Loads file (optional: none starts from the defaults), applies flags, validates:
/// the whole path of `clipwb-cli config check` and `train`.
ConfigResult resolveConfig(const std::optional<std::filesystem::path>& file,
                           const std::vector<std::string>& flags,
                           const std::filesystem::path& workingDir = std::filesystem::current_path());
/// Throws clipwb::Error listing every issue (one per line) unless result.ok().
const TrainConfig& requireValid(const ConfigResult& result);

/// The closest known key to an unknown one ("batchsize" -> "batch_size"), or empty.
std::string suggestKey(const std::string& unknownKey);
/// Whether name is a shipped model config (resources model_configs/NAME.json).
bool isShippedModel(const std::string& name);
/// Names of the shipped vision / text model configs.
std::vector<std::string> shippedVisionModels();
std::vector<std::string> shippedTextModels();

// ---- Derived values (the one place they are computed) ----

/// {logs}/{name}
std::filesystem::path runFolder(const TrainConfig& config);
/// {logs}/{name}/checkpoints
std::filesystem::path checkpointFolder(const TrainConfig& config);
/// Upstream's default when unset: from get_default_params(vision_model)
/// (ViT-B/H: 5e-4, 0.9, 0.98, 1e-6; ViT-L: 4e-4, 0.9, 0.98, 1e-6; RN50: 5e-4, 0.9, 0.999, 1e-8);
/// other models fall back to the ViT-B values.
double effectiveLr(const TrainConfig& config);
double effectiveBeta1(const TrainConfig& config);
double effectiveBeta2(const TrainConfig& config);
double effectiveEps(const TrainConfig& config);
/// Batches in one epoch: the split padded up to a multiple of the global batch.
int64_t batchesPerEpoch(int64_t numSamples, int64_t batchSize, int64_t worldSize = 1);
/// max_epochs = ceil(max_steps * accum_freq / batches) when max_steps is set, else max_epochs.
int64_t effectiveMaxEpochs(const TrainConfig& config, int64_t batchesPerEpoch);
/// max_steps when set, else (batches / accum_freq) * max_epochs.
int64_t effectiveMaxSteps(const TrainConfig& config, int64_t batchesPerEpoch);

/// The names of the embedded presets (resources presets/*.json), e.g. "demo".
std::vector<std::string> presetNames();
/// A preset's config; its relative data paths resolve against baseDir.
ConfigResult loadPreset(const std::string& name, const std::filesystem::path& baseDir);
/// A preset's one-line description (its "_description" key).
std::string presetDescription(const std::string& name);

} // namespace clipwb::config
