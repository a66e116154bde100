#include "common/Error.h"
#include "model/ModelConfig.h"

#include <QTemporaryDir>
#include <QTest>

#include <fstream>

using clipwb::model::ClipModelConfig;
using clipwb::model::loadModelConfig;

class TestModelConfig : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void shippedNamesAreSplitByKind()
    {
        const auto vision = clipwb::model::shippedVisionModels();
        const auto text = clipwb::model::shippedTextModels();
        const std::vector<std::string> expectedVision{"RN50",     "Tiny-ViT",     "ViT-B-16", "ViT-B-32",
                                                      "ViT-H-14", "ViT-L-14-336", "ViT-L-14"};
        for (const auto& name : expectedVision)
            QVERIFY2(std::count(vision.begin(), vision.end(), name) == 1, name.c_str());
        for (const auto& name :
             {"RBT3-chinese", "RoBERTa-wwm-ext-base-chinese", "RoBERTa-wwm-ext-large-chinese", "Tiny-BERT"})
            QVERIFY2(std::count(text.begin(), text.end(), name) == 1, name);
        QCOMPARE(vision.size() + text.size(), size_t(11));
    }

    void vitConfigMergesVisionAndText()
    {
        const ClipModelConfig c = loadModelConfig("ViT-B-16", "RoBERTa-wwm-ext-base-chinese");
        QVERIFY(!c.isResNet());
        QCOMPARE(c.embedDim, int64_t(512));
        QCOMPARE(c.imageResolution, int64_t(224));
        QCOMPARE(c.visionLayers, std::vector<int64_t>{12});
        QCOMPARE(c.visionWidth, int64_t(768));
        QCOMPARE(c.visionPatchSize, int64_t(16));
        QCOMPARE(c.visionHeads(), int64_t(12));
        QCOMPARE(c.visionGridSize(), int64_t(14));
        QCOMPARE(c.vocabSize, int64_t(21128));
        QCOMPARE(c.textHiddenSize, int64_t(768));
        QCOMPARE(c.textNumHiddenLayers, int64_t(12));
        QCOMPARE(c.textHiddenAct, std::string("gelu"));
        QCOMPARE(c.textHiddenDropoutProb, 0.1);
        QCOMPARE(c.visionModel, std::string("ViT-B-16"));
        // Upstream's slash spelling resolves to the same file.
        QCOMPARE(loadModelConfig("ViT-B/16", "RBT3-chinese").visionWidth, int64_t(768));
    }

    void vitHugeUsesItsHeadWidth()
    {
        const ClipModelConfig c = loadModelConfig("ViT-H-14", "RoBERTa-wwm-ext-large-chinese");
        QCOMPARE(c.visionHeadWidth, int64_t(80));
        QCOMPARE(c.visionHeads(), int64_t(16));
        QCOMPARE(c.textNumAttentionHeads, int64_t(16));
        QCOMPARE(loadModelConfig("ViT-L-14", "RBT3-chinese").visionHeads(), int64_t(16));
        QCOMPARE(loadModelConfig("ViT-L-14-336", "RBT3-chinese").visionGridSize(), int64_t(24));
    }

    void resnetLayersFromStringOrList()
    {
        const ClipModelConfig c = loadModelConfig("RN50", "RBT3-chinese");
        QVERIFY(c.isResNet());
        QCOMPARE(c.visionLayers, (std::vector<int64_t>{3, 4, 6, 3}));
        QCOMPARE(c.visionHeads(), int64_t(32)); // 64 * 32 / 64
        QCOMPARE(c.visionPatchSize, int64_t(0));
        QCOMPARE(c.textNumHiddenLayers, int64_t(3));

        nlohmann::json merged = c.toJson();
        QVERIFY(merged["vision_layers"].is_array());
        merged["vision_layers"] = "[2, 2, 2, 2]";
        QCOMPARE(clipwb::model::parseModelConfig(merged, "x").visionLayers,
                 (std::vector<int64_t>{2, 2, 2, 2}));
        merged["vision_layers"] = nlohmann::json::array({1, 2, 3, 4});
        QCOMPARE(clipwb::model::parseModelConfig(merged, "x").visionLayers,
                 (std::vector<int64_t>{1, 2, 3, 4}));
    }

    void configFromJsonPath()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("my-vit.json")).toStdString();
        std::ofstream(path) << R"({"embed_dim": 16, "image_resolution": 32, "vision_layers": 1,
                                 "vision_width": 64, "vision_patch_size": 8})";
        const ClipModelConfig c = loadModelConfig(path, "Tiny-BERT");
        QCOMPARE(c.embedDim, int64_t(16));
        QCOMPARE(c.visionGridSize(), int64_t(4));
        QCOMPARE(c.textHiddenSize, int64_t(64));
        QCOMPARE(c.textHiddenDropoutProb, 0.0);
        // toJson round-trips.
        const ClipModelConfig again = clipwb::model::parseModelConfig(c.toJson(), "round trip");
        QCOMPARE(again.toJson().dump(), c.toJson().dump());
    }

    void unknownNameListsShippedOnes()
    {
        try {
            loadModelConfig("ViT-Z-99", "RBT3-chinese");
            QFAIL("no exception");
        } catch (const clipwb::Error& e) {
            const QString message = QString::fromUtf8(e.what());
            QVERIFY2(message.contains(QStringLiteral("ViT-Z-99")), e.what());
            QVERIFY2(message.contains(QStringLiteral("ViT-B-16")), e.what());
        }
    }

    void badConfigReportsEveryProblem()
    {
        nlohmann::json merged = loadModelConfig("Tiny-ViT", "Tiny-BERT").toJson();
        merged.erase("vision_width");
        merged["vision_patch_size"] = 7;
        merged["text_num_attention_heads"] = 3;
        merged["text_hidden_act"] = "tanh";
        try {
            clipwb::model::parseModelConfig(merged, "broken.json");
            QFAIL("no exception");
        } catch (const clipwb::Error& e) {
            const QString message = QString::fromUtf8(e.what());
            QVERIFY2(message.contains(QStringLiteral("broken.json")), e.what());
            QVERIFY2(message.contains(QStringLiteral("vision_width")), e.what());
            QVERIFY2(message.contains(QStringLiteral("vision_patch_size")), e.what());
            QVERIFY2(message.contains(QStringLiteral("text_num_attention_heads")), e.what());
            QVERIFY2(message.contains(QStringLiteral("tanh")), e.what());
        }
        merged = loadModelConfig("RN50", "Tiny-BERT").toJson();
        merged["vision_layers"] = "[3,4,6]";
        QVERIFY_THROWS_EXCEPTION(clipwb::Error, clipwb::model::parseModelConfig(merged, "x"));
    }

    void notJsonFileIsAnError()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("bad.json")).toStdString();
        std::ofstream(path) << "{not json";
        try {
            loadModelConfig(path, "Tiny-BERT");
            QFAIL("no exception");
        } catch (const clipwb::Error& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("bad.json")), e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestModelConfig)
#include "TestModelConfig.moc"
