// core/eval against upstream's own files (tests/fixtures/eval: written by
// extract_features.py, make_topk_predictions.py and evaluation.py) and, for
// the image-to-text direction, against upstream's logic run by /usr/bin/python3.
#include "support/CrossCheck.h"
#include "support/RankingCompare.h"
#include "common/AtomicFile.h"
#include "common/Error.h"
#include "eval/BlockedTopK.h"
#include "eval/FeatureTable.h"
#include "eval/PythonJson.h"
#include "eval/RecallEvaluation.h"
#include "eval/TopkPredictionFiles.h"

#include <nlohmann/json.hpp>

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <random>

using namespace clipwb;
using namespace clipwb::eval;
namespace fs = std::filesystem;

namespace {

const fs::path kEval = fs::path(CLIPWB_TEST_FIXTURES) / "eval";
const QString kCli = QStringLiteral(CLIPWB_BIN_DIR "/clipwb-cli");
const char* kPython = "/usr/bin/python3";

struct RunResult {
    int exitCode = -1;
    QString out, err;
};

RunResult run(const QString& program, const QStringList& arguments)
{
    QProcess process;
    process.start(program, arguments);
    RunResult result;
    if (!process.waitForFinished(120000)) {
        process.kill();
        process.waitForFinished();
        result.err = QStringLiteral("timed out");
        return result;
    }
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    result.out = QString::fromUtf8(process.readAllStandardOutput());
    result.err = QString::fromUtf8(process.readAllStandardError());
    return result;
}

QString q(const fs::path& path)
{
    return QString::fromStdString(path.string());
}

/// float64 text-to-image scores of the fixture features (tests/support/RankingCompare.h).
test::DotScores fixtureTextToImageScores()
{
    const FeatureTable images = FeatureTable::readJsonl(kEval / "valid_imgs.img_feat.jsonl", "image_id");
    const FeatureTable texts = FeatureTable::readJsonl(kEval / "valid_texts.txt_feat.jsonl", "text_id");
    return test::DotScores(texts.ids, texts.values, images.ids, images.values, texts.dim);
}

/// Reference top-k: full sort with Python's stable-sort tie order.
std::vector<std::int64_t> bruteTopK(const std::vector<float>& scores, std::int64_t k)
{
    std::vector<std::int64_t> order(scores.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](auto x, auto y) { return scores[x] > scores[y]; });
    order.resize(std::min<std::size_t>(order.size(), k));
    return order;
}

} // namespace

class TestRetrievalEval : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void pythonFloatReprMatchesCpython_data()
    {
        QTest::addColumn<double>("value");
        QTest::addColumn<QString>("expected");
        QTest::newRow("percent") << 14.14141414141414 << "14.14141414141414";
        QTest::newRow("third") << 100.0 / 3 << "33.333333333333336";
        QTest::newRow("integral") << 100.0 << "100.0";
        QTest::newRow("zero") << 0.0 << "0.0";
        QTest::newRow("negative zero") << -0.0 << "-0.0";
        QTest::newRow("small fixed") << 0.0001 << "0.0001";
        QTest::newRow("small exponent") << 0.00001 << "1e-05";
        QTest::newRow("small exponent digits") << -1.5e-7 << "-1.5e-07";
        QTest::newRow("large fixed") << 1e15 << "1000000000000000.0";
        QTest::newRow("large exponent") << 1e16 << "1e+16";
        QTest::newRow("float32 widened") << static_cast<double>(0.1f) << "0.10000000149011612";
        QTest::newRow("tiny") << 5e-324 << "5e-324";
    }
    void pythonFloatReprMatchesCpython()
    {
        QFETCH(double, value);
        QFETCH(QString, expected);
        QCOMPARE(QString::fromStdString(pythonFloatRepr(value)), expected);
    }

    void featureFileRoundTripsByteForByte()
    {
        for (const auto& [name, key] : {std::pair{"valid_imgs.img_feat.jsonl", "image_id"},
                                        std::pair{"valid_texts.txt_feat.jsonl", "text_id"}}) {
            const FeatureTable table = FeatureTable::readJsonl(kEval / name, key);
            QCOMPARE(table.dim, 32);
            QCOMPARE(table.rows(), std::string(name).find("imgs") != std::string::npos ? 40 : 33);
            QVERIFY(table.toJsonl() == readFile(kEval / name));
        }
    }

    void topKReproducesUpstreamPredictions()
    {
        const FeatureTable images = FeatureTable::readJsonl(kEval / "valid_imgs.img_feat.jsonl", "image_id");
        const FeatureTable texts = FeatureTable::readJsonl(kEval / "valid_texts.txt_feat.jsonl", "text_id");
        const std::string expected = readFile(kEval / "valid_predictions.jsonl");
        // Byte-for-byte against upstream's file is safe only because no two images within the
        // top 11 of any text are near-tied (smallest gap 1.8e-4 of the score): checked here.
        CLIPWB_REQUIRE_NO_NEAR_TIES(fixtureTextToImageScores(), 10, 10 * test::kRankingRelativeTolerance);
        // Odd block sizes so that lists merge across several blocks in both directions.
        for (const auto& [rows, columns] : {std::pair{4096, 4096}, std::pair{7, 5}, std::pair{1, 1}}) {
            BlockedTopKOptions options;
            options.rowBlock = rows;
            options.columnBlock = columns;
            const auto result = blockedTopK(texts.values.data(), texts.rows(), images.values.data(),
                                            images.rows(), texts.dim, options);
            QVERIFY(predictionsJsonl(RetrievalDirection::TextToImage, texts.ids, result.rowsToColumns,
                                     images.ids) == expected);
        }
    }

    void topKMatchesStableSortWithTies()
    {
        std::mt19937 random(7);
        std::normal_distribution<float> normal;
        const std::int64_t rowsA = 37, rowsB = 53, dim = 8, k = 6;
        std::vector<float> a(rowsA * dim), b(rowsB * dim);
        // Coarse values (halves, 8 terms): every product and partial sum is exact in float32, so
        // any BLAS kernel and summation order gives the same scores and exact ties: the reference
        // below (std::inner_product) is the same arithmetic, and exact comparison is right.
        for (auto& v : a)
            v = std::round(normal(random) * 2) / 2; // coarse values: many exact ties
        for (auto& v : b)
            v = std::round(normal(random) * 2) / 2;
        std::copy(b.begin(), b.begin() + dim, b.begin() + 10 * dim); // identical rows
        std::copy(a.begin(), a.begin() + dim, a.begin() + 20 * dim);
        for (const auto& [rows, columns] : {std::pair{64, 64}, std::pair{5, 3}}) {
            BlockedTopKOptions options;
            options.k = k;
            options.rowBlock = rows;
            options.columnBlock = columns;
            const auto result = blockedTopK(a.data(), rowsA, b.data(), rowsB, dim, options);
            for (std::int64_t i = 0; i < rowsA; ++i) {
                std::vector<float> scores(rowsB);
                for (std::int64_t j = 0; j < rowsB; ++j)
                    scores[j] = std::inner_product(&a[i * dim], &a[i * dim] + dim, &b[j * dim], 0.0f);
                const auto expected = bruteTopK(scores, k);
                QVERIFY(std::equal(expected.begin(), expected.end(), result.rowsToColumns.indicesOf(i)));
            }
            for (std::int64_t j = 0; j < rowsB; ++j) {
                std::vector<float> scores(rowsA);
                for (std::int64_t i = 0; i < rowsA; ++i)
                    scores[i] = std::inner_product(&a[i * dim], &a[i * dim] + dim, &b[j * dim], 0.0f);
                const auto expected = bruteTopK(scores, k);
                QVERIFY(std::equal(expected.begin(), expected.end(), result.columnsToRows.indicesOf(j)));
            }
        }
        // Fewer candidates than k: short lists padded with -1.
        BlockedTopKOptions options;
        options.k = 10;
        const auto result = blockedTopK(a.data(), 3, b.data(), 4, dim, options);
        QCOMPARE(result.rowsToColumns.count(0), 4);
        QCOMPARE(result.rowsToColumns.indicesOf(0)[4], -1);
        QCOMPARE(result.columnsToRows.count(0), 3);
    }

    void recallReproducesUpstreamOutput()
    {
        const GoldStandard gold = readGoldJsonl(kEval / "valid_texts.jsonl");
        QCOMPARE(gold.queries.size(), std::size_t(33));
        const Predictions predictions = readPredictionsJsonl(kEval / "valid_predictions.jsonl", gold);
        const RecallScores scores = computeRecall(gold, predictions);
        QCOMPARE(QString::fromStdString(upstreamScoreJson(scores)),
                 QString::fromStdString(readFile(kEval / "output.json")));
    }

    void invertedGoldFollowsTransformScript()
    {
        GoldStandard gold;
        gold.queries = {5, 3, 9};
        gold.answers = {{5, {10, 11}}, {3, {11}}, {9, {12, 10}}};
        const GoldStandard inverted = invertGold(gold);
        QCOMPARE(inverted.direction, RetrievalDirection::ImageToText);
        QCOMPARE(inverted.queries, (std::vector<std::int64_t>{10, 11, 12}));
        QCOMPARE(inverted.answers.at(10), (std::vector<std::int64_t>{5, 9}));
        QCOMPARE(inverted.answers.at(11), (std::vector<std::int64_t>{5, 3}));
    }

    void cliReproducesUpstreamChain()
    {
        // Exact comparison: no near tie in the text-to-image top 11 (checked), and evaluate
        // reads the same predictions upstream's evaluation.py read.
        CLIPWB_REQUIRE_NO_NEAR_TIES(fixtureTextToImageScores(), 10, 10 * test::kRankingRelativeTolerance);
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        const RunResult topk =
            run(kCli, {"make-topk-predictions", "--image-feats", q(kEval / "valid_imgs.img_feat.jsonl"),
                       "--text-feats", q(kEval / "valid_texts.txt_feat.jsonl"), "--top-k", "10", "--output",
                       q(root / "pred.jsonl")});
        QVERIFY2(topk.exitCode == 0, qPrintable(topk.err));
        QVERIFY(readFile(root / "pred.jsonl") == readFile(kEval / "valid_predictions.jsonl"));
        const RunResult evaluate = run(kCli, {"evaluate", q(kEval / "valid_texts.jsonl"),
                                              q(root / "pred.jsonl"), q(root / "output.json")});
        QVERIFY2(evaluate.exitCode == 0, qPrintable(evaluate.err));
        QCOMPARE(QString::fromStdString(readFile(root / "output.json")),
                 QString::fromStdString(readFile(kEval / "output.json")));
    }

    void imageToTextMatchesUpstreamLogic()
    {
        CLIPWB_REQUIRE_PYTHON({QStringLiteral("torch"), QStringLiteral("numpy")});
        CLIPWB_REQUIRE_CLI();
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        const QStringList features = {"--image-feats", q(kEval / "valid_imgs.img_feat.jsonl"),
                                      "--text-feats",  q(kEval / "valid_texts.txt_feat.jsonl"),
                                      "--top-k",       "10"};
        const RunResult upstream =
            run(kPython, QStringList{QStringLiteral(CLIPWB_SOURCE_DIR "/tests/bench/upstream_make_topk.py"),
                                     "--image-to-text", "--output", q(root / "upstream_tr.jsonl")} +
                             features);
        QVERIFY2(upstream.exitCode == 0, qPrintable(upstream.err));
        const RunResult ours =
            run(kCli, QStringList{"make-topk-predictions", "--output", q(root / "t2i.jsonl"),
                                  "--image-to-text-output", q(root / "i2t.jsonl")} +
                          features);
        QVERIFY2(ours.exitCode == 0, qPrintable(ours.err));
        // numpy/OpenBLAS ranks image 144425's texts 5003 and 5027 (0.16307867 vs 0.16307864 in
        // float32, 5e-9 apart in float64) in an order that depends on the CPU's BLAS kernel:
        // the ranking rule (tests/support/RankingCompare.h) lets such near ties swap, nothing else.
        const test::DotScores scores = fixtureTextToImageScores();
        CLIPWB_COMPARE_RANKINGS(test::readPredictionRankings(q(root / "i2t.jsonl")),
                                test::readPredictionRankings(q(root / "upstream_tr.jsonl")), scores.transposed(),
                                test::kRankingRelativeTolerance, "image-to-text top 10 vs upstream's logic");
        CLIPWB_COMPARE_RANKINGS(test::readPredictionRankings(q(root / "t2i.jsonl")),
                                test::readPredictionRankings(q(kEval / "valid_predictions.jsonl")), scores,
                                test::kRankingRelativeTolerance, "text-to-image top 10 vs upstream's file");
        // Both evaluations read the same file (ours): the same arithmetic, compared exactly.

        const RunResult upstreamScore =
            run(kPython, {QStringLiteral(CLIPWB_SOURCE_DIR "/tests/eval/upstream_evaluation.py"),
                          q(kEval / "valid_texts.jsonl"), q(root / "i2t.jsonl"),
                          q(root / "upstream_output_tr.json"), "--image-to-text"});
        QVERIFY2(upstreamScore.exitCode == 0, qPrintable(upstreamScore.err));
        const RunResult ourScore = run(kCli, {"evaluate", q(kEval / "valid_texts.jsonl"),
                                              q(root / "i2t.jsonl"), q(root / "output_tr.json")});
        QVERIFY2(ourScore.exitCode == 0, qPrintable(ourScore.err));
        QCOMPARE(QString::fromStdString(readFile(root / "output_tr.json")),
                 QString::fromStdString(readFile(root / "upstream_output_tr.json")));
    }

    // Values are read as Python reads them (text -> double) and then stored as float32 (numpy):
    // bit-for-bit what std::from_chars to double then a float cast gives, for Python's shortest
    // repr, other printf forms, exponents, signed zeros, tiny and huge values, and decimals at or
    // next to the midpoint between two floats (where a shortcut would round the wrong way).
    void featureValuesAreExactlyPythonsFloat32()
    {
        std::mt19937 random(7);
        std::normal_distribution<float> normal(0.0f, 0.05f);
        std::uniform_int_distribution<int> form(0, 9);
        std::vector<std::string> texts;
        char buffer[96];
        for (int i = 0; i < 200000; ++i) {
            const float f = normal(random);
            const double d = static_cast<double>(f);
            const float neighbour = std::nextafter(f, i % 2 ? 1.0f : -1.0f);
            const double midpoint = (d + static_cast<double>(neighbour)) / 2; // exact in double
            switch (form(random)) {
            case 0:
                std::snprintf(buffer, sizeof buffer, "%.9g", d);
                break;
            case 1:
                std::snprintf(buffer, sizeof buffer, "%.17e", d * 1e-6);
                break;
            case 2:
                std::snprintf(buffer, sizeof buffer, "%.17g", midpoint);
                break;
            case 3:
                std::snprintf(buffer, sizeof buffer, "%.40g", midpoint);
                break;
            case 4:
                std::snprintf(buffer, sizeof buffer, "%.17g", std::nextafter(midpoint, i % 3 ? 1.0 : -1.0));
                break;
            case 5:
                std::snprintf(buffer, sizeof buffer, "%.6E", d * 1e25);
                break;
            default:
                buffer[0] = '\0';
                appendPythonFloat(texts.emplace_back(), d); // upstream's json.dumps
                continue;
            }
            texts.emplace_back(buffer);
        }
        for (const char* special :
             {"0.0", "-0.0", "0", "-0", "1e-40", "-3.4028235e38", "1e-45", "123456789012345678901",
              "0.00001234567890123456789", "1E5", "2.5e+3", "100000000000000000000000000000"})
            texts.emplace_back(special);
        const std::size_t dim = 16;
        while (texts.size() % dim)
            texts.emplace_back("0.5");
        std::string jsonl;
        for (std::size_t row = 0; row < texts.size() / dim; ++row) {
            jsonl += "{\"image_id\": " + std::to_string(row) + ", \"feature\": [";
            for (std::size_t d = 0; d < dim; ++d)
                jsonl += (d ? ", " : "") + texts[row * dim + d];
            jsonl += "]}\n";
        }
        QTemporaryDir dir;
        const fs::path path = fs::path(dir.path().toStdString()) / "values.jsonl";
        writeFileAtomic(path, jsonl);
        QVERIFY(jsonl.size() > (1u << 20)); // several chunks, read in parallel
        const FeatureTable table = FeatureTable::readJsonl(path, "image_id");
        QCOMPARE(table.values.size(), texts.size());
        for (std::size_t i = 0; i < texts.size(); ++i) {
            double expected = 0;
            std::from_chars(texts[i].data(), texts[i].data() + texts[i].size(), expected);
            if (texts[i] == "-0")
                expected = 0.0; // Python's json reads it as the int 0, numpy makes +0.0
            const float want = static_cast<float>(expected);
            QVERIFY2(std::memcmp(&want, &table.values[i], sizeof want) == 0,
                     (texts[i] + " read as " + std::to_string(table.values[i])).c_str());
        }
    }

    // A bad line deep in a file read by several threads is named by its line number.
    void badLineInLargeFileNamesItsLine()
    {
        std::string jsonl;
        for (int row = 0; row < 40000; ++row) {
            jsonl += "{\"text_id\": " + std::to_string(row) + ", \"feature\": [0.25, -0.5, 0.125]}\n";
            if (row % 1000 == 0)
                jsonl += "\n"; // blank lines count as lines
        }
        const std::size_t badLine = 30000 + 31; // 30000 rows and 30 blank lines before it, 1-based
        std::size_t offset = 0;
        for (std::size_t line = 1; line < badLine; ++line)
            offset = jsonl.find('\n', offset) + 1;
        jsonl.insert(offset, "{\"text_id\": 5, \"feature\": [0.25, 0.5]}\n");
        QTemporaryDir dir;
        const fs::path path = fs::path(dir.path().toStdString()) / "texts.jsonl";
        writeFileAtomic(path, jsonl);
        try {
            FeatureTable::readJsonl(path, "text_id");
            QFAIL("no error");
        } catch (const Error& e) {
            QCOMPARE(QString::fromUtf8(e.what()),
                     q(path) +
                         QStringLiteral(":%1: feature has 2 values, the lines before have 3").arg(badLine));
        }
    }

    void badInputNamesFileAndLine_data()
    {
        QTest::addColumn<QString>("line");
        QTest::addColumn<QString>("message");
        QTest::newRow("malformed") << "{\"image_id\": 7, \"feature\": [0.1, 0.2"
                                   << "not a JSON object";
        QTest::newRow("missing id") << "{\"feature\": [0.1, 0.2]}"
                                    << "missing key \"image_id\"";
        QTest::newRow("missing feature") << "{\"image_id\": 7}"
                                         << "missing key \"feature\"";
        QTest::newRow("string id") << "{\"image_id\": \"7\", \"feature\": [0.1, 0.2]}"
                                   << "not an integer";
        QTest::newRow("width") << "{\"image_id\": 7, \"feature\": [0.1, 0.2, 0.3]}"
                               << "3 values";
        QTest::newRow("nan") << "{\"image_id\": 7, \"feature\": [NaN, 0.2]}"
                             << "";
    }
    void badInputNamesFileAndLine()
    {
        QFETCH(QString, line);
        QFETCH(QString, message);
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        writeFileAtomic(root / "imgs.jsonl", "{\"image_id\": 1, \"feature\": [0.6, 0.8]}\n"
                                             "{\"image_id\": 2, \"feature\": [1.0, 0.0]}\n" +
                                                 line.toStdString() + "\n");
        try {
            FeatureTable::readJsonl(root / "imgs.jsonl", "image_id");
            QFAIL("no error");
        } catch (const Error& e) {
            const QString text = QString::fromUtf8(e.what());
            QVERIFY2(text.startsWith(q(root / "imgs.jsonl") + ":3: "), e.what());
            QVERIFY2(text.contains(message), e.what());
        }
    }

    void cliBadInputFailsWithOneLineAndNoOutput()
    {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        writeFileAtomic(root / "imgs.jsonl",
                        "{\"image_id\": 1, \"feature\": [0.6, 0.8]}\n{\"feature\": [1, 0]}\n");
        writeFileAtomic(root / "texts.jsonl", "{\"text_id\": 1, \"feature\": [0.6, 0.8]}\n");
        const RunResult result =
            run(kCli, {"make-topk-predictions", "--image-feats", q(root / "imgs.jsonl"), "--text-feats",
                       q(root / "texts.jsonl"), "--output", q(root / "out.jsonl")});
        QCOMPARE(result.exitCode, 1);
        QVERIFY2(result.err.contains(q(root / "imgs.jsonl") + ":2: missing key \"image_id\""),
                 qPrintable(result.err));
        QCOMPARE(result.err.count('\n'), 1);
        QVERIFY(!fs::exists(root / "out.jsonl"));
    }

    void widthMismatchBetweenFilesNamesBoth()
    {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        writeFileAtomic(root / "imgs.jsonl", "{\"image_id\": 1, \"feature\": [0.6, 0.8]}\n");
        writeFileAtomic(root / "texts.jsonl", "{\"text_id\": 1, \"feature\": [0.6, 0.8, 0.0]}\n");
        TopkPredictionJob job;
        job.imageFeatures = root / "imgs.jsonl";
        job.textFeatures = root / "texts.jsonl";
        job.textToImageOutput = root / "out.jsonl";
        try {
            makeTopkPredictionFiles(job);
            QFAIL("no error");
        } catch (const Error& e) {
            const QString text = QString::fromUtf8(e.what());
            QVERIFY2(text.contains(q(root / "imgs.jsonl")) && text.contains(q(root / "texts.jsonl")),
                     e.what());
        }
        QVERIFY(!fs::exists(root / "out.jsonl"));
    }

    void evaluateRejectsBadPredictions_data()
    {
        QTest::addColumn<QString>("line");
        QTest::addColumn<QString>("message");
        QTest::newRow("malformed") << "{\"text_id\": 5000, \"image_ids\": [1,"
                                   << "cannot parse";
        QTest::newRow("short") << "{\"text_id\": 5000, \"image_ids\": [1, 2]}"
                               << "wrong number";
        QTest::newRow("duplicate") << "{\"text_id\": 5000, \"image_ids\": [1, 2, 3, 4, 5, 6, 7, 8, 9, 9]}"
                                   << "duplicate";
        QTest::newRow("string id")
            << "{\"text_id\": \"5000\", \"image_ids\": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}"
            << "should be an integer";
        QTest::newRow("no list") << "{\"text_id\": 5000}"
                                 << "image_ids";
    }
    void evaluateRejectsBadPredictions()
    {
        QFETCH(QString, line);
        QFETCH(QString, message);
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        std::string predictions = readFile(kEval / "valid_predictions.jsonl");
        predictions.insert(predictions.find('\n') + 1, line.toStdString() + "\n");
        writeFileAtomic(root / "pred.jsonl", predictions);
        const GoldStandard gold = readGoldJsonl(kEval / "valid_texts.jsonl");
        try {
            readPredictionsJsonl(root / "pred.jsonl", gold);
            QFAIL("no error");
        } catch (const Error& e) {
            const QString text = QString::fromUtf8(e.what());
            QVERIFY2(text.startsWith(q(root / "pred.jsonl") + ":2: "), e.what());
            QVERIFY2(text.contains(message), e.what());
        }
    }

    void cliEvaluateFailsWithoutOutputOrWithUpstreamReport()
    {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        std::string predictions = readFile(kEval / "valid_predictions.jsonl");
        predictions.insert(predictions.find('\n') + 1, "{\"text_id\": 5000, \"image_ids\": [1, 2]}\n");
        writeFileAtomic(root / "pred.jsonl", predictions);
        const RunResult result = run(kCli, {"evaluate", q(kEval / "valid_texts.jsonl"),
                                            q(root / "pred.jsonl"), q(root / "output.json")});
        QCOMPARE(result.exitCode, 1);
        QVERIFY2(result.err.contains(q(root / "pred.jsonl") + ":2: Text_id 5000 has wrong number"),
                 qPrintable(result.err));
        QCOMPARE(result.err.count('\n'), 1);
        QVERIFY(!fs::exists(root / "output.json"));

        const RunResult report = run(kCli, {"evaluate", "--error-report", q(kEval / "valid_texts.jsonl"),
                                            q(root / "pred.jsonl"), q(root / "output.json")});
        QCOMPARE(report.exitCode, 1);
        const auto written = nlohmann::json::parse(readFile(root / "output.json"));
        QCOMPARE(written.at("success").get<bool>(), false);
        QCOMPARE(written.at("score").get<int>(), 0);
        QVERIFY(written.at("errorMsg").get<std::string>().find("wrong number") != std::string::npos);
    }

    void evaluateNamesMissingPredictions()
    {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        std::string predictions = readFile(kEval / "valid_predictions.jsonl");
        predictions.erase(0, predictions.find('\n') + 1); // drop text 5000
        writeFileAtomic(root / "pred.jsonl", predictions);
        const GoldStandard gold = readGoldJsonl(kEval / "valid_texts.jsonl");
        try {
            readPredictionsJsonl(root / "pred.jsonl", gold);
            QFAIL("no error");
        } catch (const Error& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains("text_ids have no prediction: 5000"), e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestRetrievalEval)
#include "TestRetrievalEval.moc"
