#include "support/CrossCheck.h"
#include "common/Error.h"
#include "data/DatasetChecker.h"
#include "data/DemoDataset.h"
#include "data/ImageDecoder.h"
#include "data/LmdbSplit.h"

#include <nlohmann/json.hpp>

#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <fstream>
#include <set>

namespace fs = std::filesystem;
using namespace clipwb::data;

namespace {
std::string readAll(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}
} // namespace

class TestDemoDataset : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void writesRawAndLmdbDeterministically()
    {
        QTemporaryDir a, b;
        DemoDatasetOptions options;
        options.trainImages = 120;
        options.validImages = 30;
        options.outDir = a.path().toStdString();
        double last = -1;
        bool monotonic = true;
        const auto summary = makeDemoDataset(options, [&](const clipwb::Progress& p) {
            monotonic = monotonic && p.fraction >= last;
            last = p.fraction;
            return true;
        });
        QVERIFY(monotonic);
        QCOMPARE(last, 1.0);
        QCOMPARE(summary.trainPairs, int64_t(120));
        QCOMPARE(summary.validPairs, int64_t(30));
        options.outDir = b.path().toStdString();
        makeDemoDataset(options);
        for (const char* f : {"train_imgs.tsv", "train_texts.jsonl", "valid_imgs.tsv", "valid_texts.jsonl"})
            QVERIFY2(readAll(fs::path(a.path().toStdString()) / f) == readAll(fs::path(b.path().toStdString()) / f), f);

        const fs::path root = a.path().toStdString();
        for (const std::string split : {"train", "valid"}) {
            const LmdbSplit lmdb(root / "lmdb" / split);
            QCOMPARE(lmdb.numImages(), split == "train" ? int64_t(120) : int64_t(30));
            QCOMPARE(lmdb.numSamples(), lmdb.numImages());
            QVERIFY(checkDataset(root / "lmdb" / split).clean());
            const cv::Mat rgb = decodeImageRgb(lmdb.imageBytes(lmdb.pair(0).imageId), "demo");
            QCOMPARE(rgb.cols, 64);
            QCOMPARE(rgb.rows, 64);
        }
        // Captions describe the pictures and vary.
        std::set<std::string> captions;
        std::ifstream in(root / "train_texts.jsonl");
        for (std::string line; std::getline(in, line);) {
            const auto j = nlohmann::json::parse(line);
            const std::string text = j["text"];
            QVERIFY(text.find("背景上的") != std::string::npos);
            captions.insert(text);
        }
        QVERIFY(captions.size() > 60);
    }

    void seedChangesTheData()
    {
        QVERIFY(makeDemoSample(1, 64).jpeg != makeDemoSample(2, 64).jpeg);
        QCOMPARE(makeDemoSample(7, 32).caption, makeDemoSample(7, 32).caption);
    }

    void cancelLeavesNoLmdb()
    {
        QTemporaryDir dir;
        DemoDatasetOptions options;
        options.trainImages = 200;
        options.validImages = 20;
        options.outDir = dir.path().toStdString();
        try {
            makeDemoDataset(options, [](const clipwb::Progress& p) { return p.fraction < 0.5; });
            QFAIL("not cancelled");
        } catch (const clipwb::Cancelled&) {
        }
        QVERIFY(!fs::exists(fs::path(dir.path().toStdString()) / "lmdb" / "train"));
    }

    void cliMakesTheDataset()
    {
        const QString cli = QStringLiteral(CLIPWB_BIN_DIR "/clipwb-cli");
        CLIPWB_REQUIRE_CLI();
        QTemporaryDir dir;
        QProcess p;
        p.start(cli, {QStringLiteral("make-demo-dataset"), QStringLiteral("--out"), dir.path(), QStringLiteral("--train"),
                      QStringLiteral("40"), QStringLiteral("--valid"), QStringLiteral("10"), QStringLiteral("--resolution"),
                      QStringLiteral("48")});
        QVERIFY(p.waitForFinished(120000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        const LmdbSplit valid(fs::path(dir.path().toStdString()) / "lmdb" / "valid");
        QCOMPARE(valid.numImages(), int64_t(10));
        QCOMPARE(decodeImageRgb(valid.imageBytes(valid.pair(0).imageId), "demo").cols, 48);
    }
};

QTEST_GUILESS_MAIN(TestDemoDataset)
#include "TestDemoDataset.moc"
