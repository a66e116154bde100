#include "common/AtomicFile.h"
#include "common/Error.h"
#include "config/TrainConfig.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <filesystem>

using namespace clipwb::config;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const fs::path kFixtures = CLIPWB_TEST_FIXTURES;

/// The issue naming key, or nullptr.
const ConfigIssue* issueFor(const std::vector<ConfigIssue>& issues, const std::string& key)
{
    const auto it =
        std::find_if(issues.begin(), issues.end(), [&](const ConfigIssue& i) { return i.key == key; });
    return it == issues.end() ? nullptr : &*it;
}

bool mentions(const std::vector<ConfigIssue>& issues, const std::string& key, const std::string& words)
{
    const ConfigIssue* issue = issueFor(issues, key);
    return issue && issue->message.find(words) != std::string::npos;
}

std::string dump(const std::vector<ConfigIssue>& issues)
{
    std::string out;
    for (const auto& i : issues)
        out += i.text() + "\n";
    return out;
}

/// A config that validates: the fixture LMDB splits and the tiny models.
TrainConfig validConfig()
{
    TrainConfig config;
    config.train_data = (kFixtures / "lmdb/lmdb/train").string();
    config.val_data = (kFixtures / "lmdb/lmdb/valid").string();
    config.vision_model = "Tiny-ViT";
    config.text_model = "Tiny-BERT";
    config.logs = "/tmp/clipwb-test-logs";
    return config;
}

} // namespace

#define VERIFY_ISSUE(issues, key, words) QVERIFY2(mentions(issues, key, words), dump(issues).c_str())

class TestTrainConfig : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void defaultsAreUpstreams()
    {
        const TrainConfig c;
        QCOMPARE(c.num_workers, 4);
        QCOMPARE(c.valid_num_workers, 1);
        QCOMPARE(c.context_length, 52);
        QCOMPARE(c.batch_size, 64);
        QCOMPARE(c.valid_batch_size, 64);
        QCOMPARE(c.wd, 0.2);
        QCOMPARE(c.warmup, 500);
        QVERIFY(!c.max_steps);
        QCOMPARE(*c.max_epochs, int64_t(32));
        QVERIFY(!c.valid_step_interval);
        QCOMPARE(*c.valid_epoch_interval, int64_t(1));
        QCOMPARE(c.save_step_frequency, int64_t(-1));
        QCOMPARE(c.save_epoch_frequency, int64_t(1));
        QCOMPARE(c.log_interval, int64_t(10));
        QCOMPARE(c.precision, std::string("amp"));
        QCOMPARE(c.vision_model, std::string("ViT-B-16"));
        QCOMPARE(c.text_model, std::string("RoBERTa-wwm-ext-base-chinese"));
        QCOMPARE(c.kd_loss_weight, 0.5);
        QCOMPARE(c.seed, int64_t(123));
        QCOMPARE(c.logs, std::string("./logs/"));
        QCOMPARE(c.name, std::string("train_clip"));
        QVERIFY(!c.lr && !c.beta1 && !c.beta2 && !c.eps && !c.resume);
        QCOMPARE(int(options().size()), 47);
        for (const OptionInfo& o : options()) {
            QVERIFY2(!o.help.empty(), o.key.c_str());
            QVERIFY2(std::find(groups().begin(), groups().end(), o.group) != groups().end(), o.key.c_str());
        }
    }

    void adamDefaultsFollowTheVisionModel()
    {
        TrainConfig c;
        QCOMPARE(effectiveLr(c), 5e-4);
        QCOMPARE(effectiveBeta2(c), 0.98);
        QCOMPARE(effectiveEps(c), 1e-6);
        c.vision_model = "ViT-L-14-336";
        QCOMPARE(effectiveLr(c), 4e-4);
        c.vision_model = "RN50";
        QCOMPARE(effectiveBeta1(c), 0.9);
        QCOMPARE(effectiveBeta2(c), 0.999);
        QCOMPARE(effectiveEps(c), 1e-8);
        c.lr = 3e-5;
        QCOMPARE(effectiveLr(c), 3e-5);
    }

    void loadsTheReferenceTrainingConfig()
    {
        const fs::path file = kFixtures / "train/fp32_bs8/config.json";
        const ConfigResult r = loadConfigFile(file);
        QVERIFY2(r.ok(), r.errorText().c_str());
        const TrainConfig& c = r.config;
        QCOMPARE(c.batch_size, 8);
        QCOMPARE(*c.max_steps, int64_t(24));
        QVERIFY(!c.max_epochs);
        QVERIFY(!c.valid_epoch_interval);
        QCOMPARE(*c.valid_step_interval, int64_t(8));
        QCOMPARE(*c.lr, 3e-4);
        QCOMPARE(c.seed, int64_t(101));
        QVERIFY(c.grad_checkpointing && c.skip_aggregate && c.reset_optimizer);
        QCOMPARE(c.precision, std::string("fp32"));
        // Relative paths resolve against the file's folder.
        const fs::path folder = fs::absolute(file).parent_path();
        QCOMPARE(c.train_data, (folder / "../../lmdb/lmdb/train").lexically_normal().string());
        QCOMPARE(*c.resume, (folder / "../../model/init.pt").lexically_normal().string());
        QCOMPARE(c.vision_model, (folder / "../../model_configs/Tiny-ViT.json").lexically_normal().string());
        QCOMPARE(c.logs, (folder / "runs").string());
        QCOMPARE(checkpointFolder(c), folder / "runs/fp32_bs8/checkpoints");
        const std::vector<ConfigIssue> issues = validate(c);
        QVERIFY2(issues.empty(), dump(issues).c_str());
        // 96 training pairs in batches of 8: 12 batches; 24 steps -> 2 epochs, as upstream computes it.
        QCOMPARE(batchesPerEpoch(96, 8), int64_t(12));
        QCOMPARE(effectiveMaxEpochs(c, 12), int64_t(2));
        QCOMPARE(effectiveMaxSteps(c, 12), int64_t(24));
    }

    void derivedStepsAndEpochs()
    {
        TrainConfig c;
        QCOMPARE(batchesPerEpoch(97, 8), int64_t(13));
        QCOMPARE(batchesPerEpoch(96, 8, 2), int64_t(6));
        c.max_steps = 25;
        c.accum_freq = 2;
        QCOMPARE(effectiveMaxEpochs(c, 12), int64_t(5)); // ceil(25 * 2 / 12)
        c.max_steps.reset();
        c.max_epochs = 3;
        QCOMPARE(effectiveMaxSteps(c, 13), int64_t(18)); // (13 // 2) * 3
        QCOMPARE(effectiveMaxEpochs(c, 13), int64_t(3));
        c.max_epochs.reset();
        QVERIFY_THROWS_EXCEPTION(clipwb::Error, effectiveMaxSteps(c, 13));
        c.logs = "/x/logs";
        c.name = "run1";
        QCOMPARE(runFolder(c), fs::path("/x/logs/run1"));
        QCOMPARE(checkpointFolder(c), fs::path("/x/logs/run1/checkpoints"));
    }

    void logsfanIsAnAliasOfLogs()
    {
        const ConfigResult r = fromJson(json{{"logsfan", "out"}, {"distllation", true}}, "/base");
        QVERIFY2(r.ok(), r.errorText().c_str());
        QCOMPARE(r.config.logs, std::string("/base/out"));
        QVERIFY(r.config.distillation);
    }

    void nullUnsetsNullableOptions()
    {
        const ConfigResult r = fromJson(json{{"max_epochs", nullptr},
                                             {"max_steps", 100},
                                             {"val_data", nullptr},
                                             {"valid_epoch_interval", nullptr},
                                             {"_description", "a note"}},
                                        "/base");
        QVERIFY2(r.ok(), r.errorText().c_str());
        QVERIFY(!r.config.max_epochs && !r.config.val_data && !r.config.valid_epoch_interval);
        QCOMPARE(*r.config.max_steps, int64_t(100));
    }

    void everyReadingErrorAtOnce()
    {
        const json bad = {{"batchsize", 8},   {"max_epoch", 3},      {"zzzz_qqq", 1},        {"lr", "big"},
                          {"use_augment", 1}, {"batch_size", 2.5},   {"precision", nullptr}, {"name", 7},
                          {"batch-size", 4},  {"num_workers", 1e12}, {"seed", -1.0e30}};
        const ConfigResult r = fromJson(bad, "/base");
        QCOMPARE(int(r.issues.size()), 11);
        VERIFY_ISSUE(r.issues, "batchsize", "did you mean batch_size?");
        VERIFY_ISSUE(r.issues, "max_epoch", "did you mean max_epochs?");
        VERIFY_ISSUE(r.issues, "zzzz_qqq", "unknown key");
        QVERIFY(issueFor(r.issues, "zzzz_qqq")->message.find("did you mean") == std::string::npos);
        VERIFY_ISSUE(r.issues, "lr", "wrong type: expected a number, got \"big\"");
        VERIFY_ISSUE(r.issues, "use_augment", "expected true or false, got 1");
        VERIFY_ISSUE(r.issues, "batch_size", "expected a whole number, got 2.5");
        VERIFY_ISSUE(r.issues, "precision", "must not be null");
        VERIFY_ISSUE(r.issues, "name", "expected a string");
        VERIFY_ISSUE(r.issues, "batch-size", "did you mean batch_size?");
        VERIFY_ISSUE(r.issues, "num_workers", "expected a whole number");
        VERIFY_ISSUE(r.issues, "seed", "expected a whole number");
        QVERIFY(r.errorText().find("batchsize: unknown key; did you mean batch_size?") != std::string::npos);
        QVERIFY(!fromJson(json::array({1, 2}), "/").ok());
    }

    void suggestionsForTypos()
    {
        QCOMPARE(suggestKey("batchsize"), std::string("batch_size"));
        QCOMPARE(suggestKey("lerning_rate"), std::string());
        QCOMPARE(suggestKey("warmup_steps"), std::string("warmup"));
        QCOMPARE(suggestKey("valid-batch_sise"), std::string("valid_batch_size"));
        QCOMPARE(suggestKey("logsfun"), std::string("logs"));
        QCOMPARE(suggestKey("gradient_checkpointing"), std::string("grad_checkpointing"));
        QCOMPARE(suggestKey("completely_unrelated"), std::string());
    }

    void badFileAndBadJson()
    {
        QTemporaryDir dir;
        const fs::path missing = fs::path(dir.path().toStdString()) / "none.json";
        ConfigResult r = loadConfigFile(missing);
        QCOMPARE(int(r.issues.size()), 1);
        QVERIFY(r.issues[0].key.empty());
        QVERIFY(r.issues[0].message.find("none.json") != std::string::npos);
        const fs::path broken = fs::path(dir.path().toStdString()) / "broken.json";
        clipwb::writeFileAtomic(broken, "{\"batch_size\": 8,,}");
        r = loadConfigFile(broken);
        QCOMPARE(int(r.issues.size()), 1);
        QVERIFY(r.issues[0].message.find("broken.json: not valid JSON") != std::string::npos);
        // In plain words: where, and what, without the parser's internals.
        QVERIFY2(r.issues[0].message.find("at line 1, column 18: unexpected ','") != std::string::npos,
                 r.issues[0].message.c_str());
        QVERIFY(r.issues[0].message.find("json.exception") == std::string::npos);
        // resolveConfig stops there instead of reporting defaults' problems.
        r = resolveConfig(broken, {});
        QCOMPARE(int(r.issues.size()), 1);
    }

    void upstreamFlagsOverrideTheFile()
    {
        TrainConfig c = validConfig();
        std::vector<ConfigIssue> issues;
        // The arguments of upstream run_scripts/muge_finetune_vit-b-16_rbt-base.sh, pasted as they are.
        const std::vector<std::string> args = {"--train-data=/d/datasets/MUGE/lmdb/train",
                                               "--val-data=/d/datasets/MUGE/lmdb/valid",
                                               "--resume=/d/pretrained_weights/clip_cn_vit-b-16.pt",
                                               "--reset-data-offset",
                                               "--reset-optimizer",
                                               "--logs=/d/experiments/",
                                               "--name=muge_finetune_vit-b-16_roberta-base_bs128_8gpu",
                                               "--save-step-frequency=999999",
                                               "--save-epoch-frequency=1",
                                               "--log-interval=1",
                                               "--report-training-batch-acc",
                                               "--context-length=52",
                                               "--warmup=100",
                                               "--batch-size=128",
                                               "--valid-batch-size=128",
                                               "--valid-step-interval=150",
                                               "--valid-epoch-interval=1",
                                               "--accum-freq=1",
                                               "--lr=5e-5",
                                               "--wd=0.001",
                                               "--max-epochs=3",
                                               "--vision-model=ViT-B-16",
                                               "--use-augment",
                                               "--text-model=RoBERTa-wwm-ext-base-chinese"};
        applyFlags(c, args, issues, "/cwd");
        QVERIFY2(issues.empty(), dump(issues).c_str());
        QCOMPARE(c.train_data, std::string("/d/datasets/MUGE/lmdb/train"));
        QCOMPARE(*c.resume, std::string("/d/pretrained_weights/clip_cn_vit-b-16.pt"));
        QVERIFY(c.reset_data_offset && c.reset_optimizer && c.report_training_batch_acc && c.use_augment);
        QCOMPARE(c.batch_size, 128);
        QCOMPARE(*c.lr, 5e-5);
        QCOMPARE(c.wd, 0.001);
        QCOMPARE(*c.max_epochs, int64_t(3));
        QCOMPARE(c.save_step_frequency, int64_t(999999));
        QCOMPARE(c.vision_model, std::string("ViT-B-16"));
        QCOMPARE(c.name, std::string("muge_finetune_vit-b-16_roberta-base_bs128_8gpu"));

        // Space-separated values, relative paths against the working folder, None, aliases.
        applyFlags(c,
                   {"--batch-size", "48", "--logsfan", "out", "--max-steps", "10", "--max-epochs", "None",
                    "--grad-checkpointing", "--distllation", "--kd_loss_weight", "0.25", "--local_rank", "0",
                    "--save-step-frequency", "-1", "--val-data="},
                   issues, "/cwd");
        QVERIFY2(issues.empty(), dump(issues).c_str());
        QCOMPARE(c.batch_size, 48);
        QCOMPARE(c.logs, std::string("/cwd/out"));
        QCOMPARE(*c.max_steps, int64_t(10));
        QVERIFY(!c.max_epochs && !c.val_data);
        QVERIFY(c.grad_checkpointing && c.distillation);
        QCOMPARE(c.kd_loss_weight, 0.25);
        QCOMPARE(c.save_step_frequency, int64_t(-1));
    }

    void badFlagsAreAllReported()
    {
        TrainConfig c;
        std::vector<ConfigIssue> issues;
        applyFlags(c,
                   {"--batchsize", "48", "--lr", "fast", "--warmup", "--epochs=3", "stray",
                    "--use-augment=maybe", "--precision"},
                   issues, "/cwd");
        QCOMPARE(int(issues.size()), 7);
        VERIFY_ISSUE(issues, "--batchsize", "did you mean --batch-size?");
        VERIFY_ISSUE(issues, "--lr", "expected a number, got 'fast'");
        VERIFY_ISSUE(issues, "--warmup", "needs a value");
        VERIFY_ISSUE(issues, "--epochs", "did you mean --max-epochs?");
        VERIFY_ISSUE(issues, "stray", "unexpected argument");
        VERIFY_ISSUE(issues, "--use-augment", "expected true or false");
        VERIFY_ISSUE(issues, "--precision", "needs a value");
        QCOMPARE(c.batch_size, 64); // nothing applied from a bad flag
        QVERIFY(!c.lr);
    }

    void toFlagsRoundTrips()
    {
        TrainConfig c = validConfig();
        c.batch_size = 48;
        c.lr = 5e-5;
        c.grad_checkpointing = true;
        c.max_epochs.reset();
        c.max_steps = 1000;
        c.valid_epoch_interval.reset();
        c.distillation = true;
        c.teacher_model_name = "/models/some teacher.pt";
        c.mask_ratio = 0.25;
        c.name = "it's mine";
        const std::vector<std::string> flags = toFlags(c);
        QVERIFY(std::find(flags.begin(), flags.end(), "--batch-size=48") != flags.end());
        QVERIFY(std::find(flags.begin(), flags.end(), "--grad-checkpointing") != flags.end());
        QVERIFY(std::find(flags.begin(), flags.end(), "--max-epochs=None") != flags.end());
        QVERIFY(std::find(flags.begin(), flags.end(), "--distllation") != flags.end());
        QVERIFY(std::find(flags.begin(), flags.end(), "--lr=5e-05") != flags.end());
        // Defaults are left out.
        QVERIFY(std::none_of(flags.begin(), flags.end(),
                             [](const std::string& f) { return f.rfind("--wd", 0) == 0; }));
        TrainConfig back;
        std::vector<ConfigIssue> issues;
        applyFlags(back, flags, issues, "/elsewhere");
        QVERIFY2(issues.empty(), dump(issues).c_str());
        QVERIFY(back == c);
        const std::string line = toCommandLine(c);
        QVERIFY(line.rfind("clipwb-cli train \\\n    --train-data=", 0) == 0);
        QVERIFY(line.find("--name='it'\\''s mine'") != std::string::npos);
        QVERIFY(line.find("--teacher-model-name='/models/some teacher.pt'") != std::string::npos);
    }

    void saveAndLoadRoundTripWithRelativePaths()
    {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        fs::create_directories(root / "project/data");
        TrainConfig c = validConfig();
        c.train_data = (root / "project/data/train").string();
        c.resume = (root / "elsewhere/x.pt").string();
        c.logs = (root / "project/runs").string();
        c.lr = 1e-4;
        c.keep_last_n = 2;
        c.precision = "bf16";
        const fs::path file = root / "project/config.json";
        saveConfigFile(c, file);
        const json saved = json::parse(clipwb::readFile(file));
        QCOMPARE(saved["train_data"].get<std::string>(), std::string("data/train"));
        QCOMPARE(saved["logs"].get<std::string>(), std::string("runs"));
        QCOMPARE(saved["resume"].get<std::string>(), (root / "elsewhere/x.pt").string()); // outside: absolute
        QVERIFY(saved["max_steps"].is_null());
        QCOMPARE(saved["vision_model"].get<std::string>(), std::string("Tiny-ViT"));
        QCOMPARE(int(saved.size()), int(options().size()));
        // The text keeps the display order.
        const std::string text = clipwb::readFile(file);
        QVERIFY(text.find("\"train_data\"") < text.find("\"batch_size\""));
        const ConfigResult back = loadConfigFile(file);
        QVERIFY2(back.ok(), back.errorText().c_str());
        QVERIFY(back.config == c);
        // The project folder can move.
        fs::rename(root / "project", root / "moved");
        const ConfigResult moved = loadConfigFile(root / "moved/config.json");
        QCOMPARE(moved.config.train_data, (root / "moved/data/train").string());
    }

    void validConfigHasNoIssues()
    {
        const std::vector<ConfigIssue> issues = validate(validConfig());
        QVERIFY2(issues.empty(), dump(issues).c_str());
    }

    void rangeErrorsNameTheKey()
    {
        TrainConfig c = validConfig();
        c.batch_size = 0;
        c.valid_batch_size = -3;
        c.mask_ratio = 1.0;
        c.lr = 0.0;
        c.beta2 = 1.0;
        c.eps = -1;
        c.wd = -0.1;
        c.accum_freq = 0;
        c.num_workers = -1;
        c.warmup = -5;
        c.max_steps = 0;
        c.valid_step_interval = 0;
        c.log_interval = 0;
        c.keep_last_n = 0;
        c.context_length = 2;
        const std::vector<ConfigIssue> issues = validate(c);
        VERIFY_ISSUE(issues, "batch_size", "out of range: 0 (must be >= 1)");
        VERIFY_ISSUE(issues, "valid_batch_size", "out of range: -3");
        VERIFY_ISSUE(issues, "mask_ratio", "out of range: 1 (must be < 1)");
        VERIFY_ISSUE(issues, "lr", "must be > 0");
        VERIFY_ISSUE(issues, "beta2", "must be < 1");
        VERIFY_ISSUE(issues, "eps", "must be > 0");
        VERIFY_ISSUE(issues, "wd", "must be >= 0");
        VERIFY_ISSUE(issues, "accum_freq", "must be >= 1");
        VERIFY_ISSUE(issues, "num_workers", "must be >= 0");
        VERIFY_ISSUE(issues, "warmup", "must be >= 0");
        VERIFY_ISSUE(issues, "max_steps", "must be >= 1");
        VERIFY_ISSUE(issues, "valid_step_interval", "must be >= 1");
        VERIFY_ISSUE(issues, "log_interval", "must be >= 1");
        VERIFY_ISSUE(issues, "keep_last_n", "must be >= 1");
        VERIFY_ISSUE(issues, "context_length", "must be >= 3");
        QCOMPARE(int(issues.size()), 15);
        c = validConfig();
        c.mask_ratio = 0.99;
        QVERIFY(validate(c).empty());
    }

    void choicesAndContradictions()
    {
        TrainConfig c = validConfig();
        c.precision = "fp8";
        c.max_epochs.reset();
        c.distillation = true;
        c.device = "gpu";
        c.name = "a/b";
        const std::vector<ConfigIssue> issues = validate(c);
        VERIFY_ISSUE(issues, "precision", "unknown precision 'fp8' (amp, fp16, fp32 or bf16)");
        VERIFY_ISSUE(issues, "max_steps", "neither max_steps nor max_epochs");
        VERIFY_ISSUE(issues, "teacher_model_name", "required when distillation is on");
        VERIFY_ISSUE(issues, "device", "unknown device 'gpu'");
        VERIFY_ISSUE(issues, "name", "not a folder name");
        QCOMPARE(int(issues.size()), 5);

        c = validConfig();
        c.device = "cpu";
        c.precision = "amp";
        VERIFY_ISSUE(validate(c), "precision", "needs a CUDA device");
        c.precision = "bf16";
        QVERIFY(validate(c).empty());
        c.device = "cuda:1";
        c.precision = "fp16";
        QVERIFY(validate(c).empty());
    }

    void missingFilesAndFolders()
    {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        fs::create_directories(root / "notlmdb/imgs");
        clipwb::writeFileAtomic(root / "afile", "x");
        TrainConfig c = validConfig();
        c.train_data = (root / "absent").string();
        c.val_data = (root / "notlmdb").string();
        c.resume = (root / "nothere.pt").string();
        c.clip_weight_path = root.string();
        c.bert_weight_path = (root / "nobert.bin").string();
        c.logs = (root / "afile").string();
        std::vector<ConfigIssue> issues = validate(c);
        VERIFY_ISSUE(issues, "train_data", "folder not found: " + (root / "absent").string());
        VERIFY_ISSUE(issues, "val_data", "not an LMDB split folder");
        VERIFY_ISSUE(issues, "val_data", "lacks imgs/data.mdb, pairs/ (");
        VERIFY_ISSUE(issues, "resume", "file not found");
        VERIFY_ISSUE(issues, "clip_weight_path", "not a file");
        VERIFY_ISSUE(issues, "bert_weight_path", "file not found");
        VERIFY_ISSUE(issues, "logs", "not a folder");
        QCOMPARE(int(issues.size()), 6);

        c = validConfig();
        c.train_data.clear();
        c.train_data = "";
        VERIFY_ISSUE(validate(c), "train_data", "required");
        c.train_data = (root / "afile").string();
        VERIFY_ISSUE(validate(c), "train_data", "not a folder");
    }

    void modelConfigNamesAndPaths()
    {
        QVERIFY(isShippedModel("ViT-B-16"));
        QVERIFY(!isShippedModel("ViT-X"));
        const auto vision = shippedVisionModels();
        const auto text = shippedTextModels();
        QCOMPARE(int(vision.size()), 7);
        QCOMPARE(int(text.size()), 4);
        QVERIFY(std::find(vision.begin(), vision.end(), "Tiny-ViT") != vision.end());
        QVERIFY(std::find(text.begin(), text.end(), "RBT3-chinese") != text.end());

        TrainConfig c = validConfig();
        c.vision_model = "ViT-X";
        c.text_model = "ViT-B-16";
        std::vector<ConfigIssue> issues = validate(c);
        VERIFY_ISSUE(issues, "vision_model", "unknown model config 'ViT-X'");
        VERIFY_ISSUE(issues, "vision_model", "ViT-B-16");
        VERIFY_ISSUE(issues, "text_model", "is not a text model config (it is a vision config)");

        // A path to a JSON file works; a missing one or an unrelated JSON does not.
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        clipwb::writeFileAtomic(root / "other.json", "{\"hello\": 1}");
        const ConfigResult r =
            fromJson(json{{"vision_model", (kFixtures / "model_configs/Tiny-ViT.json").string()},
                          {"text_model", "other.json"}},
                     root);
        QVERIFY(r.ok());
        QCOMPARE(r.config.text_model, (root / "other.json").string());
        c = validConfig();
        c.vision_model = r.config.vision_model;
        c.text_model = r.config.text_model;
        issues = validate(c);
        QCOMPARE(int(issues.size()), 1);
        VERIFY_ISSUE(issues, "text_model", "is not a text model config");
        c.text_model = (root / "missing.json").string();
        VERIFY_ISSUE(validate(c), "text_model", "model config file not found");

        // context_length beyond the text model's positions (Tiny-BERT has 64).
        c = validConfig();
        c.context_length = 65;
        VERIFY_ISSUE(validate(c), "context_length", "longer than the 64 positions of text model Tiny-BERT");
    }

    void resolveCollectsEverything()
    {
        QTemporaryDir dir;
        const fs::path file = fs::path(dir.path().toStdString()) / "c.json";
        clipwb::writeFileAtomic(file,
                                json{{"batchsize", 8}, {"precision", "fp8"}, {"train_data", "nope"}}.dump());
        const ConfigResult r = resolveConfig(file, {"--mask-ratio", "1.5", "--epochs", "2"});
        VERIFY_ISSUE(r.issues, "batchsize", "did you mean batch_size?");
        VERIFY_ISSUE(r.issues, "--epochs", "did you mean --max-epochs?");
        VERIFY_ISSUE(r.issues, "mask_ratio", "out of range");
        VERIFY_ISSUE(r.issues, "precision", "unknown precision");
        VERIFY_ISSUE(r.issues, "train_data", "folder not found");
        QVERIFY_THROWS_EXCEPTION(clipwb::Error, requireValid(r));
        try {
            requireValid(r);
        } catch (const clipwb::Error& e) {
            QVERIFY(std::string(e.what()).find("precision: unknown precision") != std::string::npos);
        }
        // Flags alone, from the defaults.
        const ConfigResult flagsOnly = resolveConfig(
            std::nullopt,
            {"--train-data", "lmdb/lmdb/train", "--vision-model", "Tiny-ViT", "--text-model", "Tiny-BERT"},
            kFixtures);
        QVERIFY2(flagsOnly.ok(), flagsOnly.errorText().c_str());
        QCOMPARE(requireValid(flagsOnly).train_data, (kFixtures / "lmdb/lmdb/train").string());
    }

    void presetsLoad()
    {
        const std::vector<std::string> names = presetNames();
        QVERIFY(std::find(names.begin(), names.end(), "demo") != names.end());
        QVERIFY(std::find(names.begin(), names.end(), "muge-finetune-vit-b-16") != names.end());
        QVERIFY(std::find(names.begin(), names.end(), "low-memory") != names.end());
        for (const std::string& name : names) {
            const ConfigResult r = loadPreset(name, "/data");
            QVERIFY2(r.ok(), (name + ": " + r.errorText()).c_str());
            QVERIFY2(!presetDescription(name).empty(), name.c_str());
            // Everything but the files (absent under /data) is valid.
            for (const ConfigIssue& issue : validate(r.config))
                QVERIFY2(issue.key == "train_data" || issue.key == "val_data" || issue.key == "resume",
                         (name + ": " + issue.text()).c_str());
        }
        const TrainConfig muge = loadPreset("muge-finetune-vit-b-16", "/data").config;
        QCOMPARE(muge.train_data, std::string("/data/datasets/MUGE/lmdb/train"));
        QCOMPARE(muge.batch_size, 128);
        QCOMPARE(*muge.lr, 5e-5);
        QCOMPARE(muge.wd, 0.001);
        QCOMPARE(muge.warmup, 100);
        QCOMPARE(*muge.max_epochs, int64_t(3));
        QCOMPARE(*muge.valid_step_interval, int64_t(150));
        QVERIFY(muge.use_augment && muge.reset_optimizer && muge.reset_data_offset);
        const TrainConfig lowMemory = loadPreset("low-memory", "/data").config;
        QVERIFY(lowMemory.grad_checkpointing);
        QCOMPARE(lowMemory.batch_size * lowMemory.accum_freq, 128);
        const TrainConfig demo = loadPreset("demo", kFixtures / "lmdb").config;
        QCOMPARE(demo.vision_model, std::string("Tiny-ViT"));
        QCOMPARE(demo.precision, std::string("fp32"));
        QVERIFY(validate(demo).empty()); // the fixture has the demo's layout: lmdb/train, lmdb/valid
        QVERIFY_THROWS_EXCEPTION(clipwb::Error, loadPreset("no-such-preset", "/"));
    }
};

QTEST_GUILESS_MAIN(TestTrainConfig)
#include "TestTrainConfig.moc"
