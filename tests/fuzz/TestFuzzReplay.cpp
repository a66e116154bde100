// Replays every committed fuzz corpus file and regression case through the
// entry points the libFuzzer targets use (FuzzEntries.h), in the normal build:
// none may crash, hang or throw anything but clipwb::Error; files named
// accept-* must be accepted and reject-* rejected (so a seed that stops parsing,
// or a regression input that is suddenly accepted, fails here).
#include "FuzzEntries.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QtTest>

using namespace clipwb::fuzz;

class TestFuzzReplay : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void replay_data()
    {
        QTest::addColumn<QString>("target");
        QTest::addColumn<QString>("file");
        const QDir root(QStringLiteral(CLIPWB_FUZZ_DIR));
        int rows = 0;
        for (const Target& target : targets()) {
            int seeds = 0;
            for (const char* kind : {"corpus", "regressions"}) {
                const QDir dir(root.filePath(
                    QStringLiteral("%1/%2").arg(QLatin1String(kind), QLatin1String(target.name))));
                for (const QString& name : dir.entryList(QDir::Files, QDir::Name)) {
                    QTest::newRow(qPrintable(QStringLiteral("%1/%2/%3")
                                                 .arg(QLatin1String(kind), QLatin1String(target.name), name)))
                        << QString::fromLatin1(target.name) << dir.filePath(name);
                    ++rows;
                    seeds += kind == std::string("corpus");
                }
            }
            // Every target has a committed seed corpus.
            if (seeds == 0)
                qWarning("fuzz target %s has no seed corpus", target.name);
            QVERIFY2(seeds > 0, target.name);
        }
        QVERIFY(rows > 0);
    }

    void replay()
    {
        QFETCH(QString, target);
        QFETCH(QString, file);
        const Target* entry = findTarget(target.toStdString());
        QVERIFY(entry);
        QFile in(file);
        QVERIFY2(in.open(QIODevice::ReadOnly), qPrintable(file));
        const QByteArray bytes = in.readAll();
        QElapsedTimer timer;
        timer.start();
        Outcome outcome = Outcome::Rejected;
        try {
            outcome = entry->run(reinterpret_cast<const std::uint8_t*>(bytes.constData()),
                                 static_cast<std::size_t>(bytes.size()));
        } catch (const std::exception& e) {
            QFAIL(qPrintable(
                QStringLiteral("%1 threw %2 (only clipwb::Error may leave a reader): %3")
                    .arg(file, QString::fromLatin1(typeid(e).name()), QString::fromStdString(e.what()))));
        }
        // libFuzzer's hang limit is far above this; a replayed case must be quick.
        QVERIFY2(timer.elapsed() < 20000,
                 qPrintable(QStringLiteral("%1 took %2 ms").arg(file).arg(timer.elapsed())));
        const QString name = QFileInfo(file).fileName();
        if (name.startsWith(QLatin1String("accept-")))
            QVERIFY2(outcome == Outcome::Accepted,
                     qPrintable(QStringLiteral("%1 was rejected: %2")
                                    .arg(file, QString::fromStdString(lastRejection()))));
        if (name.startsWith(QLatin1String("reject-"))) {
            QVERIFY2(outcome == Outcome::Rejected, qPrintable(file + QStringLiteral(" was accepted")));
            // A rejection says why.
            QVERIFY(!lastRejection().empty());
        }
    }
};

QTEST_GUILESS_MAIN(TestFuzzReplay)
#include "TestFuzzReplay.moc"
