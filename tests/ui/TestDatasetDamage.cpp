// A damaged LMDB split in the app: opening it (Dataset > Open folder, or
// `clipwb --page dataset --dataset DIR`) must leave the app running and show a
// message naming the split and the damaged file, whether the damage is found on
// opening or later by the grid, the thumbnails or the statistics (worker
// threads). Copies of the reference validation split are damaged in a temp dir.
#include "ui/dataset/DatasetPage.h"

#include <QApplication>
#include <QLabel>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <random>

namespace fs = std::filesystem;

namespace {

const fs::path kValid = fs::path(CLIPWB_TEST_FIXTURES) / "lmdb" / "lmdb" / "valid";
const fs::path kTrain = fs::path(CLIPWB_TEST_FIXTURES) / "lmdb" / "lmdb" / "train";

/// A copy of the validation split with `length` bytes at `offset` of imgs/data.mdb
/// replaced: random (mt19937, the same bytes everywhere) or zeros.
QString damagedCopy(const QTemporaryDir& tmp, std::int64_t offset, std::int64_t length, bool zeros)
{
    const fs::path split = fs::path(tmp.path().toStdString()) / "valid";
    fs::create_directories(split);
    fs::copy(kValid, split, fs::copy_options::recursive);
    const fs::path file = split / "imgs" / "data.mdb";
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::add);
    if (length < 0)
        length = static_cast<std::int64_t>(fs::file_size(file));
    std::string bytes(static_cast<std::size_t>(length), '\0');
    if (!zeros) {
        std::mt19937 random(static_cast<std::uint32_t>(offset + length));
        for (char& c : bytes)
            c = static_cast<char>(random() & 0xff);
    }
    std::fstream out(file, std::ios::in | std::ios::out | std::ios::binary);
    out.seekp(offset);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return QString::fromStdString(split.string());
}

} // namespace

class TestDatasetDamage : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void openFolder_data()
    {
        QTest::addColumn<qint64>("offset");
        QTest::addColumn<qint64>("length");
        QTest::addColumn<bool>("zeros");
        QTest::addColumn<bool>("opens"); // whether the damage is only found after opening
        // The case: 20 KB of random bytes in the middle of imgs/data.mdb.
        QTest::newRow("random 20 KB in the middle") << qint64(40000) << qint64(20480) << false << true;
        QTest::newRow("random 20 KB at page 2") << qint64(8192) << qint64(20480) << false << true;
        QTest::newRow("all zeros") << qint64(0) << qint64(-1) << true << false;
        QTest::newRow("root page zeroed") << qint64(8192) << qint64(4096) << true << true;
    }

    void openFolder()
    {
        QFETCH(qint64, offset);
        QFETCH(qint64, length);
        QFETCH(bool, zeros);
        QFETCH(bool, opens);
        QTemporaryDir tmp;
        const QString split = damagedCopy(tmp, offset, length, zeros);

        clipwb::ui::DatasetPage page;
        page.resize(1200, 800);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        QCOMPARE(page.openPath(split), opens);
        auto* banner = page.findChild<QLabel*>(QStringLiteral("errorBanner"));
        QVERIFY(banner);
        // Found on opening, or later on a worker thread: either way the page says so.
        QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible(), 30000);
        const QString text = banner->text();
        QVERIFY2(text.contains(split) && text.contains(QLatin1String("imgs/data.mdb")) &&
                     text.contains(QLatin1String("damaged")),
                 qPrintable(text));
        // Let the grid, thumbnails and statistics run into the damage too.
        QTest::qWait(500);
        QVERIFY(page.isVisible());
        // Still usable: an intact split opens and the message goes.
        QVERIFY(page.openPath(QString::fromStdString(kTrain.string())));
        QVERIFY(!banner->isVisible());
    }

    // The whole app, as a user starts it: it comes up, shows the page and exits
    // normally (here after the screenshot) instead of dying with SIGBUS.
    void appStaysUp()
    {
        QTemporaryDir tmp;
        const QString split = damagedCopy(tmp, 40000, 20480, false);
        const QString shot = tmp.filePath(QStringLiteral("shot.png"));
        QProcess app;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        env.insert(QStringLiteral("HOME"), tmp.path()); // no settings of the user's
        app.setProcessEnvironment(env);
        app.start(QStringLiteral(CLIPWB_BIN_DIR "/clipwb"),
                  {QStringLiteral("--page"), QStringLiteral("dataset"), QStringLiteral("--dataset"), split,
                   QStringLiteral("--screenshot"), shot});
        QVERIFY(app.waitForFinished(120000));
        const QString err = QString::fromUtf8(app.readAllStandardError());
        QCOMPARE(app.exitStatus(), QProcess::NormalExit);
        QVERIFY2(app.exitCode() == 0, qPrintable(err));
        QVERIFY(QFileInfo(shot).size() > 0);
    }
};

QTEST_MAIN(TestDatasetDamage)
#include "TestDatasetDamage.moc"
