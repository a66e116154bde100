// The pieces of the training loop against upstream's numerics: AdamW and the
// losses against PyTorch (Debian's python3-torch), the schedule against
// expected.json, the loss scaler against GradScaler's rules, metrics.jsonl.
#include "support/CrossCheck.h"
#include "train/ContrastiveLoss.h"
#include "train/LossScaler.h"
#include "train/LrSchedule.h"
#include "train/MetricsWriter.h"
#include "train/ParameterGroups.h"

#include "common/AtomicFile.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace {

torch::Tensor inputs(std::vector<int64_t> shape, double phase)
{
    int64_t n = 1;
    for (int64_t s : shape)
        n *= s;
    return torch::sin(torch::arange(n, torch::kDouble) * 0.37 + phase).to(torch::kFloat).reshape(shape);
}

nlohmann::json pythonReference()
{
    QProcess python;
    python.start(QStringLiteral("/usr/bin/python3"),
                 {QStringLiteral(CLIPWB_SOURCE_DIR "/tests/train/reference_numerics.py")});
    if (!python.waitForFinished(120000) || python.exitCode() != 0)
        return nullptr;
    return nlohmann::json::parse(python.readAllStandardOutput().toStdString(), nullptr, false);
}

} // namespace

class TestTrainComponents : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void scheduleMatchesUpstreamRates()
    {
        const auto expected = nlohmann::json::parse(
            clipwb::readFile(CLIPWB_TEST_FIXTURES "/train/fp32_bs8/expected.json"));
        for (const auto& step : expected["steps"]) {
            const int64_t s = step["step"].get<int64_t>() - 1;
            // Bit-exact in the warm-up; the cosine within 1 ulp (numpy's cos is SVML on AVX-512 CPUs).
            const double lr = clipwb::train::cosineLearningRate(3e-4, 5, 24, s);
            const double expected = step["lr"].get<double>();
            if (s < 5)
                QVERIFY(lr == expected);
            else
                QVERIFY(std::abs(lr - expected) <= 1e-15 * 3e-4); // 1 ulp of cos, times the base rate
        }
        QCOMPARE(clipwb::train::cosineLearningRate(1.0, 0, 10, 10), 0.0);
    }

    void weightDecayGroupsFollowUpstream()
    {
        using clipwb::train::excludedFromWeightDecay;
        QVERIFY(excludedFromWeightDecay("logit_scale"));
        QVERIFY(excludedFromWeightDecay("visual.ln_pre.weight"));
        QVERIFY(excludedFromWeightDecay("visual.bn1.weight"));
        QVERIFY(excludedFromWeightDecay("bert.encoder.layer.0.attention.output.dense.bias"));
        QVERIFY(!excludedFromWeightDecay("visual.conv1.weight"));
        QVERIFY(!excludedFromWeightDecay("text_projection"));
        QVERIFY(!excludedFromWeightDecay("bert.embeddings.word_embeddings.weight"));
    }

    void adamwAndLossesMatchPyTorch()
    {
        CLIPWB_REQUIRE_PYTHON({QStringLiteral("torch")});
        const nlohmann::json ref = pythonReference();
        QVERIFY2(!ref.is_null() && !ref.is_discarded(), "tests/train/reference_numerics.py failed");
        torch::Tensor a = inputs({4, 3}, 0.1).requires_grad_();
        torch::Tensor b = inputs({5}, 0.2).requires_grad_();
        torch::OrderedDict<std::string, torch::Tensor> named;
        named.insert("layer.weight", a);
        named.insert("layer.bias", b);
        const auto groups = clipwb::train::splitParameterGroups(named);
        QCOMPARE(groups.noDecayNames, std::vector<std::string>{"layer.bias"});
        auto optimizer = clipwb::train::makeAdamW(groups, {3e-4, 0.9, 0.98, 1e-6, 0.2});
        for (int step = 0; step < 3; ++step) {
            clipwb::train::setLearningRate(*optimizer, 3e-4 * (step + 1) / 2);
            clipwb::train::zeroGradients(groups.all());
            a.mutable_grad() = inputs({4, 3}, 1.0 + step);
            b.mutable_grad() = inputs({5}, 2.0 + step);
            optimizer->step();
        }
        auto compare = [](const torch::Tensor& t, const nlohmann::json& values) {
            const torch::Tensor flat = t.detach().flatten();
            QCOMPARE(flat.numel(), static_cast<int64_t>(values.size()));
            for (int64_t i = 0; i < flat.numel(); ++i)
                QVERIFY2(std::abs(flat[i].item<double>() - values[i].get<double>()) <= 1e-7,
                         qPrintable(QString::number(i)));
        };
        compare(a, ref["a"]);
        compare(b, ref["b"]);

        const torch::Tensor img = torch::nn::functional::normalize(
            inputs({6, 8}, 0.3), torch::nn::functional::NormalizeFuncOptions().dim(-1));
        const torch::Tensor txt = torch::nn::functional::normalize(
            inputs({6, 8}, 0.7), torch::nn::functional::NormalizeFuncOptions().dim(-1));
        const auto out = clipwb::train::contrastiveLoss(img, txt, torch::tensor(2.5f).exp(), false);
        QVERIFY(std::abs(out.loss.item<double>() - ref["loss"].get<double>()) <= 1e-6);
        QCOMPARE(out.i2t.item<double>(), ref["i2t"].get<double>());
        QCOMPARE(out.t2i.item<double>(), ref["t2i"].get<double>());
        const torch::Tensor kd = clipwb::train::cosineSimilarityLoss(inputs({6, 12}, 0.9), img);
        QVERIFY(std::abs(kd.item<double>() - ref["kd"].get<double>()) <= 1e-6);
    }

    void lossScalerSkipsNonFiniteStepsAndAdjustsScale()
    {
        torch::Tensor w = torch::ones({3}).requires_grad_();
        torch::optim::SGD sgd({w}, torch::optim::SGDOptions(1.0));
        clipwb::train::LossScalerOptions options;
        options.initScale = 8;
        options.growthInterval = 2;
        clipwb::train::LossScaler scaler(options);

        auto backwardStep = [&](float factor) {
            w.mutable_grad() = torch::Tensor();
            scaler.scale((w * factor).sum()).backward();
            const bool taken = scaler.step(sgd, {w});
            scaler.update();
            return taken;
        };
        QVERIFY(backwardStep(0.5f)); // grad 0.5*8 unscaled back to 0.5
        QVERIFY(torch::allclose(w, torch::full({3}, 0.5f)));
        QCOMPARE(scaler.currentScale(), 8.0);
        QVERIFY(backwardStep(0.25f)); // second clean step: scale grows
        QCOMPARE(scaler.currentScale(), 16.0);
        QVERIFY(torch::allclose(w, torch::full({3}, 0.25f)));
        QVERIFY(!backwardStep(std::numeric_limits<float>::infinity()));
        QCOMPARE(scaler.currentScale(), 8.0);
        QCOMPARE(scaler.growthTracker(), int64_t(0));
        QVERIFY(torch::allclose(w, torch::full({3}, 0.25f))); // skipped: weights unchanged
        QVERIFY(!backwardStep(std::numeric_limits<float>::quiet_NaN()));
        QCOMPARE(scaler.currentScale(), 4.0);
    }

    void metricsLinesAreFlushedAndResumeDropsRepeatedSteps()
    {
        QTemporaryDir dir;
        const std::filesystem::path path = dir.filePath(QStringLiteral("metrics.jsonl")).toStdString();
        {
            clipwb::train::MetricsWriter writer(path);
            for (int s = 1; s <= 3; ++s) {
                clipwb::train::StepMetrics m;
                m.step = s;
                m.epoch = 1;
                m.loss = 2.0 / s;
                writer.writeStep(m);
            }
            clipwb::train::ValidationMetrics v;
            v.step = 3;
            v.loss = 1.5;
            writer.writeValidation(v);
            // flushed: visible before the writer closes
            QCOMPARE(std::count(std::istreambuf_iterator<char>(std::ifstream(path).rdbuf()), {}, '\n'), 4L);
        }
        std::ofstream(path, std::ios::app) << "{\"type\":\"train\",\"st"; // a killed run's partial line
        clipwb::train::MetricsWriter resumed(path, 2);
        std::istringstream in(clipwb::readFile(path));
        std::string line;
        std::vector<nlohmann::json> records;
        while (std::getline(in, line))
            records.push_back(nlohmann::json::parse(line));
        QCOMPARE(records.size(), size_t(2));
        QCOMPARE(records[1]["step"].get<int>(), 2);
        QCOMPARE(records[0]["type"].get<std::string>(), std::string("train"));
        QVERIFY(records[0].contains("time") && records[0].contains("samples_per_s"));
    }
};

QTEST_GUILESS_MAIN(TestTrainComponents)
#include "TestTrainComponents.moc"
