// Data-parallel training from the GUI (issue 13): the Configuration page's
// Processes box, Start launching two CPU ranks through clipwb-cli's launcher, the
// dashboard following rank 0 (progress, charts, "2 ranks"), Pause / Save now /
// Continue / Stop acting on both ranks, Resume continuing the stopped run exactly
// once per step, and a rank killed with SIGKILL ending the run with a message
// naming it. Every run here is a real (tiny) two-process training run.
#include "DemoTraining.h"
#include "ui/config/ConfigPage.h"
#include "ui/config/LaunchOptionsView.h"
#include "ui/training/TrainingPage.h"

#include <QAction>
#include <QApplication>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProgressBar>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>

#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <numeric>
#include <sstream>

namespace fs = std::filesystem;
using clipwb::ui::MainWindow;
using clipwb::ui::TrainingPage;
using namespace clipwb::testing;

namespace {

/// Closes the next message box as soon as it shows and keeps its text.
void closeNextMessageBox(QString* text)
{
    auto* timer = new QTimer;
    timer->setInterval(20);
    QObject::connect(timer, &QTimer::timeout, timer, [timer, text] {
        auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
        if (!box)
            return;
        *text = box->text();
        timer->stop();
        timer->deleteLater();
        box->accept();
    });
    timer->start();
}

std::vector<int64_t> trainSteps(const fs::path& metrics)
{
    std::vector<int64_t> steps;
    std::ifstream in(metrics);
    std::string line;
    while (std::getline(in, line)) {
        const auto record = nlohmann::json::parse(line, nullptr, false);
        if (record.is_object() && record.value("type", std::string()) == "train")
            steps.push_back(record["step"].get<int64_t>());
    }
    return steps;
}

/// The child processes of pid (Linux: /proc/PID/task/PID/children).
std::vector<pid_t> childrenOf(pid_t pid)
{
    std::vector<pid_t> children;
    std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
    for (pid_t child; in >> child;)
        children.push_back(child);
    return children;
}

std::string commandOf(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::replace(text.begin(), text.end(), '\0', ' ');
    return text;
}

/// The ranks this test process launched: the children of its clipwb-cli launcher.
std::vector<pid_t> rankPids()
{
    for (pid_t child : childrenOf(::getpid()))
        if (commandOf(child).find("--nproc-per-node") != std::string::npos)
            return childrenOf(child);
    return {};
}

} // namespace

/// Runs of 16 pairs a batch: 3 steps an epoch with 2 ranks.
class TestTrainingRanks : public QObject, private DemoTrainingFixture {
    Q_OBJECT
public:
    TestTrainingRanks() : DemoTrainingFixture(16, false) {}

private Q_SLOTS:
    void initTestCase()
    {
        qputenv("CLIPWB_CLI", QByteArrayLiteral(CLIPWB_BIN_DIR "/clipwb-cli"));
        setUpDemo(QStringLiteral("clipwb-ranks-test"));
    }

    void processesAndOtherMachinesCommands()
    {
        MainWindow w;
        auto* view = w.configPage()->launchView();
        QVERIFY(view);
        auto* processes = view->findChild<QSpinBox*>(QStringLiteral("processesSpin"));
        QVERIFY(processes);
        QCOMPARE(w.configPage()->launchOptions().nprocPerNode, 1);
        processes->setValue(3);
        QCOMPARE(w.configPage()->launchOptions().nprocPerNode, 3);
        QCOMPARE(w.configPage()->launchOptions().nnodes, 1);
        QVERIFY(view->otherMachinesCommands().isEmpty());
        // Two machines: this one hosts the rendezvous; the other's command names its node rank.
        view->findChild<QSpinBox*>(QStringLiteral("machinesSpin"))->setValue(2);
        view->findChild<QLineEdit*>(QStringLiteral("masterAddress"))->setText(QStringLiteral("10.0.0.5"));
        view->setConfigFile(QStringLiteral("/data/my run.json"));
        QCOMPARE(view->otherMachinesCommands(),
                 QStringLiteral("clipwb-cli train --config '/data/my run.json' --nproc-per-node 3 --nnodes 2 "
                                "--node-rank 1 --master-addr 10.0.0.5 --master-port 29500"));
        const auto launch = w.configPage()->launchOptions();
        QCOMPARE(launch.nnodes, 2);
        QCOMPARE(launch.nodeRank, 0);
        QCOMPARE(QString::fromStdString(launch.masterAddr), QStringLiteral("10.0.0.5"));
        QCOMPARE(launch.masterPort, 29500);
        // Remembered for the next window.
        MainWindow again;
        QCOMPARE(again.configPage()->launchOptions().nprocPerNode, 3);
        again.configPage()->launchView()->setMachines(1);
        again.configPage()->launchView()->setProcesses(1);
    }

    void twoRanksStartPauseSaveStopResume()
    {
        auto window = openDemo(QStringLiteral("ranks"), 3); // 9 steps of 2 x 16 pairs
        QVERIFY(window);
        MainWindow& w = *window;
        w.configPage()->launchView()->setProcesses(2);
        TrainingPage* training = w.trainingPage();
        const fs::path dir = fs::path(runDir(QStringLiteral("ranks")).toStdString());

        w.startTraining();
        QVERIFY(training->isTraining());
        QTRY_VERIFY_WITH_TIMEOUT(
            training->runDir() == runDir(QStringLiteral("ranks")) && progressValue(w) >= 1, 120000);
        QCOMPARE(training->findChild<QProgressBar*>(QStringLiteral("stepProgress"))->maximum(), 9);
        QVERIFY2(stateText(w) == QStringLiteral("Training on cpu, 2 ranks"), qPrintable(stateText(w)));
        QCOMPARE(rankPids().size(), size_t(2));

        // Pause holds both ranks at the next step boundary (rank 0 logs it).
        clickAction(training, training->pauseAction());
        QVERIFY(stateText(w).startsWith(QStringLiteral("Paused")));
        QTRY_COMPARE_WITH_TIMEOUT(logLinesEndingWith(dir, "Paused"), 1, 60000);
        const int pausedAt = progressValue(w);
        QTest::qWait(2000);
        QCOMPARE(progressValue(w), pausedAt);
        QVERIFY(pausedAt < 9);

        // Save now while paused, then Continue: the checkpoint of the next step appears.
        clickAction(training, training->saveNowAction());
        clickAction(training, training->pauseAction());
        QTRY_VERIFY_WITH_TIMEOUT(progressValue(w) > pausedAt, 60000);
        const fs::path savedNow =
            dir / "checkpoints" /
            ("epoch_" + std::to_string(pausedAt / 3 + 1) + "_" + std::to_string(pausedAt + 1) + ".pt");
        QTRY_VERIFY2_WITH_TIMEOUT(fs::exists(savedNow), savedNow.c_str(), 60000);

        // Stop: every rank finishes the step, rank 0 saves epoch_latest.pt.
        clickAction(training, training->stopAction());
        QTRY_VERIFY_WITH_TIMEOUT(!training->isTraining(), 120000);
        QCOMPARE(stateText(w), QStringLiteral("Stopped (saved)"));
        QVERIFY(fs::exists(dir / "checkpoints" / "epoch_latest.pt"));
        QTRY_VERIFY(rankPids().empty());
        const std::vector<int64_t> stopped = trainSteps(dir / "metrics.jsonl");
        QVERIFY(!stopped.empty());
        QVERIFY2(stopped.back() < 9, "the stop came too late to test resuming");

        // Resume with two ranks again: every step once, in order, to the end.
        clickAction(training, training->resumeAction());
        QVERIFY(training->isTraining());
        QTRY_VERIFY_WITH_TIMEOUT(!training->isTraining(), 180000);
        QCOMPARE(stateText(w), QStringLiteral("Finished"));
        std::vector<int64_t> expected(9);
        std::iota(expected.begin(), expected.end(), 1);
        QCOMPARE(trainSteps(dir / "metrics.jsonl"), expected);
        QVERIFY(fs::exists(dir / "checkpoints" / "epoch3.pt"));
        // Rank 0 alone wrote the run folder; the log names the world size.
        std::ifstream log(dir / "train.log");
        const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
        QVERIFY(text.find("Continued") != std::string::npos);
    }

    void aKilledRankEndsTheRunWithItsName()
    {
        auto window = openDemo(QStringLiteral("killed"), 20);
        QVERIFY(window);
        MainWindow& w = *window;
        w.configPage()->launchView()->setProcesses(2);
        TrainingPage* training = w.trainingPage();
        w.startTraining();
        // The dashboard still shows the previous run until this one's folder opens.
        QTRY_VERIFY_WITH_TIMEOUT(
            training->runDir() == runDir(QStringLiteral("killed")) && progressValue(w) >= 1, 120000);
        QTRY_COMPARE_WITH_TIMEOUT(rankPids().size(), size_t(2), 30000);
        const std::vector<pid_t> ranks = rankPids();
        QString message;
        closeNextMessageBox(&message);
        ::kill(ranks[1], SIGKILL);
        QTRY_VERIFY_WITH_TIMEOUT(!training->isTraining(), 120000);
        QCOMPARE(stateText(w), QStringLiteral("Failed"));
        QTRY_VERIFY(!message.isEmpty());
        QVERIFY2(message.contains(QStringLiteral("rank 1")), qPrintable(message));
        QTRY_VERIFY(rankPids().empty());
        QVERIFY(fs::exists(fs::path(runDir(QStringLiteral("killed")).toStdString()) / "train.log"));
    }
};

QTEST_MAIN(TestTrainingRanks)
#include "TestTrainingRanks.moc"
