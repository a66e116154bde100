// Held-out parity runs: `clipwb-cli train` against upstream's train()/evaluate()
// on configurations other than fp32_bs8 (tests/fixtures/train/<name>/expected.json,
// produced by tests/train/upstream_train_reference.py from upstream's own code):
// batch size 4 without gradient checkpointing, accum_freq 2, freeze_vision,
// distillation from a local teacher, and clip_weight_path + bert_weight_path
// (upstream's load(): vision + logit_scale from one file, bert from the other).
// Also the weight-loading edge cases: a positional-embedding grid that differs,
// files that match nothing, and a damaged resume checkpoint.
#include "UpstreamRun.h"

#include "model/TorchCheckpoint.h"

#include <QTemporaryDir>
#include <QTest>

#include <fstream>

namespace fs = std::filesystem;
using upstream_run::runCli;

namespace {

/// clip.pt / bert.pt as upstream's clip_weight_path / bert_weight_path take them: bare state
/// dicts without `module.`, made from init.pt. Keys upstream ignores ride along on purpose:
/// text_projection in the CLIP file, bert.pooler in the BERT file.
void writePretrainedFiles(const fs::path& initPt, const fs::path& clipPt, const fs::path& bertPt,
                          int64_t positionGrid = 0)
{
    const auto init = clipwb::model::readTorchCheckpoint(initPt);
    clipwb::model::TorchCheckpoint clip, bert;
    clip.bareStateDict = bert.bareStateDict = true;
    for (const auto& [key, tensor] : init.stateDict) {
        const std::string name = key.substr(std::string("module.").size());
        if (name.rfind("visual", 0) == 0 || name == "logit_scale" || name == "text_projection") {
            torch::Tensor value = tensor;
            if (name == "visual.positional_embedding" && positionGrid > 0)
                value = torch::randn({positionGrid * positionGrid + 1, tensor.size(1)});
            clip.stateDict.emplace_back(name, value);
        } else if (name.rfind("bert", 0) == 0) {
            bert.stateDict.emplace_back(name, tensor);
        }
    }
    bert.stateDict.emplace_back("bert.pooler.dense.weight", torch::randn({64, 64}));
    clipwb::model::writeTorchCheckpoint(clipPt, clip);
    clipwb::model::writeTorchCheckpoint(bertPt, bert);
}

QStringList trainArgs(const fs::path& config, const QString& logs)
{
    return {QStringLiteral("train"), QStringLiteral("--config"), QString::fromStdString(config.string()),
            QStringLiteral("--logs"), logs, QStringLiteral("--device"), QStringLiteral("cpu")};
}

} // namespace

class TestTrainerHeldout : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void matchesUpstream_data()
    {
        QTest::addColumn<QString>("name");
        for (const char* name : {"fp32_bs4", "fp32_accum2", "fp32_freeze_vision", "fp32_distill", "fp32_distill_accum2",
                                 "fp32_pretrained"})
            QTest::newRow(name) << QString::fromLatin1(name);
    }

    void matchesUpstream()
    {
        QFETCH(QString, name);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const fs::path root = dir.path().toStdString();
        const fs::path config = upstream_run::copyTrainFixture(root, name.toStdString());
        if (name.startsWith(QLatin1String("fp32_distill"))) {
            // The teacher (fp32_bs8/final.pt), named relative to the config file as every path in it.
            upstream_run::copyTrainFixture(root, "fp32_bs8");
        }
        if (name == QLatin1String("fp32_pretrained"))
            writePretrainedFiles(root / "model/init.pt", config.parent_path() / "clip.pt",
                                 config.parent_path() / "bert.pt");
        const auto r = runCli(trainArgs(config, dir.filePath(QStringLiteral("runs"))));
        QVERIFY2(r.exitCode == 0, qPrintable(r.stderrText));
        const fs::path run = root / "runs" / name.toStdString();
        const auto expected = nlohmann::json::parse(clipwb::readFile(config.parent_path() / "expected.json"));
        const double worst = upstream_run::compareSteps(run / "metrics.jsonl", expected);
        qInfo("%s: largest relative loss error %.3g over %zu steps", qPrintable(name), worst,
              expected["steps"].size());
        upstream_run::compareValidation(run / "metrics.jsonl", expected);
        const auto ckpt = clipwb::train::readTrainCheckpoint(run / "checkpoints" / "epoch_latest.pt");
        QCOMPARE(ckpt.step.value_or(-1), int64_t(expected["steps"].size()));
        upstream_run::compareFinalParameters(ckpt, expected);
    }

    void pretrainedPositionalEmbeddingIsResized()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const fs::path root = dir.path().toStdString();
        const fs::path config = upstream_run::copyTrainFixture(root, "fp32_pretrained");
        // An 8x8 patch grid for the fixture's 4x4 model, as a 224px checkpoint fine-tuned at 112px.
        writePretrainedFiles(root / "model/init.pt", config.parent_path() / "clip.pt", config.parent_path() / "bert.pt",
                             8);
        QStringList args = trainArgs(config, dir.filePath(QStringLiteral("runs")));
        args << QStringLiteral("--max-steps") << QStringLiteral("1");
        const auto r = runCli(args);
        QVERIFY2(r.exitCode == 0, qPrintable(r.stderrText));
        const std::string log = clipwb::readFile(root / "runs/fp32_pretrained/train.log");
        QVERIFY2(log.find("Resizing position embedding grid-size from 8x8 to 4x4") != std::string::npos, log.c_str());
        QCOMPARE(upstream_run::readRecords(root / "runs/fp32_pretrained/metrics.jsonl", "train").size(), size_t(1));
    }

    void weightFilesThatMatchNothingAreRefused()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const fs::path root = dir.path().toStdString();
        const fs::path config = upstream_run::copyTrainFixture(root, "fp32_pretrained");
        clipwb::model::TorchCheckpoint unrelated;
        unrelated.bareStateDict = true;
        unrelated.stateDict.emplace_back("encoder.weight", torch::ones({2, 2}));
        clipwb::model::writeTorchCheckpoint(config.parent_path() / "clip.pt", unrelated);
        clipwb::model::writeTorchCheckpoint(config.parent_path() / "bert.pt", unrelated);
        const auto r = runCli(trainArgs(config, dir.filePath(QStringLiteral("runs"))));
        QVERIFY(r.exitCode != 0);
        QVERIFY2(r.stderrText.contains(QStringLiteral("clip.pt")) && r.stderrText.contains(QStringLiteral("matches")),
                 qPrintable(r.stderrText));
        QVERIFY(!r.stderrText.contains(QStringLiteral("Exception raised from")));
    }

    void damagedResumeCheckpointFailsClearly()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const fs::path root = dir.path().toStdString();
        const fs::path config = upstream_run::copyTrainFixture(root, "fp32_bs8");
        // Truncated, as a copy cut short would leave it.
        const std::string bytes = clipwb::readFile(root / "model/init.pt");
        std::ofstream(root / "model/init.pt", std::ios::binary | std::ios::trunc).write(bytes.data(), 4096);
        const auto r = runCli(trainArgs(config, dir.filePath(QStringLiteral("runs"))));
        QVERIFY(r.exitCode != 0);
        QVERIFY2(r.stderrText.contains(QStringLiteral("init.pt")), qPrintable(r.stderrText));
        QVERIFY(!r.stderrText.contains(QStringLiteral("Exception raised from")));
        QVERIFY(!fs::exists(root / "runs/fp32_bs8/metrics.jsonl") ||
                upstream_run::readRecords(root / "runs/fp32_bs8/metrics.jsonl", "train").empty());
    }
};

QTEST_GUILESS_MAIN(TestTrainerHeldout)
#include "TestTrainerHeldout.moc"
