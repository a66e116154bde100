// `clipwb-cli train` against upstream's train() (tests/fixtures/train/fp32_bs8:
// per-step loss, accuracies and lr, validation results, final parameter norms),
// and exact resume: a run resumed from a mid-epoch checkpoint (what a kill -9
// after that checkpoint leaves) or stopped on request continues step for step
// as the uninterrupted run.
#include "support/CrossCheck.h"
#include "config/TrainConfig.h"
#include "model/CpuGemm.h"
#include "train/DeviceSettings.h"
#include "train/TrainCheckpoint.h"
#include "train/Trainer.h"
#include "UpstreamRun.h"

#include "common/AtomicFile.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <csignal>
#include <sys/types.h>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;
using upstream_run::readRecords;
using upstream_run::runCli;
using upstream_run::CliResult;

class TestTrainerParity : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    fs::path m_config;
    fs::path m_runA; // the uninterrupted reference run, saving every 5 steps

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_config = upstream_run::copyTrainFixture(m_dir.path().toStdString(), "fp32_bs8");
        fs::remove(m_config.parent_path() / "final.pt");
        m_runA = fs::path(m_dir.path().toStdString()) / "runs" / "fp32_bs8";
        const CliResult r = runCli({QStringLiteral("train"), QStringLiteral("--config"),
                                    QString::fromStdString(m_config.string()), QStringLiteral("--logs"),
                                    m_dir.filePath(QStringLiteral("runs")), QStringLiteral("--device"),
                                    QStringLiteral("cpu"), QStringLiteral("--save-step-frequency"), QStringLiteral("5")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.stderrText));
    }

    void stepsMatchUpstream()
    {
        const auto expected = nlohmann::json::parse(clipwb::readFile(CLIPWB_TEST_FIXTURES "/train/fp32_bs8/expected.json"));
        upstream_run::compareSteps(m_runA / "metrics.jsonl", expected);
        for (const auto& s : readRecords(m_runA / "metrics.jsonl", "train"))
            QVERIFY(s.contains("samples_per_s") && s.contains("data_wait_s") && s.contains("step_time_s"));
    }

    void validationMatchesUpstream()
    {
        const auto expected = nlohmann::json::parse(clipwb::readFile(CLIPWB_TEST_FIXTURES "/train/fp32_bs8/expected.json"));
        upstream_run::compareValidation(m_runA / "metrics.jsonl", expected);
    }

    void finalParametersMatchUpstream()
    {
        const auto expected = nlohmann::json::parse(clipwb::readFile(CLIPWB_TEST_FIXTURES "/train/fp32_bs8/expected.json"));
        for (const char* name : {"epoch1.pt", "epoch2.pt", "epoch_latest.pt", "epoch_1_5.pt", "epoch_2_20.pt"})
            QVERIFY2(fs::exists(m_runA / "checkpoints" / name), name);
        const auto ckpt = clipwb::train::readTrainCheckpoint(m_runA / "checkpoints" / "epoch2.pt");
        QCOMPARE(ckpt.epoch.value_or(-1), int64_t(2));
        QCOMPARE(ckpt.step.value_or(-1), int64_t(24));
        QVERIFY(ckpt.optimizer.has_value());
        upstream_run::compareFinalParameters(ckpt, expected);
    }

    void cpuProductLibraryIsTheSameInEveryProcess()
    {
        // The GUI trains in its own process, clipwb-cli in another: a run resumed in one continues
        // a run of the other exactly only if both compute their products with the same library.
        const std::string log = clipwb::readFile(m_runA / "train.log");
        const std::string expected = "CPU matrix products: " + clipwb::model::cpuGemmDescription();
        QVERIFY2(log.find(expected + "\n") != std::string::npos, (expected + " not in\n" + log).c_str());
    }

    /// train.log of a two-step CPU run of clipwb-cli with these environment changes (see runCli).
    std::string twoStepRunLog(const std::string& name, const QStringList& environment)
    {
        auto config = nlohmann::json::parse(clipwb::readFile(m_config));
        config["max_steps"] = 2;
        const fs::path shortConfig = m_config.parent_path() / "config_two_steps.json";
        clipwb::writeFileAtomic(shortConfig, config.dump(2));
        const fs::path logs = fs::path(m_dir.path().toStdString()) / name;
        const CliResult r = runCli({QStringLiteral("train"), QStringLiteral("--config"),
                                    QString::fromStdString(shortConfig.string()), QStringLiteral("--logs"),
                                    QString::fromStdString(logs.string()), QStringLiteral("--device"),
                                    QStringLiteral("cpu")},
                                   240000, environment);
        if (r.exitCode != 0)
            return "clipwb-cli train failed: " + r.stderrText.toStdString();
        return clipwb::readFile(logs / "fp32_bs8" / "train.log");
    }

    static std::string lineStarting(const std::string& log, const std::string& prefix)
    {
        const size_t at = log.find(prefix);
        return at == std::string::npos ? std::string() : log.substr(at, log.find('\n', at) - at);
    }

    void systemOneDnnStaysOutWhenTurnedOff()
    {
        // CLIPWB_SYSTEM_ONEDNN=0: whatever LibTorch brings, never the system's libdnnl.
        const std::string log = twoStepRunLog("no_system_onednn", {QStringLiteral("CLIPWB_SYSTEM_ONEDNN=0")});
        const std::string products = lineStarting(log, "CPU matrix products: ");
        QVERIFY2(!products.empty(), log.c_str());
        qInfo("%s", products.c_str());
        QVERIFY2(products.find("the system's") == std::string::npos && products.find("libdnnl.so") == std::string::npos,
                 products.c_str());
        if (clipwb::model::cpuGemmDescription().rfind("oneDNN's sgemm (LibTorch's", 0) != 0)
            QVERIFY2(products.find("CLIPWB_SYSTEM_ONEDNN=0") != std::string::npos, products.c_str());
    }

    void cpuThreadsAreTheCoresUnlessTheEnvironmentSays()
    {
        // Debian's LibTorch counts one core on some virtual machines: a CPU run takes every core
        // it may run on, and OMP_NUM_THREADS (torchrun sets it for each rank) still decides.
        const int cores = clipwb::train::machineCoreCount();
        QVERIFY(cores >= 1 && cores <= static_cast<int>(std::thread::hardware_concurrency()));
        const std::string byMachine =
            lineStarting(twoStepRunLog("threads_by_machine", {QStringLiteral("OMP_NUM_THREADS"),
                                                              QStringLiteral("MKL_NUM_THREADS")}),
                         "CPU threads: ");
        qInfo("%s", byMachine.c_str());
        QVERIFY2(byMachine.rfind("CPU threads: " + std::to_string(cores) + " (the machine's cores", 0) == 0,
                 byMachine.c_str());
        const std::string byEnvironment =
            lineStarting(twoStepRunLog("threads_by_environment", {QStringLiteral("OMP_NUM_THREADS=1")}),
                         "CPU threads: ");
        QVERIFY2(byEnvironment.rfind("CPU threads: 1 (OMP_NUM_THREADS", 0) == 0, byEnvironment.c_str());
    }

    void checkpointLoadsInPyTorch()
    {
        // Upstream's torch.load reads the checkpoint: the same keys, tensors and optimizer layout.
        const QString script = QStringLiteral(
            "import sys, torch\n"
            "c = torch.load(sys.argv[1], map_location='cpu')\n"
            "assert c['epoch'] == 2 and c['step'] == 24 and c['name'] == 'fp32_bs8', (c['epoch'], c['step'])\n"
            "sd = c['state_dict']\n"
            "assert all(k.startswith('module.') for k in sd)\n"
            "o = c['optimizer']\n"
            "assert len(o['param_groups']) == 2 and o['param_groups'][1]['weight_decay'] == 0.2\n"
            "assert float(o['state'][0]['step']) == 24.0\n"
            "print(float(sd['module.logit_scale']), float(sd['module.visual.proj'].norm()))\n");
        CLIPWB_REQUIRE_PYTHON({QStringLiteral("torch")});
        QProcess python;
        python.start(QStringLiteral("/usr/bin/python3"),
                     {QStringLiteral("-c"), script,
                      QString::fromStdString((m_runA / "checkpoints" / "epoch2.pt").string())});
        QVERIFY(python.waitForFinished(120000));
        const QString err = QString::fromUtf8(python.readAllStandardError());
        QVERIFY2(python.exitCode() == 0, qPrintable(err));
        const QStringList values = QString::fromUtf8(python.readAllStandardOutput()).trimmed().split(QLatin1Char(' '));
        QCOMPARE(values.size(), 2);
        const auto expected = nlohmann::json::parse(clipwb::readFile(CLIPWB_TEST_FIXTURES "/train/fp32_bs8/expected.json"));
        QVERIFY(upstream_run::relativelyClose(values[0].toDouble(), expected["final_logit_scale"].get<double>(), 1e-5));
        QVERIFY(upstream_run::relativelyClose(values[1].toDouble(), expected["final_param_norms"]["visual.proj"].get<double>(), 1e-4));
    }

    void resumeFromMidEpochCheckpointContinuesExactly()
    {
        // What a kill -9 after step 10 leaves: epoch_latest.pt == epoch_1_10.pt.
        const fs::path logs = fs::path(m_dir.path().toStdString()) / "resumed";
        fs::create_directories(logs / "fp32_bs8" / "checkpoints");
        fs::copy_file(m_runA / "checkpoints" / "epoch_1_10.pt", logs / "fp32_bs8" / "checkpoints" / "epoch_latest.pt");
        // The same config without resume (so epoch_latest.pt is picked up, as upstream) and resets.
        auto config = nlohmann::json::parse(clipwb::readFile(m_config));
        config["resume"] = nullptr;
        config["reset_data_offset"] = false;
        config["reset_optimizer"] = false;
        const fs::path resumeConfig = m_config.parent_path() / "config_resume.json";
        clipwb::writeFileAtomic(resumeConfig, config.dump(2));
        const CliResult r = runCli({QStringLiteral("train"), QStringLiteral("--config"),
                                    QString::fromStdString(resumeConfig.string()), QStringLiteral("--logs"),
                                    QString::fromStdString(logs.string()), QStringLiteral("--device"),
                                    QStringLiteral("cpu")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.stderrText));
        const auto a = readRecords(m_runA / "metrics.jsonl", "train");
        const auto b = readRecords(logs / "fp32_bs8" / "metrics.jsonl", "train");
        QCOMPARE(b.size(), size_t(14));
        for (size_t i = 0; i < b.size(); ++i) {
            const auto& ref = a[10 + i];
            QCOMPARE(b[i]["step"].get<int>(), ref["step"].get<int>());
            QCOMPARE(b[i]["loss"].get<double>(), ref["loss"].get<double>());
            QCOMPARE(b[i]["lr"].get<double>(), ref["lr"].get<double>());
            QCOMPARE(b[i]["i2t"].get<double>(), ref["i2t"].get<double>());
            QCOMPARE(b[i]["t2i"].get<double>(), ref["t2i"].get<double>());
        }
        const auto valA = readRecords(m_runA / "metrics.jsonl", "val");
        const auto valB = readRecords(logs / "fp32_bs8" / "metrics.jsonl", "val");
        QCOMPARE(valB.size(), size_t(2)); // steps 16 and 24
        QCOMPARE(valB.back()["loss"].get<double>(), valA.back()["loss"].get<double>());
    }

    void stopOnRequestThenResumeContinuesExactly()
    {
        auto result = clipwb::config::resolveConfig(m_config, {"--device", "cpu", "--logs",
                                                              m_dir.filePath(QStringLiteral("stopped")).toStdString()});
        clipwb::config::TrainConfig cfg = clipwb::config::requireValid(result);
        struct StopAt7 : clipwb::train::TrainerObserver {
            clipwb::train::Trainer* trainer = nullptr;
            bool finishedStopped = false;
            void onStep(const clipwb::train::StepMetrics& m) override
            {
                if (m.step == 7)
                    trainer->requestStop();
            }
            void onFinished(bool stopped) override { finishedStopped = stopped; }
        } observer;
        {
            clipwb::train::Trainer trainer(cfg, &observer);
            observer.trainer = &trainer;
            trainer.run();
        }
        QVERIFY(observer.finishedStopped);
        const fs::path runDir = clipwb::config::runFolder(cfg);
        QCOMPARE(readRecords(runDir / "metrics.jsonl", "train").size(), size_t(7));
        const auto latest = clipwb::train::readTrainCheckpoint(runDir / "checkpoints" / "epoch_latest.pt");
        QVERIFY(latest.exact.has_value());
        QCOMPARE(latest.exact->batch, int64_t(7));

        cfg.resume.reset(); // automatic resume from epoch_latest.pt, as upstream
        cfg.reset_data_offset = false;
        cfg.reset_optimizer = false;
        clipwb::train::Trainer resumed(cfg, nullptr);
        resumed.run();
        const auto a = readRecords(m_runA / "metrics.jsonl", "train");
        const auto b = readRecords(runDir / "metrics.jsonl", "train");
        QCOMPARE(b.size(), a.size());
        for (size_t i = 0; i < a.size(); ++i) {
            QCOMPARE(b[i]["step"].get<int>(), a[i]["step"].get<int>());
            QCOMPARE(b[i]["loss"].get<double>(), a[i]["loss"].get<double>());
        }
    }

    void killedRunResumesExactly()
    {
        // A real kill -9 in the middle of a run saving every 3 steps, then the same command again.
        auto config = nlohmann::json::parse(clipwb::readFile(m_config));
        config["save_step_frequency"] = 3;
        const fs::path killConfig = m_config.parent_path() / "config_kill.json";
        clipwb::writeFileAtomic(killConfig, config.dump(2));
        const QString logs = m_dir.filePath(QStringLiteral("killed"));
        const QStringList args{QStringLiteral("train"), QStringLiteral("--config"),
                               QString::fromStdString(killConfig.string()), QStringLiteral("--logs"), logs,
                               QStringLiteral("--device"), QStringLiteral("cpu")};
        const fs::path metrics = fs::path(logs.toStdString()) / "fp32_bs8" / "metrics.jsonl";
        QProcess process;
        process.start(QStringLiteral(CLIPWB_BIN_DIR "/clipwb-cli"), args);
        QVERIFY(process.waitForStarted());
        bool killed = false;
        for (int i = 0; i < 120000 && process.state() != QProcess::NotRunning; ++i) {
            if (fs::exists(metrics) && readRecords(metrics, "train").size() >= 8) {
                ::kill(static_cast<pid_t>(process.processId()), SIGKILL);
                killed = true;
                break;
            }
            QTest::qWait(2);
        }
        process.waitForFinished();
        // Not a skip: the check would silently not happen. 24 steps polled every 2 ms cannot all
        // pass unseen.
        QVERIFY2(killed, "the run ended before it could be killed");
        const auto latest = clipwb::train::readTrainCheckpoint(fs::path(logs.toStdString()) / "fp32_bs8" /
                                                               "checkpoints" / "epoch_latest.pt");
        QVERIFY(latest.step.value_or(0) >= 6);
        QVERIFY(latest.exact.has_value());

        // Same command, with the resume that upstream would pick itself.
        config["resume"] = nullptr;
        config["reset_data_offset"] = false;
        config["reset_optimizer"] = false;
        clipwb::writeFileAtomic(killConfig, config.dump(2));
        const CliResult r = runCli(args);
        QVERIFY2(r.exitCode == 0, qPrintable(r.stderrText));
        const auto a = readRecords(m_runA / "metrics.jsonl", "train");
        const auto b = readRecords(metrics, "train");
        QCOMPARE(b.size(), a.size());
        for (size_t i = 0; i < a.size(); ++i) {
            QCOMPARE(b[i]["step"].get<int>(), a[i]["step"].get<int>());
            QCOMPARE(b[i]["loss"].get<double>(), a[i]["loss"].get<double>());
            QCOMPARE(b[i]["i2t"].get<double>(), a[i]["i2t"].get<double>());
        }
        QCOMPARE(readRecords(metrics, "val").size(), size_t(3));
    }

    void badConfigFailsWithOneLine()
    {
        const CliResult r = runCli({QStringLiteral("train"), QStringLiteral("--config"),
                                    QString::fromStdString(m_config.string()), QStringLiteral("--batch-size"),
                                    QStringLiteral("zero")});
        QVERIFY(r.exitCode != 0);
        QVERIFY2(r.stderrText.contains(QStringLiteral("batch-size")) || r.stderrText.contains(QStringLiteral("batch_size")),
                 qPrintable(r.stderrText));
        QVERIFY(!r.stderrText.contains(QStringLiteral("Exception raised from")));
    }
};

QTEST_GUILESS_MAIN(TestTrainerParity)
#include "TestTrainerParity.moc"
