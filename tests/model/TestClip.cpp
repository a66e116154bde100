#include "ShapeFixture.h"
#include "model/Clip.h"
#include "model/GradCheckpoint.h"
#include "model/ModelConfig.h"
#include "model/ScaledDotProductAttention.h"

#include <QTest>

using namespace clipwb;
using model::Clip;
using model::loadModelConfig;

namespace {

void compareWithUpstream(const std::vector<std::string>& ours, const nlohmann::json& upstream,
                         const char* what)
{
    const auto expected = upstream.get<std::vector<std::string>>();
    for (size_t i = 0; i < std::min(ours.size(), expected.size()); ++i)
        QVERIFY2(ours[i] == expected[i],
                 (std::string(what) + ": ours '" + ours[i] + "', upstream '" + expected[i] + "'").c_str());
    QCOMPARE(ours.size(), expected.size());
}

model::ClipModelConfig tinyResNetConfig()
{
    auto json = loadModelConfig("RN50", "Tiny-BERT").toJson();
    json["vision_layers"] = "[1,2,1,1]";
    json["vision_width"] = 8;
    json["image_resolution"] = 64;
    json["embed_dim"] = 16;
    return model::parseModelConfig(json, "tiny resnet");
}

double maxDifference(const torch::Tensor& a, const torch::Tensor& b)
{
    return (a - b).abs().max().item<double>();
}

} // namespace

class TestClip : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { torch::manual_seed(0); }

    void smallConfigsMatchUpstreamStateDict_data()
    {
        QTest::addColumn<QString>("vision");
        QTest::addColumn<QString>("text");
        for (const char* vision : {"Tiny-ViT", "RN50", "ViT-B-16", "ViT-B-32"})
            QTest::newRow(vision) << vision << "Tiny-BERT";
        for (const char* text : {"Tiny-BERT", "RBT3-chinese", "RoBERTa-wwm-ext-base-chinese"})
            QTest::newRow(text) << "Tiny-ViT" << text;
    }

    void smallConfigsMatchUpstreamStateDict()
    {
        QFETCH(QString, vision);
        QFETCH(QString, text);
        const auto upstream = test::upstreamShapes();
        Clip clip(loadModelConfig(vision.toStdString(), text.toStdString()));
        if (text == QLatin1String("Tiny-BERT"))
            compareWithUpstream(test::describedStateDict(clip, "visual.", false),
                                upstream["vision"][vision.toStdString()], "vision");
        if (vision == QLatin1String("Tiny-ViT"))
            compareWithUpstream(test::describedStateDict(clip, "visual.", true),
                                upstream["text"][text.toStdString()], "text");
        // Every parameter is trainable; every tensor of the state dict is a parameter or a buffer.
        QCOMPARE(clip->named_parameters().size() + clip->named_buffers().size(), clip->stateDict().size());
    }

    void vitForwardGivesNormalisedFeatures()
    {
        Clip clip(loadModelConfig("Tiny-ViT", "Tiny-BERT"));
        clip->eval();
        const auto images = torch::randn({3, 3, 64, 64});
        const auto texts =
            torch::tensor({{101, 2345, 102, 0, 0}, {101, 33, 44, 55, 102}, {101, 102, 0, 0, 0}});
        const auto [imageFeatures, textFeatures, scale] = clip->forward(images, texts);
        QCOMPARE(imageFeatures.sizes().vec(), (std::vector<int64_t>{3, 32}));
        QCOMPARE(textFeatures.sizes().vec(), (std::vector<int64_t>{3, 32}));
        QVERIFY(maxDifference(imageFeatures.norm(2, -1), torch::ones({3})) < 1e-5);
        QVERIFY(maxDifference(textFeatures.norm(2, -1), torch::ones({3})) < 1e-5);
        QVERIFY(std::abs(scale.item<double>() - 1.0 / 0.07) < 1e-3);
    }

    void paddingDoesNotChangeTextFeatures()
    {
        Clip clip(loadModelConfig("Tiny-ViT", "Tiny-BERT"));
        clip->eval();
        torch::NoGradGuard noGrad;
        const auto short_ = clip->encodeText(torch::tensor({{101, 678, 910, 102}}));
        const auto padded = clip->encodeText(torch::tensor({{101, 678, 910, 102, 0, 0, 0, 0}}));
        QVERIFY2(maxDifference(short_, padded) < 1e-5, "padding leaked into the [CLS] state");
    }

    void resnetForward()
    {
        Clip clip(tinyResNetConfig());
        clip->eval();
        torch::NoGradGuard noGrad;
        const auto features = clip->encodeImage(torch::randn({2, 3, 64, 64}));
        QCOMPARE(features.sizes().vec(), (std::vector<int64_t>{2, 16}));
        QVERIFY(torch::isfinite(features).all().item<bool>());
        // Upstream zero-initialises every bottleneck's last BN weight.
        for (const auto& [name, tensor] : clip->stateDict())
            if (name.find("bn3.weight") != std::string::npos && name.find("visual.layer") == 0)
                QCOMPARE(tensor.abs().sum().item<double>(), 0.0);
    }

    void flipMaskingKeepsClassToken()
    {
        const auto tokens = torch::arange(2 * 17 * 4, torch::kFloat).view({2, 17, 4});
        const auto kept = model::VisualTransformerImpl::randomMasking(tokens, 0.5);
        QCOMPARE(kept.sizes().vec(), (std::vector<int64_t>{2, 9, 4})); // 1 + int(16 * 0.5)
        QVERIFY(torch::equal(kept.select(1, 0), tokens.select(1, 0)));
        // Kept patches are distinct patches of the same image.
        for (int64_t b = 0; b < 2; ++b) {
            const auto firsts = kept[b].slice(0, 1).select(1, 0);
            QCOMPARE(std::get<0>(torch::_unique(firsts)).numel(), int64_t(8));
            QVERIFY((firsts >= tokens[b][1][0]).all().item<bool>());
        }
        Clip clip(loadModelConfig("Tiny-ViT", "Tiny-BERT"));
        const auto features = clip->encodeImage(torch::randn({2, 3, 64, 64}), 0.5);
        QCOMPARE(features.sizes().vec(), (std::vector<int64_t>{2, 32}));
    }

    void gradCheckpointingGivesIdenticalGradients()
    {
        // Dropout on in the text tower: the recomputation must replay the same masks.
        auto config = loadModelConfig("Tiny-ViT", "Tiny-BERT");
        config.textHiddenDropoutProb = 0.1;
        config.textAttentionProbsDropoutProb = 0.1;
        torch::manual_seed(3);
        Clip clip(config);
        clip->train();
        const auto images = torch::randn({4, 3, 64, 64});
        const auto texts = torch::randint(103, 2000, {4, 12});

        const auto lossAndGrads = [&](bool checkpointing, uint64_t seed) {
            clip->setGradCheckpointing(checkpointing);
            clip->zero_grad();
            torch::manual_seed(seed);
            const auto [img, txt, scale] = clip->forward(images, texts);
            const auto logits = scale * torch::matmul(img, txt.t());
            const auto labels = torch::arange(4);
            const auto loss =
                (torch::cross_entropy_loss(logits, labels) + torch::cross_entropy_loss(logits.t(), labels)) /
                2;
            loss.backward();
            std::vector<torch::Tensor> grads;
            for (const auto& p : clip->parameters())
                grads.push_back(p.grad().defined() ? p.grad().clone() : torch::zeros_like(p));
            return std::make_pair(loss.item<double>(), grads);
        };
        const auto plain = lossAndGrads(false, 11);
        const auto checkpointed = lossAndGrads(true, 11);
        QCOMPARE(checkpointed.first, plain.first);
        QCOMPARE(checkpointed.second.size(), plain.second.size());
        double worst = 0;
        for (size_t i = 0; i < plain.second.size(); ++i)
            worst = std::max(worst, maxDifference(plain.second[i], checkpointed.second[i]));
        QVERIFY2(worst < 1e-6, std::to_string(worst).c_str());
        // A different seed gives different dropout masks (the test can fail).
        const auto other = lossAndGrads(false, 12);
        QVERIFY(other.first != plain.first);
        // The generator continues where the plain run would have left it.
        clip->setGradCheckpointing(false);
    }

    void checkpointingSkipsFrozenParameters()
    {
        Clip clip(loadModelConfig("Tiny-ViT", "Tiny-BERT"));
        clip->train();
        clip->setGradCheckpointing(true);
        for (auto& p : clip->visual()->parameters())
            p.set_requires_grad(false);
        const auto [img, txt, scale] =
            clip->forward(torch::randn({2, 3, 64, 64}), torch::randint(103, 2000, {2, 8}));
        (img * txt).sum().backward();
        for (const auto& p : clip->visual()->parameters())
            QVERIFY(!p.grad().defined());
        QVERIFY(clip->textProjection().grad().defined());
        QVERIFY(clip->bert()->embeddings->wordEmbeddings->weight.grad().defined());
    }

    void fusedAndPlainAttentionAgree()
    {
        if (!model::fusedAttentionCompiledIn())
            QSKIP("compiled against LibTorch < 2.0: only the plain attention path exists");
        Clip clip(loadModelConfig("Tiny-ViT", "Tiny-BERT"));
        clip->eval();
        torch::NoGradGuard noGrad;
        const auto images = torch::randn({2, 3, 64, 64});
        const auto texts = torch::tensor({{101, 2345, 102, 0}, {101, 33, 44, 102}});
        model::setFusedAttentionEnabled(false);
        const auto plain = clip->forward(images, texts);
        model::setFusedAttentionEnabled(true);
        const auto fused = clip->forward(images, texts);
        QVERIFY(maxDifference(std::get<0>(plain), std::get<0>(fused)) < 1e-5);
        QVERIFY(maxDifference(std::get<1>(plain), std::get<1>(fused)) < 1e-5);
    }
};

QTEST_GUILESS_MAIN(TestClip)
#include "TestClip.moc"
