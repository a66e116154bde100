#include "support/CrossCheck.h"
#include "common/Error.h"
#include "common/Pickle.h"
#include "data/Base64.h"
#include "data/DatasetChecker.h"
#include "data/ImageDecoder.h"
#include "data/LmdbBuilder.h"
#include "data/LmdbSplit.h"
#include "data/LmdbWriter.h"

#include <nlohmann/json.hpp>

#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <fstream>
#include <thread>

namespace fs = std::filesystem;
using namespace clipwb::data;

namespace {

const fs::path kFixtures = fs::path(CLIPWB_TEST_FIXTURES) / "lmdb";

std::vector<nlohmann::json> readJsonl(const fs::path& path)
{
    std::ifstream in(path);
    std::vector<nlohmann::json> rows;
    for (std::string line; std::getline(in, line);)
        if (!line.empty())
            rows.push_back(nlohmann::json::parse(line));
    return rows;
}

void writeText(const fs::path& path, const std::string& text)
{
    std::ofstream out(path, std::ios::binary);
    out << text;
}

std::string readAll(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

QString errorOf(const std::function<void()>& f)
{
    try {
        f();
    } catch (const clipwb::Error& e) {
        return QString::fromUtf8(e.what());
    }
    return {};
}

void compareWithDump(const LmdbSplit& split, const std::string& name)
{
    const auto counts = nlohmann::json::parse(readAll(kFixtures / "counts.json"));
    QCOMPARE(split.numSamples(), counts[name]["num_samples"].get<int64_t>());
    QCOMPARE(split.numImages(), counts[name]["num_images"].get<int64_t>());
    const auto dump = readJsonl(kFixtures / (name + "_pairs_dump.jsonl"));
    QCOMPARE(int64_t(dump.size()), split.numSamples());
    for (const auto& row : dump) {
        const PairRecord pair = split.pair(row["index"].get<int64_t>());
        QCOMPARE(pair.imageId, row["image_id"].get<int64_t>());
        QCOMPARE(pair.textId, row["text_id"].get<int64_t>());
        QCOMPARE(pair.text, row["text"].get<std::string>());
    }
}

} // namespace

class TestLmdb : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void referenceReadsBackAsDump()
    {
        for (const std::string name : {"train", "valid"}) {
            const fs::path dir = kFixtures / "lmdb" / name;
            const LmdbSplit split(dir);
            compareWithDump(split, name);
            const auto ids = split.imageIds();
            QCOMPARE(int64_t(ids.size()), split.numImages());
            for (const int64_t id : ids) {
                const cv::Mat rgb = decodeImageRgb(split.imageBytes(id), "image");
                QVERIFY(!rgb.empty());
            }
            // Read-only without lock files.
            QVERIFY(!fs::exists(dir / "imgs" / "lock.mdb"));
            QVERIFY(!fs::exists(dir / "pairs" / "lock.mdb"));
            QVERIFY(errorOf([&] { split.pair(split.numSamples()); }).contains(QString::fromStdString(name + " pair index")));
            QVERIFY(errorOf([&] { split.imageBytes(42); }).contains(QStringLiteral("image 42 is missing")));
        }
    }

    void base64BothAlphabets()
    {
        const std::string bytes("\xfb\xff\xbf\x00\x01", 5);
        const std::string standard = encodeBase64(bytes);
        QCOMPARE(standard, std::string("+/+/AAE="));
        QCOMPARE(*decodeBase64(standard), bytes);
        QCOMPARE(*decodeBase64("-_-_AAE"), bytes);
        QVERIFY(!decodeBase64("ab$c").has_value());
        QVERIFY(!decodeBase64("abcde").has_value());
    }

    void concurrentReads()
    {
        const LmdbSplit split(kFixtures / "lmdb" / "train");
        const auto dump = readJsonl(kFixtures / "train_pairs_dump.jsonl");
        std::atomic<int> mismatches{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&] {
                for (int round = 0; round < 5; ++round)
                    for (const auto& row : dump) {
                        const auto pair = split.pair(row["index"].get<int64_t>());
                        if (pair.text != row["text"].get<std::string>() || split.imageBytes(pair.imageId).empty())
                            ++mismatches;
                    }
            });
        for (auto& t : threads)
            t.join();
        QCOMPARE(mismatches.load(), 0);
    }

    void buildLmdbIsByteIdenticalToUpstream()
    {
        QTemporaryDir tmp;
        const fs::path data = tmp.path().toStdString();
        for (const char* f : {"train_imgs.tsv", "train_texts.jsonl", "valid_imgs.tsv", "valid_texts.jsonl"})
            fs::copy_file(kFixtures / f, data / f);
        BuildLmdbOptions options;
        options.dataDir = data;
        int calls = 0;
        const auto results = buildLmdb(options, [&](const clipwb::Progress&) { return ++calls > 0; });
        QCOMPARE(results.size(), size_t(2));
        QVERIFY(calls > 0);
        for (const std::string name : {"train", "valid"}) {
            const LmdbSplit ours(data / "lmdb" / name);
            const LmdbSplit upstream(kFixtures / "lmdb" / name);
            compareWithDump(ours, name);
            for (int64_t i = 0; i < upstream.numSamples(); ++i)
                QVERIFY(ours.rawPair(i) == upstream.rawPair(i)); // same pickle bytes as Python's
            QCOMPARE(ours.imageIds(), upstream.imageIds());
            for (const int64_t id : upstream.imageIds())
                QVERIFY(ours.imageBase64(id) == upstream.imageBase64(id));
            QVERIFY(!fs::exists(data / "lmdb" / name / "pairs" / "lock.mdb"));
        }
        // No temporary folders left behind.
        QCOMPARE(std::distance(fs::directory_iterator(data / "lmdb"), fs::directory_iterator()), 2L);
    }

    void upstreamPythonReadsOurLmdb()
    {
        CLIPWB_REQUIRE_PYTHON({QStringLiteral("lmdb")});
        QTemporaryDir tmp;
        const fs::path data = tmp.path().toStdString();
        for (const char* f : {"train_imgs.tsv", "train_texts.jsonl"})
            fs::copy_file(kFixtures / f, data / f);
        BuildLmdbOptions options;
        options.dataDir = data;
        options.splits = {"train"};
        buildLmdb(options);
        // What upstream's LMDBDataset does: lock=False, readonly, pickle.loads, urlsafe_b64decode.
        const QString script = QStringLiteral(
            "import lmdb, pickle, json, sys, base64\n"
            "split = sys.argv[1]\n"
            "env_p = lmdb.open(split + '/pairs', readonly=True, create=False, lock=False, readahead=False, meminit=False)\n"
            "env_i = lmdb.open(split + '/imgs', readonly=True, create=False, lock=False, readahead=False, meminit=False)\n"
            "tp, ti = env_p.begin(buffers=True), env_i.begin(buffers=True)\n"
            "n = int(tp.get(b'num_samples').tobytes().decode('utf-8'))\n"
            "m = int(ti.get(b'num_images').tobytes().decode('utf-8'))\n"
            "print(json.dumps({'num_samples': n, 'num_images': m}))\n"
            "for i in range(n):\n"
            "    image_id, text_id, text = pickle.loads(tp.get('{}'.format(i).encode('utf-8')).tobytes())\n"
            "    img = base64.urlsafe_b64decode(ti.get('{}'.format(image_id).encode('utf-8')).tobytes())\n"
            "    assert img[:4] in (b'\\x89PNG', b'\\xff\\xd8\\xff\\xe0', b'\\xff\\xd8\\xff\\xdb') or len(img) > 0\n"
            "    print(json.dumps({'index': i, 'image_id': image_id, 'text_id': text_id, 'text': text}, ensure_ascii=False))\n");
        QProcess python;
        python.start(QStringLiteral("/usr/bin/python3"),
                     {QStringLiteral("-c"), script, QString::fromStdString((data / "lmdb" / "train").string())});
        QVERIFY(python.waitForFinished(60000));
        QVERIFY2(python.exitCode() == 0, python.readAllStandardError().constData());
        const QList<QByteArray> lines = python.readAllStandardOutput().trimmed().split('\n');
        const auto counts = nlohmann::json::parse(lines[0].toStdString());
        QCOMPARE(counts["num_samples"].get<int>(), 96);
        QCOMPARE(counts["num_images"].get<int>(), 96);
        const auto dump = readJsonl(kFixtures / "train_pairs_dump.jsonl");
        QCOMPARE(lines.size() - 1, int(dump.size()));
        for (size_t i = 0; i < dump.size(); ++i)
            QVERIFY(nlohmann::json::parse(lines[int(i) + 1].toStdString()) == dump[i]);
    }

    void badInputLinesAreNamed()
    {
        QTemporaryDir tmp;
        const fs::path data = tmp.path().toStdString();
        const std::string png = readAll(kFixtures / "train_imgs.tsv").substr(0, 200); // not needed: build tsv below
        (void)png;
        const std::string goodImage = encodeBase64(readAll(fs::path(CLIPWB_TEST_FIXTURES) / "model" / "img0.png"));
        auto build = [&]() {
            BuildLmdbOptions options;
            options.dataDir = data;
            options.splits = {"train"};
            buildLmdb(options);
        };
        writeText(data / "train_imgs.tsv", "1\t" + goodImage + "\n2\t" + goodImage + "\n");
        writeText(data / "train_texts.jsonl", "{\"text_id\": 1, \"text\": \"a\", \"image_ids\": [1]}\n{oops\n");
        QVERIFY(errorOf(build).contains(QStringLiteral("train_texts.jsonl:2: bad JSON")));
        writeText(data / "train_texts.jsonl", "{\"text_id\": 1, \"image_ids\": [1]}\n");
        QVERIFY(errorOf(build).contains(QStringLiteral("train_texts.jsonl:1: field text is missing")));
        writeText(data / "train_texts.jsonl", "{\"text_id\": 1, \"text\": \"a\", \"image_ids\": [1, 2]}\n");
        writeText(data / "train_imgs.tsv", "1\t" + goodImage + "\n\n3\tnot*base64\n");
        QVERIFY(errorOf(build).contains(QStringLiteral("train_imgs.tsv:3: bad base64 for image 3")));
        writeText(data / "train_imgs.tsv", "1 " + goodImage + "\n");
        QVERIFY(errorOf(build).contains(QStringLiteral("train_imgs.tsv:1: expected")));
        // Nothing half-written is left behind.
        QVERIFY(!fs::exists(data / "lmdb" / "train"));
        QVERIFY(!fs::exists(data / "lmdb") || fs::is_empty(data / "lmdb"));
        fs::remove(data / "train_imgs.tsv");
        QVERIFY(errorOf(build).contains(QStringLiteral("missing")));
    }

    void corruptedLmdbIsReportedByName()
    {
        QTemporaryDir tmp;
        const fs::path split = fs::path(tmp.path().toStdString()) / "bad";
        const std::string png = readAll(fs::path(CLIPWB_TEST_FIXTURES) / "model" / "img0.png");
        auto pairValue = [](int64_t image, int64_t text, const std::string& caption) {
            using V = clipwb::pickle::Value;
            return clipwb::pickle::encode(V::tuple({V::integer(image), V::integer(text), V::string(caption)}));
        };
        {
            LmdbWriter pairs(split / "pairs", 2);
            pairs.put("0", pairValue(1, 10, "好的"));
            pairs.put("1", "\x80\x04not a pickle");
            pairs.put("2", pairValue(99, 11, "没有图片"));
            pairs.put("3", pairValue(1, 10, "好的"));
            pairs.put("num_samples", "5"); // index 4 is not stored
            pairs.finish();
            LmdbWriter imgs(split / "imgs");
            imgs.put("1", encodeBase64(png));
            imgs.put("2", "@@not base64@@");
            imgs.put("3", encodeBase64("hello, not an image"));
            imgs.put("num_images", "3");
            imgs.finish();
        }
        const LmdbSplit lmdb(split);
        QCOMPARE(lmdb.pair(0).text, std::string("好的"));
        QVERIFY(errorOf([&] { lmdb.pair(1); }).contains(QStringLiteral("bad pair index 1: bad pickle")));
        QVERIFY(errorOf([&] { lmdb.imageBytes(2); }).contains(QStringLiteral("image 2 is not valid base64")));

        int64_t lastDone = 0;
        const auto report = checkDataset(split, {}, [&](const clipwb::Progress& p) {
            lastDone = p.done;
            return true;
        });
        QVERIFY(!report.clean());
        QVERIFY(lastDone > 0);
        std::map<std::string, std::vector<const DatasetProblem*>> byKind;
        for (const auto& p : report.problems)
            byKind[DatasetProblem::kindName(p.kind)].push_back(&p);
        QCOMPARE(byKind["bad_pickle"].size(), size_t(1));
        QCOMPARE(byKind["bad_pickle"][0]->index, int64_t(1));
        QCOMPARE(byKind["missing_image"].size(), size_t(1));
        QCOMPARE(byKind["missing_image"][0]->imageId, int64_t(99));
        QVERIFY(QString::fromStdString(byKind["missing_image"][0]->message).contains(QStringLiteral("pair index 2")));
        QCOMPARE(byKind["duplicate_pair"].size(), size_t(1));
        QCOMPARE(byKind["duplicate_pair"][0]->index, int64_t(3));
        QCOMPARE(byKind["missing_pair"].size(), size_t(1));
        QCOMPARE(byKind["count_mismatch"].size(), size_t(1));
        QCOMPARE(byKind["bad_base64"].size(), size_t(1));
        QCOMPARE(byKind["bad_base64"][0]->imageId, int64_t(2));
        QCOMPARE(byKind["undecodable_image"].size(), size_t(1));
        QCOMPARE(byKind["undecodable_image"][0]->imageId, int64_t(3));
        const auto json = nlohmann::json::parse(report.toJson());
        QCOMPARE(json["ok"].get<bool>(), false);
        QCOMPARE(json["problems"].size(), report.problems.size());

        // Cancel stops early, with the one cancellation error.
        QVERIFY_EXCEPTION_THROWN(checkDataset(split, {}, [](const clipwb::Progress&) { return false; }),
                                 clipwb::Cancelled);

        // The clean reference passes.
        QVERIFY(checkDataset(kFixtures / "lmdb" / "valid").clean());
    }

    void cliDatasetCommands()
    {
        const QString cli = QStringLiteral(CLIPWB_BIN_DIR "/clipwb-cli");
        CLIPWB_REQUIRE_CLI();
        const QString train = QString::fromStdString((kFixtures / "lmdb" / "train").string());
        QProcess p;
        p.start(cli, {QStringLiteral("dataset"), QStringLiteral("info"), train});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 0);
        const auto info = nlohmann::json::parse(p.readAllStandardOutput().toStdString());
        QCOMPARE(info["num_samples"].get<int>(), 96);
        QCOMPARE(info["num_images"].get<int>(), 96);

        p.start(cli, {QStringLiteral("dataset"), QStringLiteral("pairs"), train, QStringLiteral("--offset"),
                      QStringLiteral("90"), QStringLiteral("--limit"), QStringLiteral("10")});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 0);
        const QList<QByteArray> lines = p.readAllStandardOutput().trimmed().split('\n');
        QCOMPARE(lines.size(), 6);
        const auto dump = readJsonl(kFixtures / "train_pairs_dump.jsonl");
        for (int i = 0; i < 6; ++i)
            QVERIFY(nlohmann::json::parse(lines[i].toStdString()) == dump[size_t(90 + i)]);

        p.start(cli, {QStringLiteral("dataset"), QStringLiteral("check"), train});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 0);
        QCOMPARE(nlohmann::json::parse(p.readAllStandardOutput().toStdString())["ok"].get<bool>(), true);

        p.start(cli, {QStringLiteral("dataset"), QStringLiteral("info"), QStringLiteral("/no/such/split")});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 1);
        QVERIFY(p.readAllStandardError().contains("/no/such/split"));

        QTemporaryDir tmp;
        for (const char* f : {"valid_imgs.tsv", "valid_texts.jsonl"})
            fs::copy_file(kFixtures / f, fs::path(tmp.path().toStdString()) / f);
        p.start(cli, {QStringLiteral("build-lmdb"), QStringLiteral("--data-dir"), tmp.path(), QStringLiteral("--splits"),
                      QStringLiteral("valid"), QStringLiteral("--lmdb-dir"), tmp.filePath(QStringLiteral("out"))});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 0);
        compareWithDump(LmdbSplit(fs::path(tmp.filePath(QStringLiteral("out")).toStdString()) / "valid"), "valid");
    }
};

QTEST_GUILESS_MAIN(TestLmdb)
#include "TestLmdb.moc"
