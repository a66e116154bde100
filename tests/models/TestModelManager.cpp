// The model manager against a loopback HTTP server that this test starts
// (range_server.py on 127.0.0.1, never the internet): plain and Hugging Face
// style (redirect + X-Linked-ETag) downloads, a dropped connection resumed with
// a Range request, an interruption resumed by the next call, cancel, a server
// that ignores Range, a wrong size, a corrupt file, a file that is no
// checkpoint, the wrong architecture, a server error; import and verify; the CLI.
#include "common/Error.h"
#include "common/Sha256.h"
#include "models/ModelCatalog.h"
#include "models/ModelStore.h"
#include "net/HttpDownloader.h"
#include "net/ModelDownload.h"

#include <nlohmann/json.hpp>

#include <QElapsedTimer>
#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <vector>

using namespace clipwb;
namespace fs = std::filesystem;

namespace {

const fs::path kFixtures = CLIPWB_TEST_FIXTURES;
const char* kFile = "clip_cn_tiny.pt";

std::string readBytes(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

std::string errorOf(const std::function<void()>& action)
{
    try {
        action();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "(no error)";
}

} // namespace

class TestModelManager : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    fs::path m_served;
    QProcess m_server;
    QString m_base;
    std::vector<models::CatalogModel> m_catalog;
    std::string m_source;

    models::CatalogModel tiny() const { return *models::findModel(m_catalog, "Tiny"); }

    nlohmann::json serverLog()
    {
        QNetworkAccessManager manager;
        std::unique_ptr<QNetworkReply> reply(manager.get(QNetworkRequest(QUrl(m_base + "/_log"))));
        QEventLoop loop;
        connect(reply.get(), &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        return nlohmann::json::parse(reply->readAll().toStdString());
    }

    /// A fresh store folder per test function.
    models::ModelStore freshStore(const char* name)
    {
        const fs::path folder = fs::path(m_dir.path().toStdString()) / "stores" / name;
        fs::remove_all(folder);
        return models::ModelStore(folder);
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_served = fs::path(m_dir.path().toStdString()) / "served";
        fs::create_directories(m_served);
        fs::copy_file(kFixtures / "model/init.pt", m_served / kFile);
        m_source = readBytes(m_served / kFile);
        m_server.setProcessChannelMode(QProcess::SeparateChannels);
        m_server.start("python3", {QStringLiteral(CLIPWB_SOURCE_DIR "/tests/models/range_server.py"),
                                   QString::fromStdString(m_served.string())});
        QVERIFY(m_server.waitForStarted());
        QVERIFY(m_server.waitForReadyRead(20000));
        const int port = m_server.readLine().trimmed().toInt();
        QVERIFY(port > 0);
        m_base = QStringLiteral("http://127.0.0.1:%1").arg(port);
        // a catalog entry for the tiny test model, beside the official five
        const fs::path catalog = fs::path(m_dir.path().toStdString()) / "catalog.json";
        std::ofstream(catalog) << R"([{"name": "Tiny", "vision_model": "Tiny-ViT", "text_model": "Tiny-BERT",
                                       "repo": "tiny", "file": "clip_cn_tiny.pt", "resolution": 64}])";
        m_catalog = models::loadCatalog(catalog);
        QCOMPARE(m_catalog.size(), std::size_t{6});
    }

    void cleanupTestCase()
    {
        m_server.kill();
        m_server.waitForFinished();
    }

    void sha256KnownAnswers()
    {
        Sha256 empty;
        QCOMPARE(QString::fromStdString(empty.hexDigest()),
                 QStringLiteral("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        Sha256 abc;
        abc.update("a");
        abc.update("bc");
        QCOMPARE(QString::fromStdString(abc.hexDigest()),
                 QStringLiteral("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        Sha256 longer; // two blocks, split across update calls
        const std::string text = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        longer.update(text.substr(0, 30));
        longer.update(text.substr(30));
        QCOMPARE(QString::fromStdString(longer.hexDigest()),
                 QStringLiteral("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
    }

    void catalogListsTheOfficialModelsAndTheirUrls()
    {
        const auto official = models::officialModels();
        QCOMPARE(official.size(), std::size_t{5});
        const models::CatalogModel* b16 = models::findModel(official, "ViT-B/16");
        QVERIFY(b16);
        QCOMPARE(QString::fromStdString(models::downloadUrl(*b16, "huggingface")),
                 QStringLiteral("https://huggingface.co/OFA-Sys/chinese-clip-vit-base-patch16/resolve/main/"
                                "clip_cn_vit-b-16.pt"));
        QCOMPARE(QString::fromStdString(models::downloadUrl(*b16, "modelscope")),
                 QStringLiteral(
                     "https://modelscope.cn/api/v1/models/AI-ModelScope/chinese-clip-vit-base-patch16/repo?"
                     "Revision=master&FilePath=clip_cn_vit-b-16.pt"));
        QCOMPARE(QString::fromStdString(models::downloadUrl(*b16, "https://hf-mirror.com/")),
                 QStringLiteral("https://hf-mirror.com/OFA-Sys/chinese-clip-vit-base-patch16/resolve/main/"
                                "clip_cn_vit-b-16.pt"));
        qputenv("HF_ENDPOINT", "https://mirror.example");
        QVERIFY(models::downloadUrl(*b16, "").rfind("https://mirror.example/OFA-Sys/", 0) == 0);
        qunsetenv("HF_ENDPOINT");
        QVERIFY(errorOf([&] { models::downloadUrl(*b16, "ftp://x"); }).find("unknown mirror") !=
                std::string::npos);
        QCOMPARE(QString::fromStdString(models::findModel(official, "ViT-H-14")->textModel),
                 QStringLiteral("RoBERTa-wwm-ext-large-chinese"));
        QCOMPARE(models::findModel(official, "ViT-L-14-336")->resolution, 336);
    }

    void huggingFaceStyleDownloadVerifiesAndRecords()
    {
        models::ModelStore store = freshStore("hf");
        std::vector<Progress> reports;
        const models::ModelRecord record =
            net::downloadModel(store, tiny(), (m_base + "/hf").toStdString(), [&](const Progress& report) {
                reports.push_back(report);
                return true;
            });
        // bytes arriving ("download", to 90% of the job), then the hash of the file ("sha256", to 100%)
        const auto size = static_cast<std::int64_t>(m_source.size());
        std::size_t hashing = 0;
        while (hashing < reports.size() && reports[hashing].stage == "download")
            ++hashing;
        QVERIFY(hashing > 0 && hashing < reports.size());
        QCOMPARE(reports[hashing - 1].done, size);
        QCOMPARE(reports[hashing - 1].total, size);
        QCOMPARE(reports[hashing - 1].fraction, 0.9);
        for (std::size_t i = 1; i < reports.size(); ++i) {
            QVERIFY(reports[i].fraction >= reports[i - 1].fraction);
            QVERIFY(i == hashing || reports[i].done >= reports[i - 1].done);
        }
        for (std::size_t i = hashing; i < reports.size(); ++i)
            QCOMPARE(QString::fromStdString(reports[i].stage), QStringLiteral("sha256"));
        QCOMPARE(reports.back().done, size);
        QCOMPARE(reports.back().fraction, 1.0);
        QVERIFY(readBytes(store.folder() / kFile) == m_source);
        QVERIFY(!fs::exists(store.partialPathOf(tiny())));
        QCOMPARE(QString::fromStdString(record.sha256),
                 QString::fromStdString(sha256OfFile(m_served / kFile)));
        const auto stored = store.record("tiny");
        QVERIFY(stored);
        QCOMPARE(stored->size, static_cast<std::uint64_t>(m_source.size()));
        QCOMPARE(QString::fromStdString(stored->visionModel), QStringLiteral("Tiny-ViT"));
        QVERIFY(store.installedPath("Tiny"));
    }

    void droppedConnectionIsResumedWithRange()
    {
        models::ModelStore store = freshStore("drop");
        net::DownloadRequest request;
        request.url = (m_base + "/drop/OFA-Sys/tiny/resolve/main/" + kFile).toStdString();
        request.partial = store.partialPathOf(tiny());
        const net::DownloadResult result = net::downloadFile(request);
        QCOMPARE(result.resumes, 1);
        QVERIFY(readBytes(request.partial) == m_source);
        bool sawRange = false;
        for (const auto& entry : serverLog())
            if (entry["path"].get<std::string>().rfind("/drop/", 0) == 0 &&
                !entry["range"].get<std::string>().empty())
                sawRange = entry["range"] == "bytes=" + std::to_string(m_source.size() / 2) + "-";
        QVERIFY(sawRange);
    }

    void interruptionIsResumedByTheNextCall()
    {
        models::ModelStore store = freshStore("interrupt");
        net::DownloadRequest request;
        request.url = (m_base + "/drop/OFA-Sys/tiny-again/resolve/main/" + kFile).toStdString();
        request.partial = store.partialPathOf(tiny());
        request.automaticResumes = 0;
        const std::string error = errorOf([&] { net::downloadFile(request); });
        QVERIFY2(error.find("interrupted at " + std::to_string(m_source.size() / 2)) != std::string::npos &&
                     error.find("run it again to resume") != std::string::npos,
                 error.c_str());
        QCOMPARE(fs::file_size(request.partial), static_cast<std::uintmax_t>(m_source.size() / 2));
        const net::DownloadResult result = net::downloadFile(request);
        QCOMPARE(result.resumes, 1);
        QVERIFY(readBytes(request.partial) == m_source);
    }

    void cancelKeepsThePartialFileForAResume()
    {
        models::ModelStore store = freshStore("cancel");
        std::vector<Progress> reports;
        bool cancelled = false;
        try {
            net::downloadModel(store, tiny(), (m_base + "/slow").toStdString(), [&](const Progress& report) {
                reports.push_back(report);
                return report.done < 200000;
            });
        } catch (const Cancelled& e) {
            cancelled = true;
            QCOMPARE(QString::fromStdString(e.what()), QStringLiteral("cancelled"));
        }
        QVERIFY(cancelled);
        QVERIFY(!reports.empty());
        const auto fileSize = static_cast<std::int64_t>(m_source.size());
        for (std::size_t i = 0; i < reports.size(); ++i) {
            QCOMPARE(QString::fromStdString(reports[i].stage), QStringLiteral("download"));
            QVERIFY(reports[i].total == 0 || reports[i].total == fileSize);
            QVERIFY(reports[i].fraction >= 0 && reports[i].fraction < 0.9); // the download is 90% of the job
            QVERIFY(i == 0 || reports[i].done >= reports[i - 1].done);
        }
        QVERIFY(reports.back().done >= 200000 && reports.back().total == fileSize);
        const auto partial = fs::file_size(store.partialPathOf(tiny()));
        QVERIFY(partial >= 200000 && partial < m_source.size());
        QVERIFY(!store.record("Tiny"));
        net::downloadModel(store, tiny(), (m_base + "/ok").toStdString());
        QVERIFY(readBytes(store.folder() / kFile) == m_source);
        bool resumed = false;
        for (const auto& entry : serverLog())
            resumed = resumed || (entry["path"].get<std::string>().rfind("/ok/", 0) == 0 &&
                                  entry["range"] == "bytes=" + std::to_string(partial) + "-");
        QVERIFY(resumed);
    }

    void cancelWhileTheServerIsSilentStopsAtOnce()
    {
        models::ModelStore store = freshStore("silent");
        QElapsedTimer clock;
        clock.start();
        int reports = 0;
        std::int64_t bytes = 0;
        bool cancelled = false;
        try {
            net::downloadModel(store, tiny(), (m_base + "/silent").toStdString(),
                               [&](const Progress& report) {
                                   ++reports;
                                   bytes = std::max(bytes, report.done);
                                   return clock.elapsed() < 300;
                               });
        } catch (const Cancelled&) {
            cancelled = true;
        }
        QVERIFY(cancelled);
        QVERIFY2(clock.elapsed() < 5000,
                 qPrintable(QString::number(clock.elapsed()))); // not the server's 60 s
        QVERIFY(reports >= 2); // asked between bytes, not only when they come
        QCOMPARE(bytes, std::int64_t(0));
        QVERIFY(!store.record("Tiny"));
    }

    void serverIgnoringRangeRestartsFromZero()
    {
        models::ModelStore store = freshStore("norange");
        fs::create_directories(store.folder());
        std::ofstream(store.partialPathOf(tiny()), std::ios::binary) << m_source.substr(0, 1000) << "stale";
        net::downloadModel(store, tiny(), (m_base + "/norange").toStdString());
        QVERIFY(readBytes(store.folder() / kFile) == m_source);
    }

    void wrongSizeCorruptAndForeignFilesAreRefused()
    {
        models::ModelStore store = freshStore("bad");
        models::CatalogModel wrongSize = tiny();
        wrongSize.size = m_source.size() + 1;
        std::string error =
            errorOf([&] { net::downloadModel(store, wrongSize, (m_base + "/ok").toStdString()); });
        QVERIFY2(error.find("wrong size") != std::string::npos, error.c_str());

        error = errorOf([&] { net::downloadModel(store, tiny(), (m_base + "/corrupt").toStdString()); });
        QVERIFY2(error.find("SHA-256") != std::string::npos && error.find("removed") != std::string::npos,
                 error.c_str());
        QVERIFY(!fs::exists(store.pathOf(tiny())));

        error = errorOf([&] { net::downloadModel(store, tiny(), (m_base + "/garbage").toStdString()); });
        QVERIFY2(error.find("not a readable checkpoint") != std::string::npos, error.c_str());
        QVERIFY(!fs::exists(store.pathOf(tiny())));

        // the tiny file offered as the official ViT-B-16
        models::CatalogModel b16 = *models::findModel(m_catalog, "ViT-B-16");
        b16.file = kFile;
        error = errorOf([&] { net::downloadModel(store, b16, (m_base + "/ok").toStdString()); });
        QVERIFY2(error.find("not ViT-B-16's architecture") != std::string::npos &&
                     error.find("Tiny-ViT + Tiny-BERT") != std::string::npos,
                 error.c_str());

        error = errorOf([&] { net::downloadModel(store, tiny(), (m_base + "/error").toStdString()); });
        QVERIFY2(error.find("HTTP 503") != std::string::npos, error.c_str());
        QVERIFY(store.records().empty());
    }

    void importAndVerify()
    {
        models::ModelStore store = freshStore("import");
        const models::ModelRecord record = models::importModelFile(store, m_catalog, m_served / kFile);
        QCOMPARE(QString::fromStdString(record.name), QStringLiteral("Tiny")); // recognised by its shapes
        QVERIFY(readBytes(store.pathOf(tiny())) == m_source);
        QVERIFY(record.source.find("import: ") == 0);
        const auto stored = store.record("Tiny");
        QVERIFY(stored);
        models::verifyModelFile(store.pathOf(tiny()), tiny(), stored->size, stored->sha256);
        // damage the stored copy (a copy: the import may have hard-linked the original)
        const fs::path copy = store.pathOf(tiny());
        fs::remove(copy);
        std::string damaged = m_source;
        damaged[damaged.size() / 2] ^= 0x01;
        std::ofstream(copy, std::ios::binary) << damaged;
        const std::string error =
            errorOf([&] { models::verifyModelFile(copy, tiny(), stored->size, stored->sha256); });
        QVERIFY2(error.find("SHA-256") != std::string::npos, error.c_str());
        const std::string unknown =
            errorOf([&] { models::importModelFile(store, m_catalog, m_served / kFile, "ViT-X"); });
        QVERIFY2(unknown.find("unknown model 'ViT-X'") != std::string::npos, unknown.c_str());
    }

    void commandLine()
    {
        const QString models = m_dir.path() + "/cli-models";
        const QString catalog = m_dir.path() + "/catalog.json";
        const auto run = [&](const QStringList& arguments, int* code) {
            QProcess process;
            process.start(QStringLiteral(CLIPWB_BIN_DIR "/clipwb-cli"),
                          QStringList{"models"} + arguments +
                              QStringList{"--catalog", catalog, "--models-dir", models});
            process.waitForFinished(120000);
            *code = process.exitCode();
            return QString::fromUtf8(process.readAllStandardOutput() + process.readAllStandardError());
        };
        int code = -1;
        QString out = run({"list"}, &code);
        QCOMPARE(code, 0);
        QVERIFY2(out.contains("ViT-H-14") && out.contains("RoBERTa-wwm-ext-large-chinese") &&
                     out.contains("Tiny") && out.contains("not downloaded"),
                 qPrintable(out));
        out = run({"download", "Tiny", "--mirror", m_base + "/hf"}, &code);
        QVERIFY2(code == 0, qPrintable(out));
        QVERIFY(out.contains(QString::fromStdString(sha256OfFile(m_served / kFile))));
        out = run({"verify", "Tiny"}, &code);
        QVERIFY2(code == 0 && out.contains("OK"), qPrintable(out));
        out = run({"list"}, &code);
        QVERIFY2(out.contains(models + "/" + kFile), qPrintable(out));
        out = run({"download", "RN50", "--mirror", m_base + "/error"}, &code);
        QCOMPARE(code, 1);
        QVERIFY2(out.contains("HTTP 503") && out.count('\n') == 2,
                 qPrintable(out)); // the URL line, the error
    }
};

QTEST_GUILESS_MAIN(TestModelManager)
#include "TestModelManager.moc"
