// Faults during training, proven harmless: a write error while saving a
// checkpoint, metrics.jsonl or train.log (a file-size limit, RLIMIT_FSIZE, in
// the child; /dev/full for "No space left on device") stops `clipwb-cli train`
// with a non-zero exit and a message naming the file and the cause, keeps the
// previous checkpoint loadable, and the same command later resumes onto the
// uninterrupted trajectory; a NaN loss in fp32 stops at that step; kill -9 at
// random points while checkpoints are written, many times, always leaves a
// complete epoch_latest.pt, and resuming after every kill still reproduces the
// uninterrupted run. Trajectories are compared exactly: the same binary on the
// same machine, the same arithmetic (no reference from other code here).
#include "support/CrossCheck.h"

#include "UpstreamRun.h"
#include "common/AtomicFile.h"
#include "common/Error.h"
#include "train/MetricsWriter.h"
#include "train/TrainCheckpoint.h"
#include "train/TrainLog.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <functional>
#include <random>
#include <sys/resource.h>
#include <sys/types.h>

namespace fs = std::filesystem;
using upstream_run::readRecords;

namespace {

struct Result {
    int exitCode = -1;
    bool crashed = false;
    QString err;
};

/// Runs clipwb-cli; fileSizeLimit > 0 sets RLIMIT_FSIZE in the child with SIGXFSZ ignored, so a
/// write past the limit fails with EFBIG ("File too large") as on a full quota.
Result runCli(const QStringList& args, rlim_t fileSizeLimit = 0)
{
    QProcess process;
    if (fileSizeLimit > 0)
        process.setChildProcessModifier([fileSizeLimit] {
            std::signal(SIGXFSZ, SIG_IGN); // survives exec: write() then fails with EFBIG
            struct rlimit limit {
                fileSizeLimit, fileSizeLimit
            };
            ::setrlimit(RLIMIT_FSIZE, &limit);
        });
    process.start(QStringLiteral(CLIPWB_BIN_DIR "/clipwb-cli"), args);
    Result r;
    if (!process.waitForFinished(300000)) {
        process.kill();
        process.waitForFinished();
        r.err = QStringLiteral("timed out");
        return r;
    }
    r.crashed = process.exitStatus() != QProcess::NormalExit;
    r.exitCode = r.crashed ? -1 : process.exitCode();
    r.err = QString::fromUtf8(process.readAllStandardError());
    return r;
}

std::vector<fs::path> temporaryFiles(const fs::path& dir)
{
    std::vector<fs::path> found;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec))
        if (entry.path().filename().string().find(".tmp-") != std::string::npos)
            found.push_back(entry.path());
    return found;
}

/// Sets this process's soft file-size limit for a scope (SIGXFSZ ignored meanwhile).
class FileSizeLimit {
public:
    explicit FileSizeLimit(rlim_t bytes)
    {
        ::getrlimit(RLIMIT_FSIZE, &m_saved);
        m_handler = std::signal(SIGXFSZ, SIG_IGN);
        struct rlimit limit = m_saved;
        limit.rlim_cur = bytes;
        ::setrlimit(RLIMIT_FSIZE, &limit);
    }
    ~FileSizeLimit()
    {
        ::setrlimit(RLIMIT_FSIZE, &m_saved);
        std::signal(SIGXFSZ, m_handler);
    }

private:
    struct rlimit m_saved {};
    void (*m_handler)(int) = SIG_DFL;
};

} // namespace

class TestTrainFaults : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    fs::path m_config;    // the fp32_bs8 fixture (24 steps, validation every 8), saving every 4 steps
    fs::path m_resume;    // the same, resuming automatically from epoch_latest.pt
    fs::path m_reference; // the uninterrupted run

    QStringList trainArgs(const fs::path& config, const fs::path& logs) const
    {
        return {QStringLiteral("train"),
                QStringLiteral("--config"),
                QString::fromStdString(config.string()),
                QStringLiteral("--logs"),
                QString::fromStdString(logs.string()),
                QStringLiteral("--device"),
                QStringLiteral("cpu")};
    }

    /// A run folder holding only the reference's checkpoint after `step`, as epoch_latest.pt.
    fs::path runFromCheckpoint(const std::string& name, int step) const
    {
        const fs::path logs = fs::path(m_dir.path().toStdString()) / name;
        fs::create_directories(logs / "fp32_bs8" / "checkpoints");
        fs::copy_file(m_reference / "checkpoints" / ("epoch_1_" + std::to_string(step) + ".pt"),
                      logs / "fp32_bs8" / "checkpoints" / "epoch_latest.pt");
        return logs;
    }

    /// Every train and val record of `metrics` from `fromStep` on equals the reference's.
    void compareWithReference(const fs::path& metrics, int fromStep)
    {
        const auto a = readRecords(m_reference / "metrics.jsonl", "train");
        const auto b = readRecords(metrics, "train");
        QCOMPARE(b.size(), a.size() - size_t(fromStep - 1));
        for (size_t i = 0; i < b.size(); ++i) {
            const auto& ref = a[size_t(fromStep - 1) + i];
            QCOMPARE(b[i]["step"].get<int>(), ref["step"].get<int>());
            QCOMPARE(b[i]["loss"].get<double>(), ref["loss"].get<double>());
            QCOMPARE(b[i]["lr"].get<double>(), ref["lr"].get<double>());
            QCOMPARE(b[i]["i2t"].get<double>(), ref["i2t"].get<double>());
        }
        const auto valA = readRecords(m_reference / "metrics.jsonl", "val");
        const auto valB = readRecords(metrics, "val");
        QVERIFY(!valB.empty());
        QCOMPARE(valB.back()["step"].get<int>(), valA.back()["step"].get<int>());
        QCOMPARE(valB.back()["loss"].get<double>(), valA.back()["loss"].get<double>());
    }

private Q_SLOTS:
    void initTestCase()
    {
        CLIPWB_REQUIRE_CLI();
        QVERIFY(m_dir.isValid());
        m_config = upstream_run::copyTrainFixture(m_dir.path().toStdString(), "fp32_bs8");
        auto config = nlohmann::json::parse(clipwb::readFile(m_config));
        config["save_step_frequency"] = 4;
        clipwb::writeFileAtomic(m_config, config.dump(2));
        config["resume"] = nullptr; // upstream's automatic resume from epoch_latest.pt
        config["reset_data_offset"] = false;
        config["reset_optimizer"] = false;
        m_resume = m_config.parent_path() / "config_resume.json";
        clipwb::writeFileAtomic(m_resume, config.dump(2));
        const fs::path logs = fs::path(m_dir.path().toStdString()) / "reference";
        const Result r = runCli(trainArgs(m_config, logs));
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        m_reference = logs / "fp32_bs8";
        QCOMPARE(readRecords(m_reference / "metrics.jsonl", "train").size(), size_t(24));
    }

    void checkpointWriteErrorStopsTheRunAndResumeContinues()
    {
        // Resume after step 4 under a 1 MB file-size limit: metrics.jsonl and train.log stay far
        // below it, the step-8 checkpoint (6 MB) cannot be written.
        const fs::path logs = runFromCheckpoint("fsize", 4);
        const fs::path checkpoints = logs / "fp32_bs8" / "checkpoints";
        const std::string before = clipwb::readFile(checkpoints / "epoch_latest.pt");
        const Result failed = runCli(trainArgs(m_resume, logs), 1 << 20);
        QVERIFY2(!failed.crashed && failed.exitCode != 0, qPrintable(failed.err));
        const QString file = QString::fromStdString((checkpoints / "epoch_1_8.pt").string());
        QVERIFY2(
            failed.err.contains(QStringLiteral("cannot write ") + file + QStringLiteral(": File too large")),
            qPrintable(failed.err));
        QVERIFY2(failed.err.contains(QStringLiteral("training stopped at step 8")), qPrintable(failed.err));
        QVERIFY2(!failed.err.contains(QStringLiteral("enforce fail")), qPrintable(failed.err));
        qInfo("%s", qPrintable(failed.err.trimmed().section(QLatin1Char('\n'), -1)));
        // Nothing more was trained or saved after the failure; the previous checkpoint is intact.
        QCOMPARE(readRecords(logs / "fp32_bs8" / "metrics.jsonl", "train").back()["step"].get<int>(), 8);
        QVERIFY(!fs::exists(checkpoints / "epoch_1_8.pt"));
        QVERIFY(temporaryFiles(checkpoints).empty());
        QVERIFY(clipwb::readFile(checkpoints / "epoch_latest.pt") == before);
        const auto kept = clipwb::train::readTrainCheckpoint(checkpoints / "epoch_latest.pt");
        QCOMPARE(kept.step.value_or(-1), int64_t(4));
        QVERIFY(kept.exact.has_value());
        // train.log records why the run stopped.
        QVERIFY(clipwb::readFile(logs / "fp32_bs8" / "train.log").find("File too large") !=
                std::string::npos);

        // Space is back: the same command resumes from step 4 onto the uninterrupted trajectory.
        const Result resumed = runCli(trainArgs(m_resume, logs));
        QVERIFY2(resumed.exitCode == 0, qPrintable(resumed.err));
        compareWithReference(logs / "fp32_bs8" / "metrics.jsonl", 5);
        QVERIFY(fs::exists(checkpoints / "epoch2.pt"));
    }

    void fullDiskForTrainLogStopsTheRun()
    {
        // train.log on a full disk (/dev/full answers every write with ENOSPC).
        if (!fs::exists("/dev/full"))
            QSKIP("/dev/full is missing on this system");
        const fs::path logs = runFromCheckpoint("enospc", 4);
        fs::create_symlink("/dev/full", logs / "fp32_bs8" / "train.log");
        const Result failed = runCli(trainArgs(m_resume, logs));
        QVERIFY2(!failed.crashed && failed.exitCode != 0, qPrintable(failed.err));
        QVERIFY2(failed.err.contains(QStringLiteral("cannot write ") +
                                     QString::fromStdString((logs / "fp32_bs8" / "train.log").string()) +
                                     QStringLiteral(": No space left on device")),
                 qPrintable(failed.err));
        qInfo("%s", qPrintable(failed.err.trimmed().section(QLatin1Char('\n'), -1)));
        QCOMPARE(clipwb::train::readTrainCheckpoint(logs / "fp32_bs8" / "checkpoints" / "epoch_latest.pt")
                     .step.value_or(-1),
                 int64_t(4));
        // The disk has space again: the run resumes onto the same trajectory.
        fs::remove(logs / "fp32_bs8" / "train.log");
        const Result resumed = runCli(trainArgs(m_resume, logs));
        QVERIFY2(resumed.exitCode == 0, qPrintable(resumed.err));
        compareWithReference(logs / "fp32_bs8" / "metrics.jsonl", 5);
    }

    void metricsAndLogWriteErrorsNameFileAndCause()
    {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        clipwb::train::StepMetrics step;
        step.step = 1;
        {
            clipwb::train::MetricsWriter metrics(root / "metrics.jsonl");
            clipwb::train::TrainLog log(root / "train.log");
            metrics.writeStep(step);
            log.write(clipwb::train::LogLevel::Info, "first line");
            const FileSizeLimit limit(fs::file_size(root / "metrics.jsonl") + 10);
            try {
                metrics.writeStep(step);
                QFAIL("metrics.jsonl past the file-size limit was written");
            } catch (const clipwb::Error& e) {
                QCOMPARE(QString::fromUtf8(e.what()),
                         QString::fromStdString("cannot write " + (root / "metrics.jsonl").string() +
                                                ": File too large"));
            }
            try {
                for (int i = 0; i < 10; ++i)
                    log.write(clipwb::train::LogLevel::Info, "a line that does not fit");
                QFAIL("train.log past the file-size limit was written");
            } catch (const clipwb::Error& e) {
                QCOMPARE(QString::fromUtf8(e.what()),
                         QString::fromStdString("cannot write " + (root / "train.log").string() +
                                                ": File too large"));
            }
            log.write(clipwb::train::LogLevel::Error, "after the failure: dropped, no second error");
        }
        // A full disk: "No space left on device".
        if (fs::exists("/dev/full")) {
            fs::create_symlink("/dev/full", root / "full.jsonl");
            clipwb::train::MetricsWriter metrics(root / "full.jsonl");
            QVERIFY_THROWS_EXCEPTION(clipwb::Error, metrics.writeStep(step));
            try {
                metrics.writeStep(step);
            } catch (const clipwb::Error& e) {
                QVERIFY2(QString::fromUtf8(e.what()).endsWith(QStringLiteral(": No space left on device")),
                         e.what());
            }
        }
    }

    void nanLossStopsAnFp32RunAtThatStep()
    {
        // An absurd learning rate blows the tiny model up within a few steps.
        auto config = nlohmann::json::parse(clipwb::readFile(m_config));
        config["lr"] = 1e30;
        config["save_step_frequency"] = 1;
        const fs::path nanConfig = m_config.parent_path() / "config_nan.json";
        clipwb::writeFileAtomic(nanConfig, config.dump(2));
        const fs::path logs = fs::path(m_dir.path().toStdString()) / "nan";
        const Result failed = runCli(trainArgs(nanConfig, logs));
        QVERIFY2(!failed.crashed && failed.exitCode != 0, qPrintable(failed.err));
        const QRegularExpression pattern(
            QStringLiteral("the loss became (NaN|infinite) at step (\\d+) \\(fp32\\): "
                           "training stopped"));
        const auto match = pattern.match(failed.err);
        QVERIFY2(match.hasMatch(), qPrintable(failed.err));
        const int badStep = match.captured(2).toInt();
        qInfo("%s", qPrintable(failed.err.trimmed().section(QLatin1Char('\n'), -1)));
        QVERIFY(badStep >= 2 && badStep < 24);
        // The step was not taken, nothing after it was written, the last good checkpoint is kept.
        const fs::path run = logs / "fp32_bs8";
        QCOMPARE(readRecords(run / "metrics.jsonl", "train").back()["step"].get<int>(), badStep - 1);
        const auto latest = clipwb::train::readTrainCheckpoint(run / "checkpoints" / "epoch_latest.pt");
        QCOMPARE(latest.step.value_or(-1), int64_t(badStep - 1));
        QVERIFY2(
            failed.err.contains(QStringLiteral("the last good checkpoint is ") +
                                QString::fromStdString((run / "checkpoints" / "epoch_latest.pt").string())),
            qPrintable(failed.err));
        QVERIFY(!fs::exists(run / "checkpoints" / ("epoch_1_" + std::to_string(badStep) + ".pt")));
    }

    void signalsSaveNowAndStopASingleProcessRun()
    {
        // SIGUSR1 saves now and SIGINT stops after the step, as the GUI and a terminal send them;
        // they reach the trainer through its signal thread (common/SignalDispatcher), never as a
        // handler on the thread inside oneDNN's products.
        const fs::path logs = fs::path(m_dir.path().toStdString()) / "signals";
        const fs::path checkpoints = logs / "fp32_bs8" / "checkpoints";
        QProcess process;
        process.start(QStringLiteral(CLIPWB_BIN_DIR "/clipwb-cli"),
                      trainArgs(m_config, logs) + QStringList{QStringLiteral("--max-steps"), QStringLiteral("5000"),
                                                              QStringLiteral("--save-step-frequency"),
                                                              QStringLiteral("100000")});
        QVERIFY(process.waitForStarted());
        const auto waitFor = [&](const std::function<bool()>& done) {
            for (int i = 0; i < 6000 && process.state() == QProcess::Running && !done(); ++i)
                QTest::qWait(20);
            return done();
        };
        const fs::path metrics = logs / "fp32_bs8" / "metrics.jsonl";
        QVERIFY2(waitFor([&] { return fs::exists(metrics) && readRecords(metrics, "train").size() >= 3; }),
                 qPrintable(process.readAllStandardError()));
        QCOMPARE(::kill(static_cast<pid_t>(process.processId()), SIGUSR1), 0);
        const auto savedNow = [&] {
            std::error_code ec;
            for (const auto& entry : fs::directory_iterator(checkpoints, ec)) {
                const std::string name = entry.path().filename().string();
                if (name.rfind("epoch_1_", 0) == 0 && name.size() > 3 && name.substr(name.size() - 3) == ".pt")
                    return true;
            }
            return false;
        };
        QVERIFY2(waitFor(savedNow), qPrintable(process.readAllStandardError()));
        QCOMPARE(::kill(static_cast<pid_t>(process.processId()), SIGINT), 0);
        QVERIFY(process.waitForFinished(120000));
        const QString err = QString::fromUtf8(process.readAllStandardError());
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QVERIFY2(process.exitCode() == 0, qPrintable(err));
        QVERIFY2(err.contains(QStringLiteral("stopped; continue with the same command")), qPrintable(err));
        // The bar stays where the run stopped.
        QVERIFY2(!err.contains(QStringLiteral("5000/5000")), qPrintable(err));
        const auto latest = clipwb::train::readTrainCheckpoint(checkpoints / "epoch_latest.pt");
        QVERIFY(latest.step.value_or(0) >= 3 && latest.step.value_or(5000) < 5000);
        QVERIFY(latest.exact.has_value());
    }

    void killDuringCheckpointSavesAlwaysLeavesALoadableCheckpoint()
    {
        // Saving at every step, the run is killed (SIGKILL) again and again at random moments
        // while a checkpoint is being written, and started again with the same command.
        auto config = nlohmann::json::parse(clipwb::readFile(m_resume));
        config["save_step_frequency"] = 1;
        const fs::path killConfig = m_config.parent_path() / "config_kill_saves.json";
        clipwb::writeFileAtomic(killConfig, config.dump(2));
        const fs::path logs = runFromCheckpoint("kills", 4);
        const fs::path checkpoints = logs / "fp32_bs8" / "checkpoints";
        std::mt19937 random(20261203);
        int kills = 0, midWrite = 0;
        for (int attempt = 0; attempt < 30 && kills < 20; ++attempt) {
            QProcess process;
            process.start(QStringLiteral(CLIPWB_BIN_DIR "/clipwb-cli"), trainArgs(killConfig, logs));
            QVERIFY(process.waitForStarted());
            // Wait for a temporary checkpoint file of this process, then kill it 0..15 ms later.
            const std::string suffix = ".tmp-" + std::to_string(process.processId());
            bool seen = false;
            for (int i = 0; i < 60000 && process.state() != QProcess::NotRunning && !seen; ++i) {
                for (const fs::path& p : temporaryFiles(checkpoints)) {
                    const std::string name = p.filename().string();
                    seen = seen || (name.size() > suffix.size() &&
                                    name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0);
                }
                if (!seen)
                    QTest::qSleep(1);
            }
            if (process.state() == QProcess::NotRunning)
                break; // the run finished before it could be killed again
            QTest::qSleep(std::uniform_int_distribution<int>(0, 15)(random));
            ::kill(static_cast<pid_t>(process.processId()), SIGKILL);
            process.waitForFinished();
            ++kills;
            midWrite += !temporaryFiles(checkpoints).empty(); // killed before the rename
            // Whatever the moment: a complete, loadable epoch_latest.pt that resumes exactly.
            const auto latest = clipwb::train::readTrainCheckpoint(checkpoints / "epoch_latest.pt");
            QVERIFY(latest.step.value_or(0) >= 4);
            QVERIFY(latest.exact.has_value());
            QVERIFY(latest.optimizer.has_value());
        }
        qInfo("%d kills, %d of them in the middle of a checkpoint write", kills, midWrite);
        QVERIFY2(kills >= 10, qPrintable(QStringLiteral("only %1 kills").arg(kills)));
        QVERIFY2(midWrite >= 5, qPrintable(QStringLiteral("only %1 kills hit a write").arg(midWrite)));
        const Result finished = runCli(trainArgs(killConfig, logs));
        QVERIFY2(finished.exitCode == 0, qPrintable(finished.err));
        compareWithReference(logs / "fp32_bs8" / "metrics.jsonl", 5);
        // The next save removed what the killed writers left behind.
        QVERIFY(temporaryFiles(checkpoints).empty());
    }
};

QTEST_GUILESS_MAIN(TestTrainFaults)
#include "TestTrainFaults.moc"
