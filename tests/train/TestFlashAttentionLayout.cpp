// Upstream's --use-flash-attention checkpoints (tests/fixtures/flash: written by
// upstream's own model and save code, generate_flash_checkpoint.py): clipwb
// reads the state dict and the optimizer state indexed by the flash model's
// packed Wqkv parameters, and writes the same layout back for upstream to resume.
#include "model/Clip.h"
#include "model/ClipWeights.h"
#include "model/FlashAttentionKeys.h"
#include "model/FlashAttentionStateDict.h"
#include "model/ModelConfig.h"
#include "train/FlashOptimizerLayout.h"
#include "train/ParameterGroups.h"
#include "train/TrainCheckpoint.h"

#include "common/AtomicFile.h"

#include <QTemporaryDir>
#include <QTest>

#include <filesystem>
#include <sstream>

namespace fs = std::filesystem;
using namespace clipwb;

namespace {

const fs::path kFixture = fs::path(CLIPWB_TEST_FIXTURES) / "flash";

model::Clip fixtureModel()
{
    return model::Clip(
        model::loadModelConfig((kFixture / "vision.json").string(), (kFixture / "text.json").string()));
}

std::vector<std::vector<std::string>> upstreamFlashOrder()
{
    std::vector<std::vector<std::string>> groups;
    std::istringstream lines(readFile(kFixture / "flash_parameter_order.txt"));
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream words(line);
        groups.emplace_back();
        for (std::string w; words >> w;)
            groups.back().push_back(w);
    }
    return groups;
}

} // namespace

class TestFlashAttentionLayout : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void namesMapBothWays()
    {
        using model::flashAttentionName;
        using model::plainAttentionNames;
        QCOMPARE(*flashAttentionName("bert.encoder.layer.3.attention.self.query.weight"),
                 std::string("bert.encoder.layer.3.attention.self.Wqkv.weight"));
        QVERIFY(!flashAttentionName("bert.encoder.layer.3.attention.self.value.bias"));
        QCOMPARE(*flashAttentionName("module.bert.encoder.layer.0.attention.output.dense.bias"),
                 std::string("module.bert.encoder.layer.0.attention.self.out_proj.bias"));
        QCOMPARE(*flashAttentionName("visual.transformer.resblocks.1.attn.in_proj_weight"),
                 std::string("visual.transformer.resblocks.1.attn.Wqkv.weight"));
        QCOMPARE(*flashAttentionName("bert.encoder.layer.0.attention.output.LayerNorm.weight"),
                 std::string("bert.encoder.layer.0.attention.output.LayerNorm.weight"));
        QCOMPARE(plainAttentionNames("bert.encoder.layer.2.attention.self.Wqkv.bias").size(), size_t(3));
        QCOMPARE(plainAttentionNames("visual.transformer.resblocks.0.attn.Wqkv.bias")[0],
                 std::string("visual.transformer.resblocks.0.attn.in_proj_bias"));
    }

    void flashParameterOrderIsUpstreams()
    {
        model::Clip clip = fixtureModel();
        const auto groups = train::splitParameterGroups(clip->named_parameters());
        const auto expected = upstreamFlashOrder();
        QCOMPARE(expected.size(), size_t(2));
        std::vector<std::vector<std::string>> ours(2);
        for (const auto& n : groups.noDecayNames)
            if (auto f = model::flashAttentionName(n))
                ours[0].push_back(*f);
        for (const auto& n : groups.decayNames)
            if (auto f = model::flashAttentionName(n))
                ours[1].push_back(*f);
        QCOMPARE(ours[0], expected[0]);
        QCOMPARE(ours[1], expected[1]);
        const auto sizes = train::flashAttentionGroupSizes(groups);
        QCOMPARE(sizes, (std::vector<int64_t>{int64_t(expected[0].size()), int64_t(expected[1].size())}));
    }

    void readsUpstreamsFlashCheckpoint()
    {
        const auto ckpt = train::readTrainCheckpoint(kFixture / "upstream_flash.pt");
        model::Clip clip = fixtureModel();
        model::loadClipWeights(clip, ckpt.stateDict, /*strict=*/true);
        QVERIFY(ckpt.optimizer);
        const auto groups = train::splitParameterGroups(clip->named_parameters());
        bool converted = false;
        const auto plain = train::fromFlashAttentionLayout(*ckpt.optimizer, groups, &converted);
        QVERIFY(converted);
        auto optimizer = train::makeAdamW(groups, {});
        train::restoreOptimizer(*optimizer, groups, plain);
        // The query, key and value moments are the three thirds of upstream's packed Wqkv moments.
        const auto order = upstreamFlashOrder();
        const auto& decay = order[1];
        const auto wqkv =
            std::find(decay.begin(), decay.end(), "bert.encoder.layer.1.attention.self.Wqkv.weight");
        QVERIFY(wqkv != decay.end());
        const int64_t flashIndex = int64_t(order[0].size()) + (wqkv - decay.begin());
        const torch::Tensor packed = ckpt.optimizer->state.at(flashIndex).expAvgSq;
        const auto snapshot = train::snapshotOptimizer(*optimizer, groups);
        const auto names = groups.allNames();
        for (const auto& [part, third] :
             {std::pair<std::string, int64_t>{"query", 0}, {"key", 1}, {"value", 2}}) {
            const auto at = std::find(names.begin(), names.end(),
                                      "bert.encoder.layer.1.attention.self." + part + ".weight");
            QVERIFY(at != names.end());
            const torch::Tensor mine = snapshot.state.at(at - names.begin()).expAvgSq;
            QVERIFY(torch::equal(mine, packed.chunk(3, 0)[static_cast<size_t>(third)]));
        }
        QCOMPARE(snapshot.state.begin()->second.step, 2.0);
    }

    void writesTheFlashLayoutBack()
    {
        const auto upstream = train::readTrainCheckpoint(kFixture / "upstream_flash.pt");
        model::Clip clip = fixtureModel();
        model::loadClipWeights(clip, upstream.stateDict, true);
        const auto groups = train::splitParameterGroups(clip->named_parameters());
        auto optimizer = train::makeAdamW(groups, {});
        train::restoreOptimizer(*optimizer, groups,
                                train::fromFlashAttentionLayout(*upstream.optimizer, groups));
        QTemporaryDir dir;
        const fs::path out = fs::path(dir.path().toStdString()) / "flash.pt";
        train::writeTrainCheckpoint(out, 1, 2, "flash", clip, *optimizer, groups, train::ExactState{},
                                    /*flashAttentionLayout=*/true);
        const auto ours = train::readTrainCheckpoint(out);
        QVERIFY(ours.optimizer);
        QCOMPARE(ours.optimizer->groupSizes, upstream.optimizer->groupSizes);
        QCOMPARE(ours.optimizer->state.size(), upstream.optimizer->state.size());
        for (const auto& [index, entry] : upstream.optimizer->state) {
            const auto& mine = ours.optimizer->state.at(index);
            QVERIFY2(torch::equal(mine.expAvg, entry.expAvg), qPrintable(QString::number(index)));
            QVERIFY(torch::equal(mine.expAvgSq, entry.expAvgSq));
        }
        // The state dict keeps upstream's plain names, as upstream's convert_state_dict leaves them.
        std::set<std::string> upstreamKeys, ourKeys;
        for (const auto& [k, t] : upstream.stateDict)
            upstreamKeys.insert(k);
        for (const auto& [k, t] : ours.stateDict)
            ourKeys.insert(k);
        QVERIFY(upstreamKeys == ourKeys);
        // Without the flag the file has the plain layout.
        train::writeTrainCheckpoint(out, 1, 2, "flash", clip, *optimizer, groups, train::ExactState{});
        QCOMPARE(train::readTrainCheckpoint(out).optimizer->groupSizes,
                 (std::vector<int64_t>{int64_t(groups.noDecay.size()), int64_t(groups.decay.size())}));
    }

    void loadsAFlashModelsRawStateDict()
    {
        model::Clip source = fixtureModel();
        model::NamedTensors flash;
        std::map<std::string, torch::Tensor> plain;
        for (const auto& [k, t] : source->stateDict())
            plain[k] = t;
        for (const auto& [k, t] : source->stateDict()) {
            const auto name = model::flashAttentionName(k);
            if (!name)
                continue;
            std::vector<torch::Tensor> parts;
            for (const auto& p : model::plainAttentionNames(*name))
                parts.push_back(plain.at(p));
            flash.emplace_back("module." + *name, parts.size() == 1 ? parts[0] : torch::cat(parts));
        }
        torch::manual_seed(99);
        model::Clip target = fixtureModel();
        model::loadClipWeights(target, flash, /*strict=*/true);
        for (const auto& [k, t] : target->stateDict())
            QVERIFY2(torch::equal(t, plain.at(k)), k.c_str());
    }
};

QTEST_GUILESS_MAIN(TestFlashAttentionLayout)
#include "TestFlashAttentionLayout.moc"
