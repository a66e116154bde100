// A real run read back by TensorBoard itself: `clipwb-cli train` on the
// fp32_bs8 fixture, killed with SIGKILL after 8 steps and started again with
// the same command; then tensorboard_readback.py (TensorBoard's
// EventAccumulator, as `tensorboard --logdir` reads) must find exactly the
// curves of metrics.jsonl: every step once, none missing, the same values.
// export-tensorboard on a copy without event files must give the same.
// Needs a Python with the tensorboard package: packaging/tensorboard-env.sh
// makes one (the README's test command runs it); without it the test is
// skipped, except in CI (CI=true), where it fails.
#include "UpstreamRun.h"

#include "common/AtomicFile.h"
#include "train/TensorBoardWriter.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <sys/types.h>

namespace fs = std::filesystem;

class TestTensorBoardReadback : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_python;

    QJsonObject readBack(const fs::path& run)
    {
        QProcess python;
        python.start(m_python, {QStringLiteral(CLIPWB_SOURCE_DIR "/tests/train/tensorboard_readback.py"),
                                QString::fromStdString(run.string())});
        if (!python.waitForFinished(240000))
            return {};
        const QString err = QString::fromUtf8(python.readAllStandardError());
        if (python.exitStatus() != QProcess::NormalExit || python.exitCode() != 0) {
            qWarning("readback of %s failed: %s", run.c_str(), qPrintable(err));
            return {};
        }
        return QJsonDocument::fromJson(python.readAllStandardOutput()).object();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_python = qEnvironmentVariable("CLIPWB_TENSORBOARD_PYTHON",
                                        QDir::homePath() +
                                            QStringLiteral("/.cache/clipwb/tensorboard-venv/bin/python"));
        QProcess probe;
        probe.start(m_python,
                    {QStringLiteral("-c"),
                     QStringLiteral("import tensorboard.backend.event_processing.event_accumulator")});
        const bool ok = probe.waitForFinished(120000) && probe.exitStatus() == QProcess::NormalExit &&
                        probe.exitCode() == 0;
        if (!ok) {
            const QString why =
                QStringLiteral("no Python with tensorboard at %1: run packaging/tensorboard-env.sh "
                               "(or set CLIPWB_TENSORBOARD_PYTHON)")
                    .arg(m_python);
            if (qEnvironmentVariable("CI") == QStringLiteral("true"))
                QFAIL(qPrintable(why));
            QSKIP(qPrintable(why));
        }
    }

    void killedAndResumedRunReadsBackAsMetrics()
    {
        const fs::path config = upstream_run::copyTrainFixture(m_dir.path().toStdString(), "fp32_bs8");
        auto json = nlohmann::json::parse(clipwb::readFile(config));
        json["save_step_frequency"] = 3;
        json["resume"] = nullptr;
        json["reset_data_offset"] = false;
        json["reset_optimizer"] = false;
        clipwb::writeFileAtomic(config, json.dump(2));
        const QString logs = m_dir.filePath(QStringLiteral("runs"));
        const QStringList args{QStringLiteral("train"),
                               QStringLiteral("--config"),
                               QString::fromStdString(config.string()),
                               QStringLiteral("--logs"),
                               logs,
                               QStringLiteral("--device"),
                               QStringLiteral("cpu")};
        const fs::path run = fs::path(logs.toStdString()) / "fp32_bs8";
        QProcess process;
        process.start(QStringLiteral(CLIPWB_BIN_DIR "/clipwb-cli"), args);
        QVERIFY(process.waitForStarted());
        bool killed = false;
        for (int i = 0; i < 120000 && process.state() != QProcess::NotRunning; ++i) {
            if (fs::exists(run / "metrics.jsonl") &&
                upstream_run::readRecords(run / "metrics.jsonl", "train").size() >= 8) {
                ::kill(static_cast<pid_t>(process.processId()), SIGKILL);
                killed = true;
                break;
            }
            QTest::qWait(2);
        }
        process.waitForFinished();
        QVERIFY2(killed, "the run ended before it could be killed");
        const auto eventsAtKill = clipwb::train::TensorBoardWriter::eventFiles(run);
        QCOMPARE(eventsAtKill.size(), size_t(1));

        const auto r = upstream_run::runCli(args);
        QVERIFY2(r.exitCode == 0, qPrintable(r.stderrText));
        const auto train = upstream_run::readRecords(run / "metrics.jsonl", "train");
        const auto val = upstream_run::readRecords(run / "metrics.jsonl", "val");
        QCOMPARE(train.size(), size_t(24));
        QCOMPARE(val.size(), size_t(3));

        const QJsonObject back = readBack(run);
        QVERIFY2(!back.isEmpty(),
                 "TensorBoard's reader disagrees with metrics.jsonl (see the warning above)");
        QCOMPARE(back.value(QStringLiteral("event_files")).toInt(), 2); // one file per session
        QVERIFY(back.value(QStringLiteral("tags")).toInt() >= 9 + 5);
        QVERIFY(back.value(QStringLiteral("points")).toInt() >= 24 * 9 + 3 * 5);

        // export-tensorboard on a copy that has only metrics.jsonl.
        const fs::path copy = fs::path(m_dir.path().toStdString()) / "exported";
        fs::create_directories(copy);
        fs::copy_file(run / "metrics.jsonl", copy / "metrics.jsonl");
        QProcess cli;
        cli.start(QStringLiteral(CLIPWB_BIN_DIR "/clipwb-cli"),
                  {QStringLiteral("export-tensorboard"), QString::fromStdString(copy.string())});
        QVERIFY(cli.waitForFinished(60000));
        QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
        const QJsonObject exported = readBack(copy);
        QVERIFY(!exported.isEmpty());
        QCOMPARE(exported.value(QStringLiteral("event_files")).toInt(), 1);
        QCOMPARE(exported.value(QStringLiteral("tags")), back.value(QStringLiteral("tags")));
        QCOMPARE(exported.value(QStringLiteral("points")), back.value(QStringLiteral("points")));
    }
};

QTEST_GUILESS_MAIN(TestTensorBoardReadback)
#include "TestTensorBoardReadback.moc"
