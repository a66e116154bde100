// From upstream's init.pt (Tiny-ViT + Tiny-BERT), reproduce the image and text
// features upstream computed (tests/fixtures/model/expected.json).
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
const std::string kFixtures = std::string(CLIPWB_TEST_FIXTURES) + "/model/";

torch::Tensor featuresFromJson(const nlohmann::json& rows)
{
    std::vector<float> values;
    for (const auto& row : rows)
        for (const auto& v : row)
            values.push_back(v.get<float>());
    return torch::tensor(values).view({static_cast<int64_t>(rows.size()), -1});
}
} // namespace

class TestClipParity : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void featuresMatchUpstream()
    {
        const auto expected = nlohmann::json::parse(readFile(kFixtures + "expected.json"));
        model::Clip clip(model::loadModelConfig(expected["vision_model"], expected["text_model"]));
        const auto checkpoint = model::readTorchCheckpoint(kFixtures + "init.pt");
        const auto report = model::loadClipWeights(clip, checkpoint.stateDict, /*strict=*/true);
        QCOMPARE(report.loaded.size(), clip->stateDict().size());
        clip->eval();
        torch::NoGradGuard noGrad;

        std::vector<torch::Tensor> images;
        const auto pixelMeans = expected["pixel_mean_per_image"];
        for (size_t i = 0; i < expected["images"].size(); ++i) {
            const std::string name = expected["images"][i];
            const cv::Mat rgb = data::decodeImageRgb(readFile(kFixtures + name), name);
            images.push_back(data::preprocessForEval(rgb, static_cast<int>(clip->config().imageResolution)));
            QVERIFY(std::abs(images.back().mean().item<double>() - pixelMeans[i].get<double>()) < 1e-5);
        }
        const auto tokenizer = text::Tokenizer::fromEmbeddedVocab();
        const int context = expected["context_length"];
        std::vector<torch::Tensor> texts;
        for (const auto& text : expected["texts"])
            // Upstream's evaluation applies the text preprocessing (curly quotes -> '"') first.
            texts.push_back(
                torch::tensor(tokenizer.encode(text::preprocessText(text.get<std::string>()), context)));

        const auto [imageFeatures, textFeatures, scale] =
            clip->forward(torch::stack(images), torch::stack(texts));
        const double imageError =
            (imageFeatures - featuresFromJson(expected["image_features"])).abs().max().item<double>();
        const auto textDiff = (textFeatures - featuresFromJson(expected["text_features"])).abs().amax(1);
        const double textError = textDiff.max().item<double>();
        qInfo("max abs difference: image %.3g, text %.3g", imageError, textError);
        QVERIFY2(imageError < 1e-4, std::to_string(imageError).c_str());
        QVERIFY2(textError < 1e-4, std::to_string(textError).c_str());
        QVERIFY(std::abs(clip->logitScale().item<double>() - expected["logit_scale"].get<double>()) < 1e-6);
        QVERIFY(std::abs(scale.item<double>() - std::exp(expected["logit_scale"].get<double>())) < 1e-4);
    }
};

QTEST_GUILESS_MAIN(TestClipParity)
#include "TestClipParity.moc"
