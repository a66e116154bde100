// Held-out models of every family (tests/fixtures/model/heldout, written by
// generate_heldout.py with upstream's own model code): a tiny ModifiedResNet
// with an RBT3-shaped text tower, a ViT with an explicit head width and an odd
// patch grid with a RoBERTa-large-shaped text tower, a patch-14 ViT with a
// gelu_new text tower. Each checkpoint must load strictly and give upstream's
// features; loading into another resolution must resize the positional
// embedding exactly as upstream's resize_pos_embed.
#include "common/AtomicFile.h"
#include "data/ImageDecoder.h"
#include "data/ImageTransform.h"
#include "model/ClipWeights.h"
#include "model/TorchCheckpoint.h"
#include "text/Tokenizer.h"

#include <QTest>

#include <nlohmann/json.hpp>

using namespace clipwb;

namespace {
const std::string kHeldout = std::string(CLIPWB_TEST_FIXTURES) + "/model/heldout/";
constexpr double kTolerance = 1e-4;

torch::Tensor matrixFromJson(const nlohmann::json& rows)
{
    std::vector<float> values;
    for (const auto& row : rows)
        for (const auto& v : row)
            values.push_back(v.get<float>());
    return torch::tensor(values).view({static_cast<int64_t>(rows.size()), -1});
}

const nlohmann::json& expected()
{
    static const nlohmann::json json = nlohmann::json::parse(readFile(kHeldout + "expected.json"));
    return json;
}

const nlohmann::json& entry(const char* list, const std::string& name)
{
    for (const auto& item : expected()[list])
        if (item["name"] == name)
            return item;
    throw std::runtime_error("no held-out entry " + name);
}

torch::Tensor imagesAt(int resolution, const nlohmann::json* pixelMeans)
{
    std::vector<torch::Tensor> images;
    const auto& names = expected()["images"];
    for (size_t i = 0; i < names.size(); ++i) {
        const std::string name = names[i];
        const cv::Mat rgb = data::decodeImageRgb(readFile(kHeldout + name), name);
        images.push_back(data::preprocessForEval(rgb, resolution));
        if (pixelMeans) {
            const double error =
                std::abs(images.back().mean().item<double>() - (*pixelMeans)[i].get<double>());
            if (error > 1e-5)
                throw std::runtime_error("preprocessed " + name + " differs from upstream's by " +
                                         std::to_string(error));
        }
    }
    return torch::stack(images);
}

double maxError(const torch::Tensor& actual, const nlohmann::json& expectedRows)
{
    return (actual - matrixFromJson(expectedRows)).abs().max().item<double>();
}
} // namespace

class TestHeldoutModels : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void featuresMatchUpstream_data()
    {
        QTest::addColumn<QString>("name");
        for (const auto& model : expected()["models"]) {
            const std::string name = model["name"];
            QTest::newRow(name.c_str()) << QString::fromStdString(name);
        }
    }

    void featuresMatchUpstream()
    {
        QFETCH(QString, name);
        const auto& spec = entry("models", name.toStdString());
        model::Clip clip(model::loadModelConfig(kHeldout + spec["vision"].get<std::string>(),
                                                kHeldout + spec["text"].get<std::string>()));
        const auto checkpoint = model::readTorchCheckpoint(kHeldout + spec["checkpoint"].get<std::string>());
        QCOMPARE(checkpoint.epoch.value_or(-1), int64_t(3));
        QCOMPARE(checkpoint.step.value_or(-1), int64_t(42));
        QCOMPARE(QString::fromStdString(checkpoint.name), name);
        const auto report = model::loadClipWeights(clip, checkpoint.stateDict, /*strict=*/true);
        QCOMPARE(report.loaded.size(), clip->stateDict().size());
        QVERIFY(report.resizedPositionalEmbedding.empty());
        int64_t parameters = 0;
        for (const auto& p : clip->parameters())
            parameters += p.numel();
        QCOMPARE(parameters, spec["parameters"].get<int64_t>());
        clip->eval();
        torch::NoGradGuard noGrad;

        const auto images =
            imagesAt(static_cast<int>(clip->config().imageResolution), &spec["pixel_mean_per_image"]);
        const auto tokenizer = text::Tokenizer::fromEmbeddedVocab();
        const int context = spec["context_length"];
        std::vector<torch::Tensor> texts;
        const auto& textList = expected()["texts"];
        for (size_t i = 0; i < textList.size(); ++i) {
            const auto ids = tokenizer.encode(text::preprocessText(textList[i].get<std::string>()), context);
            QCOMPARE(ids, spec["text_ids"][i].get<std::vector<int64_t>>());
            texts.push_back(torch::tensor(ids));
        }
        const auto [imageFeatures, textFeatures, scale] = clip->forward(images, torch::stack(texts));
        const double imageError = maxError(imageFeatures, spec["image_features"]);
        const double textError = maxError(textFeatures, spec["text_features"]);
        qInfo("%s: max abs difference image %.3g, text %.3g", qPrintable(name), imageError, textError);
        QVERIFY2(imageError < kTolerance, std::to_string(imageError).c_str());
        QVERIFY2(textError < kTolerance, std::to_string(textError).c_str());
        QVERIFY(std::abs(clip->logitScale().item<double>() - spec["logit_scale"].get<double>()) < 1e-6);
    }

    // convert-checkpoint --fp16 decides by name which tensors go half; the model-based rounding
    // (roundLikeUpstreamConvertWeights, by module type as upstream's convert_weights) must agree
    // on every tensor of every family.
    void halfPrecisionRuleMatchesModuleTypes_data() { featuresMatchUpstream_data(); }

    void halfPrecisionRuleMatchesModuleTypes()
    {
        QFETCH(QString, name);
        const auto& spec = entry("models", name.toStdString());
        model::Clip clip(model::loadModelConfig(kHeldout + spec["vision"].get<std::string>(),
                                                kHeldout + spec["text"].get<std::string>()));
        torch::NoGradGuard noGrad;
        std::vector<std::pair<std::string, torch::Tensor>> before;
        for (auto& [key, tensor] : clip->stateDict()) {
            if (tensor.is_floating_point())
                tensor.copy_(torch::randn(tensor.sizes()) + 0.1); // values fp16 cannot hold exactly
            before.emplace_back(key, tensor.clone());
        }
        model::roundLikeUpstreamConvertWeights(clip);
        int halves = 0;
        const auto after = clip->stateDict();
        for (size_t i = 0; i < after.size(); ++i) {
            const bool rounded = !torch::equal(after[i].second, before[i].second);
            QVERIFY2(rounded == model::upstreamConvertsToHalf(after[i].first), after[i].first.c_str());
            halves += rounded;
        }
        QVERIFY(halves > 0 && halves < static_cast<int>(after.size()));
    }

    void positionalEmbeddingResizedAsUpstream_data()
    {
        QTest::addColumn<QString>("name");
        for (const auto& resized : expected()["resized"]) {
            const std::string name = resized["name"];
            QTest::newRow(name.c_str()) << QString::fromStdString(name);
        }
    }

    void positionalEmbeddingResizedAsUpstream()
    {
        QFETCH(QString, name);
        const auto& spec = entry("resized", name.toStdString());
        model::Clip clip(model::loadModelConfig(kHeldout + spec["vision"].get<std::string>(),
                                                kHeldout + spec["text"].get<std::string>()));
        const auto checkpoint = model::readTorchCheckpoint(kHeldout + spec["checkpoint"].get<std::string>());
        const auto report = model::loadClipWeights(clip, checkpoint.stateDict, /*strict=*/true);
        const std::string oldGrid = std::to_string(spec["old_grid"].get<int>());
        const std::string newGrid = std::to_string(spec["new_grid"].get<int>());
        QCOMPARE(
            QString::fromStdString(report.resizedPositionalEmbedding),
            QString::fromStdString("from " + oldGrid + "x" + oldGrid + " to " + newGrid + "x" + newGrid));
        clip->eval();
        torch::NoGradGuard noGrad;
        torch::Tensor position;
        for (const auto& [key, tensor] : clip->stateDict())
            if (key == "visual.positional_embedding")
                position = tensor;
        const double positionError = maxError(position, spec["positional_embedding"]);
        const auto features =
            clip->encodeImage(imagesAt(static_cast<int>(clip->config().imageResolution), nullptr));
        const double imageError = maxError(features / features.norm(2, -1, true), spec["image_features"]);
        qInfo("%s: max abs difference positional embedding %.3g, image features %.3g", qPrintable(name),
              positionError, imageError);
        QVERIFY2(positionError < 1e-5, std::to_string(positionError).c_str());
        QVERIFY2(imageError < kTolerance, std::to_string(imageError).c_str());
    }
};

QTEST_GUILESS_MAIN(TestHeldoutModels)
#include "TestHeldoutModels.moc"
