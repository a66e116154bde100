// Retrieval recall at validation against the eval path on the reference
// checkpoint: upstream's features of final.pt fed pair by pair give
// upstream's output.json, and the trainer's own validation pass over final.pt
// gives the recall of eval::RetrievalSession (both directions) and output.json.
#include "support/RankingCompare.h"

#include "config/TrainConfig.h"
#include "data/LmdbSplit.h"
#include "eval/FeatureTable.h"
#include "eval/RecallAccumulator.h"
#include "eval/RetrievalSession.h"
#include "run/RunFolder.h"
#include "train/MetricsWriter.h"
#include "train/Trainer.h"

#include "common/AtomicFile.h"

#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <unordered_map>

namespace fs = std::filesystem;
using namespace clipwb;

namespace {

const fs::path kFixtures = CLIPWB_TEST_FIXTURES;

nlohmann::json upstreamScores()
{
    return nlohmann::json::parse(readFile(kFixtures / "eval/output.json"))["scoreJson"];
}

bool close(double a, double b) { return std::abs(a - b) < 1e-9; }

test::DotScores upstreamTextToImage()
{
    const auto images = eval::FeatureTable::readJsonl(kFixtures / "eval/valid_imgs.img_feat.jsonl", "image_id");
    const auto texts = eval::FeatureTable::readJsonl(kFixtures / "eval/valid_texts.txt_feat.jsonl", "text_id");
    return test::DotScores(texts.ids, texts.values, images.ids, images.values, texts.dim);
}

test::Rankings goldTextToImage()
{
    return test::readPredictionRankings(QString::fromStdString((kFixtures / "eval/valid_texts.jsonl").string()));
}

// How far a score can move between two computations of the 32-dim unit features: the features
// LibTorch computes differ from upstream's (and from another LibTorch pass) by float32 rounding,
// 1.2e-7 per value at most as test_eval_extraction measures it (OpenBLAS SkylakeX, Haswell and
// Prescott kernels alike); with 2e-7 per value, |dot(t', i') - dot(t, i)| <= 2 * sqrt(32) * 2e-7.
const double kScoreShift = 2 * std::sqrt(32.0) * 2e-7;

} // namespace

class TestValidationRecall : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void upstreamFeaturesGiveUpstreamRecall()
    {
        const auto images = eval::FeatureTable::readJsonl(kFixtures / "eval/valid_imgs.img_feat.jsonl", "image_id");
        const auto texts = eval::FeatureTable::readJsonl(kFixtures / "eval/valid_texts.txt_feat.jsonl", "text_id");
        std::unordered_map<std::int64_t, std::int64_t> imageRow, textRow;
        for (std::int64_t r = 0; r < images.rows(); ++r)
            imageRow[images.ids[size_t(r)]] = r;
        for (std::int64_t r = 0; r < texts.rows(); ++r)
            textRow[texts.ids[size_t(r)]] = r;

        const data::LmdbSplit split(kFixtures / "lmdb/lmdb/valid");
        eval::RecallAccumulator accumulator;
        // Twice: the padding of a validation pass repeats pairs, which must not count again.
        for (int pass = 0; pass < 2; ++pass)
            for (std::int64_t i = 0; i < split.numSamples(); ++i) {
                const data::PairRecord pair = split.pair(i);
                accumulator.add(pair.imageId, pair.textId, images.row(imageRow.at(pair.imageId)),
                                texts.row(textRow.at(pair.textId)), images.dim);
            }
        QCOMPARE(accumulator.texts(), texts.rows());
        QCOMPARE(accumulator.images(), split.numImages());
        const eval::SplitRecall recall = accumulator.compute();
        // Recall from our float32 arithmetic against upstream's numpy numbers, exactly: safe
        // because no query's hit at k = 1, 5, 10 lies within a score shift of a near tie.
        CLIPWB_REQUIRE_STABLE_RECALL(upstreamTextToImage(), goldTextToImage(), kScoreShift);
        const auto expected = upstreamScores();
        QVERIFY(close(recall.textToImage.r1, expected["r1"].get<double>()));
        QVERIFY(close(recall.textToImage.r5, expected["r5"].get<double>()));
        QVERIFY(close(recall.textToImage.r10, expected["r10"].get<double>()));
        QVERIFY(close(recall.textToImage.meanRecall, expected["mean_recall"].get<double>()));
        QCOMPARE(recall.imageToText.queries, split.numImages());
    }

    void emptyAccumulatorIsAnError()
    {
        eval::RecallAccumulator accumulator;
        QVERIFY_THROWS_EXCEPTION(Error, accumulator.compute());
    }

    void trainerValidationMatchesEvalPath()
    {
        QTemporaryDir dir;
        auto loaded = config::loadConfigFile(kFixtures / "train/fp32_bs8/config.json");
        QVERIFY(loaded.ok());
        config::TrainConfig cfg = loaded.config;
        cfg.resume = (kFixtures / "train/fp32_bs8/final.pt").string();
        cfg.logs = dir.path().toStdString();
        cfg.device = "cpu";
        train::Trainer trainer(cfg);
        const train::ValidationMetrics v = trainer.evaluateOnly();
        QVERIFY(v.hasRecall);

        // Features from LibTorch match upstream's to ~1e-7: the same hits, the same recall, on any
        // machine, as long as no hit is within that shift of a near tie (checked, both directions:
        // the trainer's and the eval path's image-to-text recall are compared below).
        CLIPWB_REQUIRE_STABLE_RECALL(upstreamTextToImage(), goldTextToImage(), kScoreShift);
        CLIPWB_REQUIRE_STABLE_RECALL(upstreamTextToImage().transposed(), test::invertRankings(goldTextToImage()),
                                     kScoreShift);
        const auto expected = upstreamScores();
        QVERIFY(close(v.t2iR1, expected["r1"].get<double>()));
        QVERIFY(close(v.t2iR5, expected["r5"].get<double>()));
        QVERIFY(close(v.t2iR10, expected["r10"].get<double>()));

        eval::RetrievalSessionOptions options;
        options.checkpoint = kFixtures / "train/fp32_bs8/final.pt";
        options.visionModel = (kFixtures / "model_configs/Tiny-ViT.json").string();
        options.textModel = (kFixtures / "model_configs/Tiny-BERT.json").string();
        options.split = kFixtures / "lmdb/lmdb/valid";
        options.cacheRoot = dir.filePath(QStringLiteral("cache")).toStdString();
        eval::RetrievalSession session(options);
        session.prepare();
        const eval::RetrievalEvaluation e = session.evaluate();
        QVERIFY(close(v.t2iR10, e.textToImage.r10));
        QVERIFY(close(v.i2tR1, e.imageToText.r1));
        QVERIFY(close(v.i2tR5, e.imageToText.r5));
        QVERIFY(close(v.i2tR10, e.imageToText.r10));
        QVERIFY(close(v.meanRecall, e.meanRecall));
        // metrics.jsonl keeps the upstream keys and adds the recall, which the dashboard reads back.
        const fs::path runDir = dir.filePath(QStringLiteral("run")).toStdString();
        fs::create_directories(runDir);
        {
            train::MetricsWriter writer(runDir / "metrics.jsonl");
            writer.writeValidation(v);
        }
        run::RunFolder folder(runDir);
        folder.refresh();
        QCOMPARE(folder.validation().rows(), size_t(1));
        QCOMPARE(folder.validation().value("loss", 0), v.loss);
        QCOMPARE(folder.validation().value("t2i", 0), v.t2i);
        QCOMPARE(folder.validation().value("t2i_r10", 0), v.t2iR10);
        QCOMPARE(folder.validation().value("i2t_r5", 0), v.i2tR5);
        QCOMPARE(folder.validation().value("mean_recall", 0), v.meanRecall);
        qInfo("final.pt on valid: t2i R@1/5/10 %.2f/%.2f/%.2f, i2t %.2f/%.2f/%.2f", v.t2iR1, v.t2iR5, v.t2iR10,
              v.i2tR1, v.i2tR5, v.i2tR10);
    }
};

QTEST_MAIN(TestValidationRecall)
#include "TestValidationRecall.moc"
