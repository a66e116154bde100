// torchrun's environment as a rank reads it, and a rank's share of the data:
// DistributedSampler's strided shares of one padded permutation, so that the
// ranks' batches together are the single-process batch of the global size.
#include "common/Error.h"
#include "data/DataLoader.h"
#include "dist/Collectives.h"
#include "dist/DistEnv.h"
#include "dist/RankLauncher.h"
#include "text/Tokenizer.h"

#include <QTest>

#include <map>

using clipwb::dist::DistEnv;
using clipwb::dist::readDistEnv;

namespace {

DistEnv readFrom(const std::map<std::string, std::string>& vars)
{
    return readDistEnv([&](const std::string& name) -> std::optional<std::string> {
        const auto it = vars.find(name);
        return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
    });
}

QString errorOf(const std::map<std::string, std::string>& vars)
{
    try {
        readFrom(vars);
    } catch (const clipwb::Error& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

} // namespace

class TestDistEnv : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void withoutWorldSizeItIsOneProcess()
    {
        QVERIFY(!readFrom({}).distributed());
        QVERIFY(!readFrom({{"WORLD_SIZE", "1"}, {"RANK", "0"}}).distributed());
    }

    void readsTorchrunsVariables()
    {
        const DistEnv e = readFrom({{"WORLD_SIZE", "4"},
                                    {"RANK", "3"},
                                    {"LOCAL_RANK", "1"},
                                    {"LOCAL_WORLD_SIZE", "2"},
                                    {"MASTER_ADDR", "10.0.0.5"},
                                    {"MASTER_PORT", "29400"},
                                    {"TORCHELASTIC_USE_AGENT_STORE", "True"},
                                    {"TORCHELASTIC_RESTART_COUNT", "2"}});
        QVERIFY(e.distributed());
        QCOMPARE(e.rank, 3);
        QCOMPARE(e.worldSize, 4);
        QCOMPARE(e.localRank, 1);
        QCOMPARE(e.localWorldSize, 2);
        QCOMPARE(e.masterAddr, std::string("10.0.0.5"));
        QCOMPARE(e.masterPort, 29400);
        QVERIFY(e.useAgentStore);
        QCOMPARE(e.restartCount, std::string("2"));
    }

    void badVariablesAreNamed()
    {
        QVERIFY(errorOf({{"WORLD_SIZE", "2"}, {"MASTER_ADDR", "a"}, {"MASTER_PORT", "1"}})
                    .contains("RANK is not set"));
        QVERIFY(errorOf({{"WORLD_SIZE", "2"}, {"RANK", "2"}, {"MASTER_ADDR", "a"}, {"MASTER_PORT", "1"}})
                    .contains("RANK: 2 is out of range (0..1)"));
        QVERIFY(errorOf({{"WORLD_SIZE", "two"}}).contains("WORLD_SIZE: not an integer: 'two'"));
        QVERIFY(errorOf({{"WORLD_SIZE", "2"}, {"RANK", "0"}, {"MASTER_ADDR", "a"}})
                    .contains("MASTER_PORT is not set"));
    }

    void thisBuildHasGloo()
    {
        // Debian's LibTorch with libgloo-dev (packaging/install-deps.sh installs it).
        const auto backends = clipwb::dist::Collectives::availableBackends();
        QVERIFY(std::find(backends.begin(), backends.end(), "gloo") != backends.end());
        QCOMPARE(clipwb::dist::Collectives::defaultBackend(torch::Device(torch::kCPU)), std::string("gloo"));
    }

    void freePortsAreUsable()
    {
        const int port = clipwb::dist::freePort();
        QVERIFY(port > 0 && port < 65536);
    }

    void ranksShareTheGlobalBatch()
    {
        auto tokenizer =
            std::make_shared<const clipwb::text::Tokenizer>(clipwb::text::Tokenizer::fromEmbeddedVocab());
        clipwb::data::LoaderOptions single;
        single.split = CLIPWB_TEST_FIXTURES "/lmdb/lmdb/train";
        single.batchSize = 6; // a global batch of 6 (the split padded to a multiple of it)
        single.resolution = 32;
        single.numWorkers = 0;
        single.seed = 7;
        clipwb::data::DataLoader one(single, tokenizer);
        std::vector<std::unique_ptr<clipwb::data::DataLoader>> ranks;
        for (int r = 0; r < 2; ++r) {
            clipwb::data::LoaderOptions o = single;
            o.batchSize = 3;
            o.rank = r;
            o.worldSize = 2;
            ranks.push_back(std::make_unique<clipwb::data::DataLoader>(o, tokenizer));
        }
        QCOMPARE(ranks[0]->batchesPerEpoch(), one.batchesPerEpoch());
        QCOMPARE(ranks[1]->numSamples(), one.numSamples());
        for (int64_t epoch : {0, 1}) {
            one.startEpoch(epoch);
            for (auto& r : ranks)
                r->startEpoch(epoch);
            while (auto whole = one.next()) {
                for (int r = 0; r < 2; ++r) {
                    auto part = ranks[static_cast<size_t>(r)]->next();
                    QVERIFY(part.has_value());
                    for (size_t k = 0; k < 3; ++k) {
                        // Rank r's row k is position r + 2k of the global batch.
                        QCOMPARE(part->indices[k], whole->indices[2 * k + static_cast<size_t>(r)]);
                        QVERIFY(torch::equal(part->images[static_cast<int64_t>(k)],
                                             whole->images[static_cast<int64_t>(2 * k + r)]));
                    }
                }
            }
            QVERIFY(!ranks[0]->next() && !ranks[1]->next());
        }
    }
};

QTEST_GUILESS_MAIN(TestDistEnv)
#include "TestDistEnv.moc"
