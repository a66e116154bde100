// Checkpoint summaries and conversion, in the core and through clipwb-cli.
#include "support/CrossCheck.h"
#include "common/AtomicFile.h"
#include "model/CheckpointInfo.h"
#include "model/ClipWeights.h"
#include "model/TorchCheckpoint.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <filesystem>

using namespace clipwb;

namespace {
const std::string kInit = std::string(CLIPWB_TEST_FIXTURES) + "/model/init.pt";

struct CliResult {
    int exitCode = -1;
    QString out;
    QString err;
};

CliResult runCli(const QStringList& args)
{
    QProcess process;
    process.start(QStringLiteral(CLIPWB_BIN_DIR "/clipwb-cli"), args);
    CliResult result;
    if (!process.waitForFinished(120000))
        return result;
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    result.out = QString::fromUtf8(process.readAllStandardOutput());
    result.err = QString::fromUtf8(process.readAllStandardError());
    return result;
}
} // namespace

class TestCheckpointInfo : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void summaryOfUpstreamCheckpoint()
    {
        const auto summary = model::readCheckpointSummary(kInit);
        QCOMPARE(summary.epoch, std::optional<int64_t>(0));
        QCOMPARE(summary.step, std::optional<int64_t>(0));
        QCOMPARE(summary.name, std::string("refgen"));
        QVERIFY(summary.hasOptimizer);
        QVERIFY(!summary.bareStateDict);
        QCOMPARE(summary.tensors.size(), size_t(71));
        QCOMPARE(summary.tensors[2].name, std::string("module.visual.class_embedding"));
        QCOMPARE(summary.tensors[2].shape, std::vector<int64_t>{64});
        QCOMPARE(summary.tensors[2].dtype, std::string("float32"));
        int64_t total = 0;
        for (const auto& [name, tensor] : model::readTorchCheckpoint(kInit).stateDict)
            total += tensor.numel();
        QCOMPARE(summary.parameterCount, total);
        QCOMPARE(summary.stateDictBytes, static_cast<uint64_t>(total) * 4);
        QCOMPARE(summary.fileSize, static_cast<uint64_t>(std::filesystem::file_size(kInit)));
        QCOMPARE(summary.guessedVisionModel, std::string("Tiny-ViT"));
        QCOMPARE(summary.guessedTextModel, std::string("Tiny-BERT"));
        const std::string text = summary.toText();
        const size_t line = text.find("module.visual.positional_embedding ");
        QVERIFY(line != std::string::npos);
        QVERIFY(text.substr(line, text.find('\n', line) - line).find(" [17, 64] float32") !=
                std::string::npos);
        QCOMPARE(summary.toJson()["tensors"].size(), size_t(71));
    }

    void convertStripsOptimizerAndHalves()
    {
        QTemporaryDir dir;
        const std::string out = dir.filePath(QStringLiteral("slim.pt")).toStdString();
        model::TorchCheckpoint withOptimizer = model::readTorchCheckpoint(kInit);
        const std::string big = dir.filePath(QStringLiteral("big.pt")).toStdString();
        model::TorchObject optimizer;
        optimizer.value =
            pickle::Value::dict({{pickle::Value::string("state"),
                                  pickle::Value::dict({{pickle::Value::integer(0),
                                                        optimizer.addTensor(torch::zeros({21128, 64}))}})},
                                 {pickle::Value::string("param_groups"), pickle::Value::list()}});
        withOptimizer.optimizer = optimizer;
        model::writeTorchCheckpoint(big, withOptimizer);

        model::convertCheckpoint(big, out, /*stripOptimizer=*/true, /*fp16=*/true);
        const auto converted = model::readTorchCheckpoint(out);
        QVERIFY(!converted.optimizer.has_value());
        QCOMPARE(converted.epoch, withOptimizer.epoch);
        QCOMPARE(converted.name, withOptimizer.name);
        QCOMPARE(converted.stateDict.size(), withOptimizer.stateDict.size());
        for (size_t i = 0; i < converted.stateDict.size(); ++i) {
            const std::string& name = converted.stateDict[i].first;
            QCOMPARE(name, withOptimizer.stateDict[i].first);
            // As upstream's convert_weights(): LayerNorms, embeddings of the image tower and
            // logit_scale stay fp32.
            const bool half = model::upstreamConvertsToHalf(name);
            QCOMPARE(converted.stateDict[i].second.scalar_type(), half ? torch::kHalf : torch::kFloat);
            QVERIFY(torch::equal(
                converted.stateDict[i].second,
                withOptimizer.stateDict[i].second.to(converted.stateDict[i].second.scalar_type())));
        }
        const auto dtypeOf = [&](const std::string& key) {
            for (const auto& [name, tensor] : converted.stateDict)
                if (name == key)
                    return tensor.scalar_type();
            return torch::kBool;
        };
        QCOMPARE(dtypeOf("module.visual.transformer.resblocks.0.attn.in_proj_weight"), torch::kHalf);
        QCOMPARE(dtypeOf("module.visual.transformer.resblocks.0.attn.out_proj.bias"), torch::kHalf);
        QCOMPARE(dtypeOf("module.visual.transformer.resblocks.0.mlp.c_fc.weight"), torch::kHalf);
        QCOMPARE(dtypeOf("module.visual.conv1.weight"), torch::kHalf);
        QCOMPARE(dtypeOf("module.visual.proj"), torch::kHalf);
        QCOMPARE(dtypeOf("module.text_projection"), torch::kHalf);
        QCOMPARE(dtypeOf("module.bert.encoder.layer.0.attention.output.LayerNorm.weight"), torch::kHalf);
        QCOMPARE(dtypeOf("module.bert.embeddings.word_embeddings.weight"), torch::kHalf);
        QCOMPARE(dtypeOf("module.visual.transformer.resblocks.0.ln_1.weight"), torch::kFloat);
        QCOMPARE(dtypeOf("module.visual.positional_embedding"), torch::kFloat);
        QCOMPARE(dtypeOf("module.visual.class_embedding"), torch::kFloat);
        QCOMPARE(dtypeOf("module.visual.ln_post.bias"), torch::kFloat);
        QCOMPARE(dtypeOf("module.logit_scale"), torch::kFloat);
        QVERIFY(std::filesystem::file_size(out) * 3 < std::filesystem::file_size(big));
        // Strip only, in place.
        model::convertCheckpoint(big, big, true, false);
        QVERIFY(!model::readTorchCheckpoint(big).optimizer.has_value());
        QCOMPARE(model::readTorchCheckpoint(big).stateDict[0].second.scalar_type(), torch::kFloat);
    }

    void cliSummaryAndConvert()
    {
        CLIPWB_REQUIRE_CLI();
        QTemporaryDir dir;
        auto result = runCli({QStringLiteral("convert-checkpoint"), QStringLiteral("--summary"),
                              QStringLiteral("--json"), QString::fromStdString(kInit)});
        QCOMPARE(result.exitCode, 0);
        const auto json = nlohmann::json::parse(result.out.toStdString());
        QCOMPARE(json["epoch"].get<int>(), 0);
        QCOMPARE(json["name"].get<std::string>(), std::string("refgen"));
        QCOMPARE(json["tensors"].size(), size_t(71));
        QCOMPARE(json["vision_model"].get<std::string>(), std::string("Tiny-ViT"));

        result = runCli({QStringLiteral("convert-checkpoint"), QStringLiteral("--summary"),
                         QString::fromStdString(kInit)});
        QCOMPARE(result.exitCode, 0);
        QVERIFY(result.out.contains(QStringLiteral("step: 0")));
        QVERIFY(result.out.contains(QStringLiteral("module.bert.embeddings.word_embeddings.weight")));

        const QString out = dir.filePath(QStringLiteral("fp16.pt"));
        result = runCli({QStringLiteral("convert-checkpoint"), QString::fromStdString(kInit), out,
                         QStringLiteral("--strip-optimizer"), QStringLiteral("--fp16")});
        QVERIFY2(result.exitCode == 0, qPrintable(result.err));
        const auto summary = model::readCheckpointSummary(out.toStdString());
        QVERIFY(!summary.hasOptimizer);
        QCOMPARE(summary.tensors[0].dtype, std::string("float16"));

        // Bad input: exit 1, one line naming the file, no output left behind.
        const QString bad = dir.filePath(QStringLiteral("bad.pt"));
        writeFileAtomic(bad.toStdString(), "garbage");
        const QString target = dir.filePath(QStringLiteral("never.pt"));
        result = runCli({QStringLiteral("convert-checkpoint"), bad, target, QStringLiteral("--fp16")});
        QCOMPARE(result.exitCode, 1);
        QVERIFY(result.err.contains(bad));
        QCOMPARE(result.err.trimmed().count(QLatin1Char('\n')), 0);
        QVERIFY(!QFile::exists(target));
        result = runCli({QStringLiteral("convert-checkpoint"), QStringLiteral("--summary"), bad});
        QCOMPARE(result.exitCode, 1);
        result = runCli({QStringLiteral("convert-checkpoint"), QString::fromStdString(kInit)});
        QCOMPARE(result.exitCode, 1);
        QVERIFY(result.err.contains(QStringLiteral("usage")));
    }
};

QTEST_GUILESS_MAIN(TestCheckpointInfo)
#include "TestCheckpointInfo.moc"
