#include "ShapeFixture.h"
#include "model/Clip.h"
#include "model/ModelConfig.h"

#include <QTest>

using namespace clipwb;

class TestClipLargeConfigs : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void largeConfigsMatchUpstreamStateDict_data()
    {
        QTest::addColumn<QString>("vision");
        QTest::addColumn<QString>("text");
        for (const char* vision : {"ViT-L-14", "ViT-L-14-336", "ViT-H-14"})
            QTest::newRow(vision) << vision << "Tiny-BERT";
        QTest::newRow("RoBERTa-wwm-ext-large-chinese") << "Tiny-ViT"
                                                       << "RoBERTa-wwm-ext-large-chinese";
    }

    void largeConfigsMatchUpstreamStateDict()
    {
        QFETCH(QString, vision);
        QFETCH(QString, text);
        const auto upstream = test::upstreamShapes();
        model::Clip clip(model::loadModelConfig(vision.toStdString(), text.toStdString()));
        const bool checkVision = text == QLatin1String("Tiny-BERT");
        const auto ours = test::describedStateDict(clip, "visual.", !checkVision);
        const auto expected =
            (checkVision ? upstream["vision"][vision.toStdString()] : upstream["text"][text.toStdString()])
                .get<std::vector<std::string>>();
        QCOMPARE(ours.size(), expected.size());
        for (size_t i = 0; i < ours.size(); ++i)
            QVERIFY2(ours[i] == expected[i], (ours[i] + " vs " + expected[i]).c_str());
    }
};

QTEST_GUILESS_MAIN(TestClipLargeConfigs)
#include "TestClipLargeConfigs.moc"
