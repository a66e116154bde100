// The zero-shot image features kept on disk per checkpoint: a file round-trips;
// one made for another key, another shape, truncated, or holding garbage is
// ignored (never trusted, never a crash); a second session on the same
// checkpoint and folder encodes nothing and scores the same; a checkpoint
// rewritten in place (a later training step) is encoded again.
#include "zeroshot/FeatureCacheFile.h"
#include "zeroshot/ImageFolder.h"
#include "zeroshot/ZeroShotSession.h"

#include <QTemporaryDir>
#include <QtTest>
#include <cstring>
#include <limits>

#include <filesystem>
#include <fstream>
#include <thread>

using namespace clipwb;
using namespace clipwb::zeroshot;
namespace fs = std::filesystem;

namespace {
const std::string kFixtures = CLIPWB_TEST_FIXTURES;

void writeBytes(const fs::path& path, const std::string& bytes)
{
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::string readBytes(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
} // namespace

class TestFeatureCache : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    fs::path dir() const { return fs::path(m_dir.path().toStdString()); }

private Q_SLOTS:
    void fileRoundTripsAndBadFilesAreIgnored()
    {
        CachedFeatures features;
        features.rows = 3;
        features.dim = 4;
        for (int i = 0; i < 12; ++i)
            features.values.push_back(static_cast<float>(i) / 12.0f - 0.5f);
        const fs::path file = featureCachePath(dir() / "cache", "epoch_3", "key A");
        QCOMPARE(QString::fromStdString(file.filename().string()).left(8), QStringLiteral("epoch_3-"));
        QVERIFY(featureCachePath(dir(), "epoch_3", "key B") != featureCachePath(dir(), "epoch_3", "key A"));
        writeFeatureCache(file, "key A", features);
        const auto read = readFeatureCache(file, "key A", 3);
        QVERIFY(read);
        QCOMPARE(read->dim, 4);
        QVERIFY(read->values == features.values);

        QVERIFY(!readFeatureCache(file, "key B", 3));           // made for something else
        QVERIFY(!readFeatureCache(file, "key A", 4));           // another image count
        QVERIFY(!readFeatureCache(dir() / "none", "key A", 3)); // missing
        const std::string good = readBytes(file);
        writeBytes(file, good.substr(0, good.size() - 1)); // truncated
        QVERIFY(!readFeatureCache(file, "key A", 3));
        writeBytes(file, good + "x"); // trailing bytes
        QVERIFY(!readFeatureCache(file, "key A", 3));
        std::string nan = good;
        const float bad = std::numeric_limits<float>::quiet_NaN();
        std::memcpy(nan.data() + nan.size() - sizeof(float), &bad, sizeof(float));
        writeBytes(file, nan); // not a normalised feature
        QVERIFY(!readFeatureCache(file, "key A", 3));
        writeBytes(file, std::string(100000, '\xff')); // garbage without a header line
        QVERIFY(!readFeatureCache(file, "key A", 3));
        writeBytes(file, "clipwb-zeroshot-features 1 x 3 99999999999999999999\n"); // absurd shape
        QVERIFY(!readFeatureCache(file, "key A", 3));
        // a folder that cannot be written: one clear error naming it
        writeBytes(dir() / "plain", "a file");
        try {
            writeFeatureCache(dir() / "plain" / "sub" / "f.features", "k", features);
            QFAIL("no error");
        } catch (const std::exception& e) {
            QVERIFY2(QString(e.what()).contains("plain"), e.what());
        }
    }

    void cacheIsPrunedOldestFirst()
    {
        const fs::path folder = dir() / "prune";
        fs::create_directories(folder);
        CachedFeatures features;
        features.rows = 10;
        features.dim = 10;
        features.values.assign(100, 0.1f);
        std::vector<fs::path> files;
        for (int i = 0; i < 5; ++i) {
            files.push_back(featureCachePath(folder, "ckpt", "key " + std::to_string(i)));
            writeFeatureCache(files.back(), "key " + std::to_string(i), features); // prunes to the defaults
            fs::last_write_time(files.back(), fs::file_time_type::clock::now() - std::chrono::hours(10 - i));
        }
        writeBytes(folder / "notes.txt", "not ours");
        QCOMPARE(std::distance(fs::directory_iterator(folder), fs::directory_iterator()), 6L);
        // at most 3 files: the two oldest go
        pruneFeatureCache(folder, files[4], 3);
        QVERIFY(!fs::exists(files[0]) && !fs::exists(files[1]));
        QVERIFY(fs::exists(files[2]) && fs::exists(files[3]) && fs::exists(files[4]));
        // a byte limit below one file: only the file to keep stays, even when it is not the newest
        pruneFeatureCache(folder, files[2], 64, 100);
        QVERIFY(fs::exists(files[2]) && !fs::exists(files[3]) && !fs::exists(files[4]));
        QVERIFY(fs::exists(folder / "notes.txt"));
        pruneFeatureCache(dir() / "no such folder", {}); // nothing to do, no error
    }

    void secondSessionEncodesNothing()
    {
        const fs::path checkpoint = dir() / "model.pt";
        fs::copy_file(kFixtures + "/zeroshot/shapes_vit.pt", checkpoint);
        const ImageFolder folder = ImageFolder::scan(kFixtures + "/zeroshot/shapes5/test");
        const std::vector<std::string> names = {"圆形", "正方形", "三角形", "星形", "十字"};
        const std::vector<std::string> templates = {"{}的照片。", "一张{}的图片。"};
        ZeroShotModel model;
        model.checkpoint = checkpoint.string();
        model.device = "cpu";
        model.featureCache = dir() / "features";

        int encoded = 0;
        const ProgressCallback count = [&](const Progress& report) {
            encoded += report.stage == "images";
            return true;
        };
        ZeroShotSession first(model);
        const ZeroShotScores a = first.evaluate(folder, names, templates, count);
        QVERIFY(encoded > 0);
        QVERIFY(!first.lastImagesCached());
        const fs::path file = first.lastFeatureFile();
        QVERIFY2(fs::exists(file), file.string().c_str());
        QVERIFY(file.parent_path() == model.featureCache);

        encoded = 0;
        ZeroShotSession second(model);
        const ZeroShotScores b = second.evaluate(folder, names, templates, count);
        QCOMPARE(encoded, 0);
        QVERIFY(second.lastImagesCached());
        QVERIFY(a.probabilities() == b.probabilities()); // the same floats, bit for bit

        // a damaged cache file is encoded again and rewritten
        writeBytes(file, readBytes(file).substr(0, 200));
        ZeroShotSession third(model);
        const ZeroShotScores c = third.evaluate(folder, names, templates, count);
        QVERIFY(encoded > 0);
        QVERIFY(!third.lastImagesCached());
        QVERIFY(a.probabilities() == c.probabilities());
        QVERIFY(readFeatureCache(file, "", 0) == std::nullopt); // (the key is not the empty string)
        QVERIFY(fs::file_size(file) > 200);

        // the checkpoint rewritten in place (a later step of the same run): not the old features
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        fs::copy_file(kFixtures + "/model/init.pt", checkpoint, fs::copy_options::overwrite_existing);
        encoded = 0;
        ZeroShotSession fourth(model);
        const ZeroShotScores d = fourth.evaluate(folder, names, templates, count);
        QVERIFY(encoded > 0);
        QVERIFY(fourth.lastFeatureFile() != file);
        QVERIFY(a.probabilities() != d.probabilities());
    }

    void sessionReportsItsStagesAndStopsWhenAsked()
    {
        const ImageFolder folder = ImageFolder::scan(kFixtures + "/zeroshot/shapes5/test");
        const std::vector<std::string> names = {"圆形", "正方形", "三角形", "星形", "十字"};
        const std::vector<std::string> templates = {"{}的照片。"};
        ZeroShotModel model;
        model.checkpoint = kFixtures + "/zeroshot/shapes_vit.pt";
        model.device = "cpu";
        model.imageBatchSize = 4;
        model.featureCache = dir() / "stopped";
        ZeroShotSession session(model);

        // stopped after the first batch of images: Cancelled, and no half set of features kept
        std::vector<Progress> reports;
        bool cancelled = false;
        try {
            session.evaluate(folder, names, templates, [&](const Progress& report) {
                reports.push_back(report);
                return !(report.stage == "images" && report.done > 0);
            });
        } catch (const Cancelled&) {
            cancelled = true;
        }
        QVERIFY(cancelled);
        QCOMPARE(session.cachedImageSets(), 0);
        QVERIFY(!fs::exists(model.featureCache) || fs::is_empty(model.featureCache));
        QVERIFY(reports.size() >= 4);
        QCOMPARE(QString::fromStdString(reports[0].stage), QStringLiteral("model"));
        QCOMPARE(reports[1].fraction, 0.1); // the model loaded: 10% of the job
        QCOMPARE(QString::fromStdString(reports.back().stage), QStringLiteral("images"));
        QCOMPARE(reports.back().done, std::int64_t(4));
        QCOMPARE(reports.back().total, folder.size());

        // run again to the end: the loaded model is kept, images then prompts, fractions rising to 1
        reports.clear();
        const ZeroShotScores scores = session.evaluate(folder, names, templates, [&](const Progress& report) {
            reports.push_back(report);
            return true;
        });
        QCOMPARE(QString::fromStdString(reports.front().stage), QStringLiteral("images"));
        QCOMPARE(QString::fromStdString(reports.back().stage), QStringLiteral("prompts"));
        QCOMPARE(reports.back().done, std::int64_t(names.size()));
        QCOMPARE(reports.back().fraction, 1.0);
        for (std::size_t i = 1; i < reports.size(); ++i)
            QVERIFY(reports[i].fraction >= reports[i - 1].fraction);
        QCOMPARE(scores.images(), folder.size());

        // all cached now: nothing to report, nothing to stop
        int more = 0;
        session.evaluate(folder, names, templates, [&](const Progress&) {
            ++more;
            return false;
        });
        QCOMPARE(more, 0);
    }
};

QTEST_MAIN(TestFeatureCache)
#include "TestFeatureCache.moc"
