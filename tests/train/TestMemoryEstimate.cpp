// model::estimateTrainingMemory against what really happens on the CPU: the
// parameter count of the built model exactly, and the estimate's total within
// 25% of the peak bytes LibTorch's CPU allocator holds during real training
// steps (the same forward, loss, backward and AdamW step as the Trainer), for
// ViT and ResNet vision towers, with and without gradient checkpointing, in
// fp32 and bf16.
#include "CpuAllocatorMeter.h"

#include "common/AtomicFile.h"
#include "model/Clip.h"
#include "model/MemoryEstimate.h"
#include "model/ModelConfig.h"
#include "model/ScaledDotProductAttention.h"
#include "train/AutocastScope.h"
#include "train/ContrastiveLoss.h"
#include "train/LossScaler.h"
#include "train/ParameterGroups.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <torch/torch.h>

#include <filesystem>

namespace fs = std::filesystem;
using namespace clipwb;

namespace {

struct Measured {
    int64_t peakBytes = 0;
    int64_t parameterCount = 0;
};

/// Peak allocator bytes from before the model is built through `steps` training steps.
Measured measureTraining(const model::ClipModelConfig& config, const model::MemoryEstimateOptions& o,
                         int steps)
{
    auto& meter = CpuAllocatorMeter::install();
    Measured m;
    const int64_t baseline = meter.current();
    meter.resetPeak();
    {
        torch::manual_seed(5);
        model::Clip clip(config);
        clip->setGradCheckpointing(o.gradCheckpointing);
        clip->train();
        for (const auto& p : clip->parameters())
            m.parameterCount += p.numel();
        const auto groups = train::splitParameterGroups(clip->named_parameters());
        train::AdamWSettings settings;
        settings.lr = 1e-4;
        settings.beta1 = 0.9;
        settings.beta2 = 0.98;
        settings.eps = 1e-6;
        settings.weightDecay = 0.2;
        auto optimizer = train::makeAdamW(groups, settings);
        const auto params = groups.all();
        const bool bf16 = o.precision == "bf16";
        for (int step = 0; step < steps; ++step) {
            const auto images =
                torch::randn({o.batchSize, 3, config.imageResolution, config.imageResolution});
            auto texts = torch::randint(106, 21128, {o.batchSize, o.contextLength}, torch::kLong);
            texts.select(1, 0).fill_(101);
            train::zeroGradients(params);
            torch::Tensor loss;
            {
                train::AutocastScope autocast(bf16, torch::kCPU, torch::kBFloat16);
                auto [image, text, scale] = clip->forward(images, texts);
                loss = train::contrastiveLoss(image, text, scale, true).loss;
            }
            loss.backward();
            optimizer->step();
        }
    }
    m.peakBytes = meter.peak() - baseline;
    return m;
}

model::ClipModelConfig configFrom(const QTemporaryDir& dir, const std::string& vision,
                                  const std::string& text)
{
    const fs::path v = fs::path(dir.path().toStdString()) / "vision.json";
    const fs::path t = fs::path(dir.path().toStdString()) / "text.json";
    writeFileAtomic(v, vision);
    writeFileAtomic(t, text);
    return model::loadModelConfig(v.string(), t.string());
}

// A mid-size pair whose activations dominate, as at real sizes: ViT 4 x 256 at 128 px, BERT 4 x 256.
const char* kMidVit = R"({"embed_dim": 128, "image_resolution": 128, "vision_layers": 4, "vision_width": 256,
                          "vision_patch_size": 16})";
const char* kMidBert =
    R"({"vocab_size": 21128, "text_attention_probs_dropout_prob": 0.1, "text_hidden_act": "gelu",
    "text_hidden_dropout_prob": 0.1, "text_hidden_size": 256, "text_initializer_range": 0.02,
    "text_intermediate_size": 1024, "text_max_position_embeddings": 512, "text_num_attention_heads": 4,
    "text_num_hidden_layers": 4, "text_type_vocab_size": 2})";
const char* kSmallResNet = R"({"embed_dim": 128, "image_resolution": 128, "vision_layers": [1, 1, 1, 1],
                               "vision_width": 32, "vision_patch_size": null})";

} // namespace

class TestMemoryEstimate : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void parameterCountIsExact_data()
    {
        QTest::addColumn<QString>("vision");
        QTest::addColumn<QString>("text");
        QTest::newRow("tiny") << "Tiny-ViT"
                              << "Tiny-BERT";
        QTest::newRow("ViT-B-32 + RBT3") << "ViT-B-32"
                                         << "RBT3-chinese";
        QTest::newRow("RN50 + RBT3") << "RN50"
                                     << "RBT3-chinese";
    }
    void parameterCountIsExact()
    {
        QFETCH(QString, vision);
        QFETCH(QString, text);
        const auto config = model::loadModelConfig(vision.toStdString(), text.toStdString());
        model::Clip clip(config);
        int64_t total = 0, visual = 0;
        for (const auto& p : clip->parameters())
            total += p.numel();
        for (const auto& p : clip->visual()->parameters())
            visual += p.numel();
        QCOMPARE(model::parameterCount(config), total);
        QCOMPARE(model::visionParameterCount(config), visual);
    }

    void estimateWithinAQuarterOfTheMeasuredPeak_data()
    {
        QTest::addColumn<QString>("models");
        QTest::addColumn<int>("batch");
        QTest::addColumn<QString>("precision");
        QTest::addColumn<bool>("checkpointing");
        QTest::newRow("tiny, batch 32, fp32") << "tiny" << 32 << "fp32" << false;
        QTest::newRow("mid ViT + BERT, batch 16, fp32") << "mid" << 16 << "fp32" << false;
        QTest::newRow("mid ViT + BERT, batch 16, fp32, checkpointing") << "mid" << 16 << "fp32" << true;
        QTest::newRow("mid ViT + BERT, batch 16, bf16") << "mid" << 16 << "bf16" << false;
        QTest::newRow("small ResNet + BERT, batch 16, fp32") << "resnet" << 16 << "fp32" << false;
    }
    void estimateWithinAQuarterOfTheMeasuredPeak()
    {
        QFETCH(QString, models);
        QFETCH(int, batch);
        QFETCH(QString, precision);
        QFETCH(bool, checkpointing);
        QTemporaryDir dir;
        const model::ClipModelConfig config =
            models == QLatin1String("tiny")  ? model::loadModelConfig("Tiny-ViT", "Tiny-BERT")
            : models == QLatin1String("mid") ? configFrom(dir, kMidVit, kMidBert)
                                             : configFrom(dir, kSmallResNet, kMidBert);
        model::MemoryEstimateOptions o;
        o.batchSize = batch;
        o.contextLength = 52;
        o.precision = precision.toStdString();
        o.cuda = false;
        o.gradCheckpointing = checkpointing;
        o.fusedAttention = model::fusedAttentionEnabled();
        const auto estimate = model::estimateTrainingMemory(config, o);
        const Measured measured = measureTraining(config, o, 2);
        QCOMPARE(measured.parameterCount, estimate.parameterCount);
        const double ratio = estimate.totalBytes / static_cast<double>(measured.peakBytes);
        const QString report = QStringLiteral("estimate %1 MiB vs measured peak %2 MiB (ratio %3)\n%4")
                                   .arg(estimate.totalBytes / 1048576.0, 0, 'f', 1)
                                   .arg(static_cast<double>(measured.peakBytes) / 1048576.0, 0, 'f', 1)
                                   .arg(ratio, 0, 'f', 3)
                                   .arg(QString::fromStdString(estimate.describe()));
        qInfo("%s", qPrintable(report));
        QVERIFY2(ratio > 0.75 && ratio < 1.25, qPrintable(report));
    }

    void largestBatchFitsAndTheNextDoesNot()
    {
        const auto config = model::loadModelConfig("ViT-B-16", "RoBERTa-wwm-ext-base-chinese");
        model::MemoryEstimateOptions o;
        o.precision = "amp";
        o.cuda = true;
        o.fusedAttention = true;
        const double budget = 40.0 * 1024 * 1024 * 1024;
        const int64_t best = model::largestBatchWithin(config, o, budget);
        QVERIFY(best > 1);
        o.batchSize = best;
        QVERIFY(model::estimateTrainingMemory(config, o).totalBytes <= budget);
        o.batchSize = best + 1;
        QVERIFY(model::estimateTrainingMemory(config, o).totalBytes > budget);
        // Gradient checkpointing and less precision each let a larger batch fit.
        o.gradCheckpointing = true;
        QVERIFY(model::largestBatchWithin(config, o, budget) > best);
        o.gradCheckpointing = false;
        o.precision = "fp32";
        QVERIFY(model::largestBatchWithin(config, o, budget) < best);
        QCOMPARE(model::largestBatchWithin(config, o, 1024.0), int64_t(0));
    }

    void configCheckMemoryReportsTheEstimate()
    {
        const QString split = QStringLiteral(CLIPWB_TEST_FIXTURES "/lmdb/lmdb/train");
        const auto run = [&](const QStringList& extra, QString* out, QString* err) {
            QProcess cli;
            cli.start(QStringLiteral(CLIPWB_BIN_DIR "/clipwb-cli"),
                      QStringList{QStringLiteral("config"), QStringLiteral("check"), QStringLiteral("-"),
                                  QStringLiteral("--train-data"), split, QStringLiteral("--vision-model"),
                                  QStringLiteral("Tiny-ViT"), QStringLiteral("--text-model"),
                                  QStringLiteral("Tiny-BERT"), QStringLiteral("--precision"),
                                  QStringLiteral("fp32"), QStringLiteral("--device"), QStringLiteral("cpu"),
                                  QStringLiteral("--max-steps"), QStringLiteral("10")} +
                          extra);
            if (!cli.waitForFinished(60000))
                return -1;
            *out = QString::fromUtf8(cli.readAllStandardOutput());
            *err = QString::fromUtf8(cli.readAllStandardError());
            return cli.exitCode();
        };
        QString out, err;
        QCOMPARE(run({QStringLiteral("--memory"), QStringLiteral("--batch-size"), QStringLiteral("32")}, &out,
                     &err),
                 0);
        for (const char* part :
             {"memory estimate for batch_size 32, precision fp32", "parameters", "gradients",
              "optimizer state (AdamW)", "per sample)", "cpu: ", "fits (largest batch_size"})
            QVERIFY2(out.contains(QLatin1String(part)), qPrintable(out + err));
        // The figures are the library's.
        model::MemoryEstimateOptions o;
        o.batchSize = 32;
        o.fusedAttention = model::fusedAttentionEnabled();
        const auto estimate =
            model::estimateTrainingMemory(model::loadModelConfig("Tiny-ViT", "Tiny-BERT"), o);
        QVERIFY2(out.contains(QStringLiteral("total ") +
                              QString::fromStdString(model::formatBytes(estimate.totalBytes))),
                 qPrintable(out));
        // A batch no machine holds: exit 3 and what to change.
        QCOMPARE(run({QStringLiteral("--memory"), QStringLiteral("--batch-size"), QStringLiteral("1000000")},
                     &out, &err),
                 3);
        QVERIFY2(out.contains(QLatin1String("does NOT fit")) &&
                     out.contains(QLatin1String("grad_checkpointing on")),
                 qPrintable(out));
        // Without --memory the output is the config JSON, as before.
        QCOMPARE(run({}, &out, &err), 0);
        QVERIFY(out.trimmed().startsWith(QLatin1Char('{')));
        // Finding the largest batch needs CUDA: on the CPU it says so and fails.
        QVERIFY(run({QStringLiteral("--find-max-batch")}, &out, &err) != 0);
        QVERIFY2(err.contains(QLatin1String("CUDA device")) && out.isEmpty(), qPrintable(out + err));
    }
};

QTEST_GUILESS_MAIN(TestMemoryEstimate)
#include "TestMemoryEstimate.moc"
