// Checkpoints written by clipwb, read by upstream: clipwb-cli convert-checkpoint
// (plain, --strip-optimizer, --fp16) and a `clipwb-cli train` checkpoint are
// loaded by upstream Chinese-CLIP's own model code with
// load_state_dict(strict=True) (upstream_load_check.py); the features upstream
// computes from them must equal clipwb's for the same inputs, a --fp16 file
// must have exactly the dtypes of upstream's convert_weights(), and a trainer
// checkpoint's optimizer must load into upstream's AdamW parameter groups.
// Needs upstream's source: CLIPWB_UPSTREAM_SRC (a checkout of
// github.com/OFA-Sys/Chinese-CLIP) or the copy packaging/upstream-src.sh
// unpacks, and /usr/bin/python3 with torch (tests/support/CrossCheck.h).
#include "support/CrossCheck.h"
#include "PythonTorch.h"

#include "common/AtomicFile.h"
#include "data/ImageDecoder.h"
#include "data/ImageTransform.h"
#include "model/ClipWeights.h"
#include "model/TorchCheckpoint.h"
#include "text/Tokenizer.h"

#include <QDir>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>

using namespace clipwb;

namespace {
const std::string kFixtures = std::string(CLIPWB_TEST_FIXTURES) + "/";
constexpr double kTolerance = 1e-4;

struct Job {
    std::string name;
    std::string checkpoint;
    std::string vision;
    std::string text;
    int contextLength = 52;
    bool fp16 = false;
};

QString runProcess(const QString& program, const QStringList& args, QString* error)
{
    QProcess process;
    process.start(program, args);
    if (!process.waitForFinished(300000) || process.exitStatus() != QProcess::NormalExit ||
        process.exitCode() != 0) {
        *error = program + QStringLiteral(" ") + args.join(QLatin1Char(' ')) + QStringLiteral(": ") +
                 QString::fromUtf8(process.readAllStandardError()).right(2000);
        return {};
    }
    return QString::fromUtf8(process.readAllStandardOutput());
}

torch::Tensor matrixFromJson(const nlohmann::json& rows)
{
    std::vector<float> values;
    for (const auto& row : rows)
        for (const auto& v : row)
            values.push_back(v.get<float>());
    return torch::tensor(values).view({static_cast<int64_t>(rows.size()), -1});
}
} // namespace

class TestUpstreamInterop : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::vector<Job> m_jobs;
    std::vector<std::string> m_images;
    std::vector<std::string> m_texts;
    nlohmann::json m_upstream;

    std::string temp(const char* name) const { return m_dir.filePath(QString::fromUtf8(name)).toStdString(); }

    void cli(const QStringList& args)
    {
        QString error;
        runProcess(QStringLiteral(CLIPWB_BIN_DIR "/clipwb-cli"), args, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }

private Q_SLOTS:
    void initTestCase()
    {
        CLIPWB_REQUIRE_UPSTREAM_SOURCE();
        CLIPWB_REQUIRE_PYTHON({QStringLiteral("torch"), QStringLiteral("torchvision"), QStringLiteral("PIL"),
                               QStringLiteral("numpy"), QStringLiteral("six")});
        CLIPWB_REQUIRE_CLI();
        const QString source = test::upstreamSource();
        QVERIFY(m_dir.isValid());

        const QString init = QString::fromStdString(kFixtures + "model/init.pt");
        const QString resnet = QString::fromStdString(kFixtures + "model/heldout/rn-tiny.pt");
        cli({QStringLiteral("convert-checkpoint"), init, QString::fromStdString(temp("init-slim.pt")),
             QStringLiteral("--strip-optimizer")});
        cli({QStringLiteral("convert-checkpoint"), init, QString::fromStdString(temp("init-fp16.pt")),
             QStringLiteral("--strip-optimizer"), QStringLiteral("--fp16")});
        cli({QStringLiteral("convert-checkpoint"), resnet, QString::fromStdString(temp("rn-copy.pt"))});
        cli({QStringLiteral("convert-checkpoint"), resnet, QString::fromStdString(temp("rn-fp16.pt")),
             QStringLiteral("--fp16")});
        // Two optimizer steps from init.pt on the reference training config.
        cli({QStringLiteral("train"), QStringLiteral("--config"),
             QString::fromStdString(kFixtures + "train/fp32_bs8/config.json"), QStringLiteral("--max-steps"),
             QStringLiteral("2"), QStringLiteral("--valid-step-interval"), QStringLiteral("1000"),
             QStringLiteral("--logs"), m_dir.filePath(QStringLiteral("runs"))});
        const std::string trained = temp("runs/fp32_bs8/checkpoints/epoch_latest.pt");
        QVERIFY2(std::filesystem::exists(trained), trained.c_str());

        const std::string tiny = kFixtures + "model_configs/";
        const std::string heldout = kFixtures + "model/heldout/";
        m_jobs = {
            {"init.pt --strip-optimizer", temp("init-slim.pt"), tiny + "Tiny-ViT.json",
             tiny + "Tiny-BERT.json"},
            {"init.pt --fp16", temp("init-fp16.pt"), tiny + "Tiny-ViT.json", tiny + "Tiny-BERT.json", 52,
             true},
            {"train 2 steps", trained, tiny + "Tiny-ViT.json", tiny + "Tiny-BERT.json"},
            {"ResNet rewritten", temp("rn-copy.pt"), heldout + "rn-tiny.vision.json",
             heldout + "rn-tiny.text.json", 24},
            {"ResNet --fp16", temp("rn-fp16.pt"), heldout + "rn-tiny.vision.json",
             heldout + "rn-tiny.text.json", 24, true},
        };
        // The held-out texts: their tokens fit the small vocabulary of the ResNet model too.
        const auto expected = nlohmann::json::parse(readFile(heldout + "expected.json"));
        for (const auto& image : expected["images"])
            m_images.push_back(heldout + image.get<std::string>());
        m_texts = expected["texts"].get<std::vector<std::string>>();
        nlohmann::json request = {
            {"images", m_images}, {"texts", m_texts}, {"jobs", nlohmann::json::array()}};
        for (const Job& job : m_jobs)
            request["jobs"].push_back({{"name", job.name},
                                       {"checkpoint", job.checkpoint},
                                       {"vision", job.vision},
                                       {"text", job.text},
                                       {"context_length", job.contextLength},
                                       {"fp16", job.fp16}});
        writeFileAtomic(temp("request.json"), request.dump());
        QString error;
        const QString output =
            runProcess(QStringLiteral("/usr/bin/python3"),
                       {QStringLiteral(CLIPWB_SOURCE_DIR "/tests/model/upstream_load_check.py"),
                        source, QString::fromStdString(temp("request.json"))},
                       &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        m_upstream = nlohmann::json::parse(output.toStdString());
        QCOMPARE(m_upstream["jobs"].size(), m_jobs.size());
    }

    void upstreamLoadsStrictlyWithSameFeatures_data()
    {
        QTest::addColumn<int>("index");
        for (size_t i = 0; i < m_jobs.size(); ++i)
            QTest::newRow(m_jobs[i].name.c_str()) << static_cast<int>(i);
    }

    void upstreamLoadsStrictlyWithSameFeatures()
    {
        QFETCH(int, index);
        const Job& job = m_jobs[static_cast<size_t>(index)];
        const auto& upstream = m_upstream["jobs"][static_cast<size_t>(index)];
        QCOMPARE(upstream["name"].get<std::string>(), job.name);

        model::Clip clip(model::loadModelConfig(job.vision, job.text));
        const auto checkpoint = model::readTorchCheckpoint(job.checkpoint);
        model::loadClipWeights(clip, checkpoint.stateDict, /*strict=*/true);
        clip->eval();
        torch::NoGradGuard noGrad;
        const int resolution = static_cast<int>(clip->config().imageResolution);
        std::vector<torch::Tensor> images;
        for (const std::string& path : m_images)
            images.push_back(data::preprocessForEval(data::decodeImageRgb(readFile(path), path), resolution));
        const auto tokenizer = text::Tokenizer::fromEmbeddedVocab();
        std::vector<torch::Tensor> texts;
        for (const std::string& text : m_texts)
            texts.push_back(torch::tensor(tokenizer.encode(text::preprocessText(text), job.contextLength)));
        const auto [imageFeatures, textFeatures, scale] =
            clip->forward(torch::stack(images), torch::stack(texts));

        const double imageError =
            (imageFeatures - matrixFromJson(upstream["image_features"])).abs().max().item<double>();
        const double textError =
            (textFeatures - matrixFromJson(upstream["text_features"])).abs().max().item<double>();
        int halves = 0;
        for (const auto& [name, tensor] : checkpoint.stateDict)
            halves += tensor.scalar_type() == torch::kHalf;
        qInfo("%s: upstream loaded %d keys strictly (%d fp16, optimizer %s); max abs difference image %.3g, "
              "text "
              "%.3g",
              job.name.c_str(), upstream["keys"].get<int>(), upstream["half_tensors"].get<int>(),
              upstream["optimizer_loaded"].get<bool>() ? "loaded" : "absent", imageError, textError);
        QCOMPARE(upstream["keys"].get<size_t>(), checkpoint.stateDict.size());
        QCOMPARE(upstream["half_tensors"].get<int>(), halves);
        QVERIFY2(upstream["dtype_mismatches"].empty(), upstream["dtype_mismatches"].dump().c_str());
        QCOMPARE(upstream["half_tensors"].get<int>() > 0, job.fp16);
        QCOMPARE(upstream["optimizer_loaded"].get<bool>(), checkpoint.optimizer.has_value());
        QCOMPARE(upstream["epoch"].is_null() ? int64_t(-1) : upstream["epoch"].get<int64_t>(),
                 checkpoint.epoch.value_or(-1));
        QCOMPARE(upstream["step"].is_null() ? int64_t(-1) : upstream["step"].get<int64_t>(),
                 checkpoint.step.value_or(-1));
        QVERIFY2(imageError < kTolerance, std::to_string(imageError).c_str());
        QVERIFY2(textError < kTolerance, std::to_string(textError).c_str());
        QVERIFY(std::abs(clip->logitScale().item<double>() - upstream["logit_scale"].get<double>()) < 1e-6);
    }
};

QTEST_GUILESS_MAIN(TestUpstreamInterop)
#include "TestUpstreamInterop.moc"
