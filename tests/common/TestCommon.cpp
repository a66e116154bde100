#include "common/AtomicFile.h"
#include "common/Error.h"
#include "common/Resources.h"

#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <filesystem>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

class TestCommon : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void embeddedVocabIsUpstreams()
    {
        const auto vocab = clipwb::resources::find("vocab.txt");
        QVERIFY(vocab.has_value());
        QCOMPARE(std::count(vocab->begin(), vocab->end(), '\n'), 21128L);
        QVERIFY(vocab->substr(0, 6) == "[PAD]\n");
        QVERIFY(!clipwb::resources::find("no-such-file").has_value());
        const auto configs = clipwb::resources::list("model_configs/");
        QVERIFY(std::find(configs.begin(), configs.end(), "model_configs/ViT-B-16.json") != configs.end());
    }

    void atomicWriteReplacesWholeFile()
    {
        QTemporaryDir dir;
        const std::filesystem::path path = dir.filePath(QStringLiteral("a.txt")).toStdString();
        clipwb::writeFileAtomic(path, "first");
        clipwb::writeFileAtomic(path, "second");
        QCOMPARE(QString::fromStdString(clipwb::readFile(path)), QStringLiteral("second"));
        QCOMPARE(std::distance(std::filesystem::directory_iterator(dir.path().toStdString()),
                               std::filesystem::directory_iterator()), 1L);
    }

    void failedWriteKeepsPreviousFile()
    {
        QTemporaryDir dir;
        const std::filesystem::path path = dir.filePath(QStringLiteral("a.txt")).toStdString();
        clipwb::writeFileAtomic(path, "kept");
        {
            // A write that fails half-way, as on a full disk: a file-size limit (root too) with
            // SIGXFSZ ignored makes write() fail with EFBIG past 8 bytes.
            struct rlimit saved {};
            ::getrlimit(RLIMIT_FSIZE, &saved);
            const auto handler = std::signal(SIGXFSZ, SIG_IGN);
            struct rlimit limit = saved;
            limit.rlim_cur = 8;
            ::setrlimit(RLIMIT_FSIZE, &limit);
            QString message;
            try {
                clipwb::writeFileAtomic(path, "a text longer than eight bytes");
            } catch (const clipwb::Error& e) {
                message = QString::fromUtf8(e.what());
            }
            ::setrlimit(RLIMIT_FSIZE, &saved);
            std::signal(SIGXFSZ, handler);
            QCOMPARE(message, QString::fromStdString("cannot write " + path.string() + ": File too large"));
        }
        QCOMPARE(QString::fromStdString(clipwb::readFile(path)), QStringLiteral("kept"));
        QCOMPARE(std::distance(std::filesystem::directory_iterator(dir.path().toStdString()),
                               std::filesystem::directory_iterator()), 1L); // no temporary file left
        if (::geteuid() != 0) { // root ignores directory permissions
            ::chmod(dir.path().toLocal8Bit().constData(), 0500);
            QVERIFY_THROWS_EXCEPTION(clipwb::Error, clipwb::writeFileAtomic(path, "lost"));
            ::chmod(dir.path().toLocal8Bit().constData(), 0700);
            QCOMPARE(QString::fromStdString(clipwb::readFile(path)), QStringLiteral("kept"));
        }
    }

    void atomicWriteCreatesMissingFolders()
    {
        QTemporaryDir dir;
        const std::filesystem::path path =
            dir.filePath(QStringLiteral("feats/valid/a.jsonl")).toStdString();
        clipwb::writeFileAtomic(path, "line\n");
        QCOMPARE(QString::fromStdString(clipwb::readFile(path)), QStringLiteral("line\n"));
    }

    void atomicWriteUnderAFileNamesThePath()
    {
        QTemporaryDir dir;
        const std::filesystem::path blocker = dir.filePath(QStringLiteral("plain")).toStdString();
        clipwb::writeFileAtomic(blocker, "x");
        try {
            clipwb::writeFileAtomic(blocker / "out.json", "y");
            QFAIL("no exception");
        } catch (const clipwb::Error& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("plain/out.json")), e.what());
        }
    }

    void readMissingFileNamesIt()
    {
        try {
            clipwb::readFile("/no/such/file.json");
            QFAIL("no exception");
        } catch (const clipwb::Error& e) {
            QVERIFY(QString::fromUtf8(e.what()).contains(QStringLiteral("/no/such/file.json")));
        }
    }
};

QTEST_GUILESS_MAIN(TestCommon)
#include "TestCommon.moc"
