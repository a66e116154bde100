// Feature extraction and the retrieval session against upstream's files:
// tests/fixtures/train/fp32_bs8/final.pt on the valid LMDB split must give
// upstream's feature jsonl (1e-4), and the chain features -> top-k -> recall
// must give upstream's output.json.
#include "support/RankingCompare.h"
#include "common/AtomicFile.h"
#include "common/Error.h"
#include "eval/BlockedTopK.h"
#include "eval/FeatureTable.h"
#include "eval/RecallEvaluation.h"
#include "eval/RetrievalSession.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <filesystem>
#include <set>

using namespace clipwb;
using namespace clipwb::eval;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = CLIPWB_TEST_FIXTURES;
const fs::path kEval = kFixtures / "eval";

QString q(const fs::path& path)
{
    return QString::fromStdString(path.string());
}

double maxDifference(const FeatureTable& a, const FeatureTable& b)
{
    double worst = 0;
    for (std::size_t i = 0; i < a.values.size(); ++i)
        worst = std::max(worst, std::abs(static_cast<double>(a.values[i]) - b.values[i]));
    return worst;
}

RetrievalSessionOptions sessionOptions(const fs::path& cacheRoot)
{
    RetrievalSessionOptions options;
    options.checkpoint = kFixtures / "train/fp32_bs8/final.pt";
    options.visionModel = (kFixtures / "model_configs/Tiny-ViT.json").string();
    options.textModel = (kFixtures / "model_configs/Tiny-BERT.json").string();
    options.split = kFixtures / "lmdb/lmdb/valid";
    options.textsJsonl = kEval / "valid_texts.jsonl";
    options.cacheRoot = cacheRoot;
    options.device = "cpu";
    options.imageBatchSize = 16;
    options.textBatchSize = 16;
    return options;
}

} // namespace

class TestFeatureExtraction : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void cliExtractsUpstreamFeaturesAndChainGivesOutputJson()
    {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        fs::copy_file(kEval / "valid_texts.jsonl", root / "valid_texts.jsonl");
        QProcess process;
        process.setWorkingDirectory(dir.path());
        process.start(QStringLiteral(CLIPWB_BIN_DIR "/clipwb-cli"),
                      {"extract-features", "--extract-image-feats", "--extract-text-feats", "--image-data",
                       q(kFixtures / "lmdb/lmdb/valid/imgs"), "--text-data", "valid_texts.jsonl", "--img-batch-size",
                       "16", "--text-batch-size", "16", "--resume", q(kFixtures / "train/fp32_bs8/final.pt"),
                       "--vision-model", q(kFixtures / "model_configs/Tiny-ViT.json"), "--text-model",
                       q(kFixtures / "model_configs/Tiny-BERT.json"), "--precision", "fp32", "--device", "cpu"});
        QVERIFY(process.waitForFinished(240000));
        QVERIFY2(process.exitCode() == 0, process.readAllStandardError().constData());
        // upstream's default output paths, next to the texts file
        const FeatureTable images = FeatureTable::readJsonl(root / "valid_imgs.img_feat.jsonl", "image_id");
        const FeatureTable texts = FeatureTable::readJsonl(root / "valid_texts.txt_feat.jsonl", "text_id");
        const FeatureTable upstreamImages = FeatureTable::readJsonl(kEval / "valid_imgs.img_feat.jsonl", "image_id");
        const FeatureTable upstreamTexts = FeatureTable::readJsonl(kEval / "valid_texts.txt_feat.jsonl", "text_id");
        QCOMPARE(images.ids, upstreamImages.ids);
        QCOMPARE(texts.ids, upstreamTexts.ids);
        QVERIFY2(maxDifference(images, upstreamImages) < 1e-4, qPrintable(QString::number(maxDifference(images, upstreamImages))));
        QVERIFY2(maxDifference(texts, upstreamTexts) < 1e-4, qPrintable(QString::number(maxDifference(texts, upstreamTexts))));

        // Our top 10 from our features against upstream's file, byte for byte. That is only safe
        // when no two candidates that matter are closer than what the feature difference can move
        // a score: |dot(t', i') - dot(t, i)| <= 2 * sqrt(dim) * maxDifference for unit features.
        // Checked here on upstream's float64 scores, so this cannot turn machine-dependent.
        const double scoreShift =
            2 * std::sqrt(double(texts.dim)) * std::max(maxDifference(images, upstreamImages), maxDifference(texts, upstreamTexts));
        qInfo("features vs upstream's: max difference %.3g (images), %.3g (texts); scores move <= %.3g",
              maxDifference(images, upstreamImages), maxDifference(texts, upstreamTexts), scoreShift);
        std::string nearest;
        const double gap = test::minimumRelativeGap(
            test::DotScores(upstreamTexts.ids, upstreamTexts.values, upstreamImages.ids, upstreamImages.values, texts.dim),
            10, &nearest, false);
        QVERIFY2(gap > scoreShift, qPrintable(QStringLiteral("a near tie (%1) within the score shift %2 of the features: "
                                                             "compare with CLIPWB_COMPARE_RANKINGS")
                                                  .arg(QString::fromStdString(nearest))
                                                  .arg(scoreShift)));
        const auto result = blockedTopK(texts.values.data(), texts.rows(), images.values.data(), images.rows(),
                                        texts.dim, BlockedTopKOptions{});
        const std::string predictions =
            predictionsJsonl(RetrievalDirection::TextToImage, texts.ids, result.rowsToColumns, images.ids);
        QVERIFY(predictions == readFile(kEval / "valid_predictions.jsonl"));
        writeFileAtomic(root / "pred.jsonl", predictions);
        const GoldStandard gold = readGoldJsonl(kEval / "valid_texts.jsonl");
        QCOMPARE(QString::fromStdString(upstreamScoreJson(computeRecall(gold, readPredictionsJsonl(root / "pred.jsonl", gold)))),
                 QString::fromStdString(readFile(kEval / "output.json")));
    }

    void sessionExtractsCachesQueriesAndEvaluates()
    {
        QTemporaryDir dir;
        const fs::path cacheRoot = fs::path(dir.path().toStdString()) / "cache";
        std::set<std::string> stages;
        std::int64_t imagesDone = 0;
        {
            RetrievalSession session(sessionOptions(cacheRoot));
            QVERIFY(!session.isPrepared());
            session.prepare([&](const clipwb::Progress& p) {
                stages.insert(p.stage);
                if (p.stage == "images")
                    imagesDone = p.done;
                return true;
            });
            QVERIFY(session.isPrepared());
            QVERIFY(stages.count("texts") && stages.count("images"));
            QCOMPARE(imagesDone, 40);
            QCOMPARE(session.imageIds().size(), std::size_t(40));
            QCOMPARE(session.texts().size(), std::size_t(33));

            // The cache holds upstream-format features equal to upstream's.
            const fs::path cache = session.cacheDirectory();
            const FeatureTable cachedImages = FeatureTable::readJsonl(cache / "imgs.img_feat.jsonl", "image_id");
            QVERIFY(maxDifference(cachedImages, FeatureTable::readJsonl(kEval / "valid_imgs.img_feat.jsonl", "image_id")) < 1e-4);

            const RetrievalEvaluation evaluation = session.evaluate();
            // upstream output.json: r1 3.0303..., r5 12.1212..., r10 27.2727..., 33 queries
            QCOMPARE(evaluation.textToImage.queries, 33);
            QVERIFY(std::abs(evaluation.textToImage.r1 - 100.0 / 33) < 1e-9);
            QVERIFY(std::abs(evaluation.textToImage.r5 - 400.0 / 33) < 1e-9);
            QVERIFY(std::abs(evaluation.textToImage.r10 - 900.0 / 33) < 1e-9);
            QVERIFY(std::abs(evaluation.textToImage.meanRecall - 14.14141414141414) < 1e-9);
            QCOMPARE(static_cast<int>(evaluation.failedTextQueries.size()), 33 - 9);
            for (const auto& failed : evaluation.failedTextQueries) {
                QCOMPARE(failed.topIds.size(), std::size_t(10));
                QVERIFY(!failed.text.empty());
            }

            // Image to text, as evaluation_tr.py with the inverted gold, on upstream's features.
            const FeatureTable images = FeatureTable::readJsonl(kEval / "valid_imgs.img_feat.jsonl", "image_id");
            const FeatureTable texts = FeatureTable::readJsonl(kEval / "valid_texts.txt_feat.jsonl", "text_id");
            const auto lists = blockedTopK(texts.values.data(), texts.rows(), images.values.data(), images.rows(),
                                           texts.dim, BlockedTopKOptions{});
            const GoldStandard imageGold = invertGold(readGoldJsonl(kEval / "valid_texts.jsonl"));
            Predictions predictions;
            predictions.direction = RetrievalDirection::ImageToText;
            for (std::int64_t r = 0; r < images.rows(); ++r)
                for (std::int64_t j = 0; j < lists.columnsToRows.count(r); ++j)
                    predictions.answers[images.ids[r]].push_back(texts.ids[lists.columnsToRows.indicesOf(r)[j]]);
            const RecallScores expected = computeRecall(imageGold, predictions);
            QCOMPARE(evaluation.imageToText.queries, expected.queries);
            QVERIFY(std::abs(evaluation.imageToText.r10 - expected.r10 * 100) < 1e-9);
            QVERIFY(std::abs(evaluation.imageToText.r1 - expected.r1 * 100) < 1e-9);

            // Queries: the gold image of a text ranks as in its top-k; scores best first.
            const auto hits = session.queryImage(session.imageIds().front(), 5);
            QCOMPARE(hits.size(), std::size_t(5));
            for (std::size_t i = 1; i < hits.size(); ++i)
                QVERIFY(hits[i - 1].score >= hits[i].score);
            const RetrievalText& first = session.texts().front();
            const auto imageHits = session.queryText(first.text, 10);
            QCOMPARE(imageHits.size(), std::size_t(10));
            // the same text through the model gives upstream's top-10 for that text
            const std::string line = readFile(kEval / "valid_predictions.jsonl").substr(0, readFile(kEval / "valid_predictions.jsonl").find('\n'));
            QVERIFY(line.find(std::to_string(imageHits.front().imageId)) != std::string::npos);
            QVERIFY_EXCEPTION_THROWN(session.queryImage(-12345, 5), Error);
        }
        {
            // A second session reads the cache instead of extracting.
            stages.clear();
            RetrievalSession session(sessionOptions(cacheRoot));
            session.prepare([&](const clipwb::Progress& p) {
                stages.insert(p.stage);
                return true;
            });
            QVERIFY(stages.count("cache"));
            QVERIFY(!stages.count("images"));
            QVERIFY(std::abs(session.evaluate().textToImage.r10 - 900.0 / 33) < 1e-9);
        }
        {
            // Cancel stops extraction (a fresh cache root forces it).
            RetrievalSession session(sessionOptions(cacheRoot / "other"));
            QVERIFY_EXCEPTION_THROWN(session.prepare([](const clipwb::Progress&) { return false; }), clipwb::Cancelled);
            QVERIFY(!session.isPrepared());
        }
    }

    void sessionReportsBadCheckpoint()
    {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        writeFileAtomic(root / "broken.pt", "this is not a checkpoint");
        RetrievalSessionOptions options = sessionOptions(root / "cache");
        options.checkpoint = root / "broken.pt";
        RetrievalSession session(options);
        try {
            session.prepare();
            QFAIL("no error");
        } catch (const Error& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains("broken.pt"), e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestFeatureExtraction)
#include "TestFeatureExtraction.moc"
