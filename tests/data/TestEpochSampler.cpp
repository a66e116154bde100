// The sampler against PyTorch's randperm / DistributedSampler order.
#include "support/CrossCheck.h"
#include "common/Error.h"
#include "data/EpochSampler.h"

#include <nlohmann/json.hpp>

#include <QProcess>
#include <QTest>

#include <fstream>

using clipwb::data::EpochSampler;

class TestEpochSampler : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void padsToWholeGlobalBatches()
    {
        QCOMPARE(EpochSampler(96, 8, 1).paddedLength(), int64_t(96));
        QCOMPARE(EpochSampler(96, 8, 1).batchesPerEpoch(), int64_t(12));
        const EpochSampler odd(96, 7, 1);
        QCOMPARE(odd.paddedLength(), int64_t(98));
        QCOMPARE(odd.batchesPerEpoch(), int64_t(14));
        QCOMPARE(odd.pairIndex(96), int64_t(0));
        QCOMPARE(odd.pairIndex(97), int64_t(1));
        QCOMPARE(EpochSampler(3, 8, 1).paddedLength(), int64_t(8));
        QVERIFY_THROWS_EXCEPTION(clipwb::Error, EpochSampler(0, 8, 1));
        QVERIFY_THROWS_EXCEPTION(clipwb::Error, EpochSampler(5, 0, 1));
    }

    // upstream_randperm.json was written by PyTorch 1.13 (see its "note").
    void orderIsTorchRandperm()
    {
        std::ifstream in(CLIPWB_SOURCE_DIR "/tests/data/upstream_randperm.json");
        const auto reference = nlohmann::json::parse(in);
        for (const auto& c : reference.at("cases")) {
            const int64_t n = c.at("n");
            const uint64_t seed = c.at("seed");
            // epoch e uses seed + e: split the seed between the two.
            const EpochSampler sampler(n, 1, seed - seed / 2);
            const auto order = sampler.epochOrder(static_cast<int64_t>(seed / 2));
            QCOMPARE(order, c.at("order").get<std::vector<int64_t>>());
        }
    }

    void orderMatchesLiveTorch()
    {
        CLIPWB_REQUIRE_PYTHON({QStringLiteral("torch")});
        const int64_t n = 50007;
        const uint64_t seed = 987654321;
        const int64_t epoch = 3;
        QProcess python;
        python.start(
            QStringLiteral("/usr/bin/python3"),
            {QStringLiteral("-c"), QStringLiteral("import torch,json; print(json.dumps(torch.randperm(%1, "
                                                  "generator=torch.Generator().manual_seed(%2)).tolist()))")
                                       .arg(n)
                                       .arg(seed + epoch)});
        QVERIFY(python.waitForFinished(60000));
        QCOMPARE(python.exitCode(), 0);
        const auto expected = nlohmann::json::parse(python.readAllStandardOutput().toStdString());
        const EpochSampler sampler(n, 1, seed);
        QCOMPARE(sampler.epochOrder(epoch), expected.get<std::vector<int64_t>>());
        QVERIFY(sampler.epochOrder(epoch) != sampler.epochOrder(epoch + 1));
    }
};

QTEST_GUILESS_MAIN(TestEpochSampler)
#include "TestEpochSampler.moc"
