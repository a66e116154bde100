// The new user's flow through the real widgets: the demo project (a small demo
// dataset), Start on the dashboard, live metrics, Pause/Continue, Save now, Stop,
// one-click Resume from the checkpoints page, the finished run folder; closing the
// window during training and with an unsaved configuration; shortcuts and the
// layout restored on the next start. Every run here is a real (tiny) training run.
#include "DemoTraining.h"
#include "run/RunFolder.h"
#include "run/RunLock.h"
#include "ui/DemoProject.h"
#include "ui/MainWindow.h"
#include "ui/checkpoints/CheckpointsPage.h"
#include "ui/config/ConfigPage.h"
#include "ui/retrieval/RetrievalPage.h"
#include "ui/training/MetricChart.h"
#include "ui/training/TrainingPage.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QSplitter>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <memory>
#include <numeric>

namespace fs = std::filesystem;
using clipwb::ui::MainWindow;
using clipwb::ui::TrainingPage;
using namespace clipwb::testing;

namespace {

/// Clicks `button` of the next modal dialog named `dialog` as soon as it shows.
void answerNextDialog(const QString& dialog, const QString& button)
{
    auto* timer = new QTimer;
    timer->setInterval(20);
    QObject::connect(timer, &QTimer::timeout, timer, [timer, dialog, button] {
        QWidget* modal = QApplication::activeModalWidget();
        if (!modal || modal->objectName() != dialog)
            return;
        auto* target = modal->findChild<QPushButton*>(button);
        QVERIFY2(target, qPrintable(button));
        timer->stop();
        timer->deleteLater();
        target->click();
    });
    timer->start();
}

struct MetricsFile {
    std::vector<int64_t> trainSteps;
    std::vector<int64_t> validationSteps;
};

MetricsFile readMetrics(const fs::path& file)
{
    MetricsFile result;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
        const auto record = nlohmann::json::parse(line, nullptr, false);
        if (!record.is_object() || !record.contains("step"))
            continue;
        const std::string type = record.value("type", std::string("train"));
        (type == "val" || type == "valid" || type == "validation" ? result.validationSteps
                                                                  : result.trainSteps)
            .push_back(record["step"].get<int64_t>());
    }
    return result;
}

} // namespace

/// Runs of 16 pairs a batch: 6 steps an epoch.
class TestTrainingFlow : public QObject, private DemoTrainingFixture {
    Q_OBJECT
public:
    TestTrainingFlow() : DemoTrainingFixture(32, true) {}

private Q_SLOTS:
    void initTestCase() { setUpDemo(QStringLiteral("clipwb-flow-test")); }

    void startPauseSaveStopResumeFinish()
    {
        auto window = openDemo(QStringLiteral("flow"), 3); // 18 steps
        QVERIFY(window);
        MainWindow& w = *window;
        TrainingPage* training = w.trainingPage();
        QVERIFY(!training->resumeAction()->isEnabled());

        // Start from the dashboard's toolbar.
        QTest::keyClick(&w, Qt::Key_3, Qt::ControlModifier);
        QCOMPARE(w.currentPageName(), QStringLiteral("training"));
        QSignalSpy state(training, &TrainingPage::trainingStateChanged);
        clickAction(training, training->startAction());
        QVERIFY(training->isTraining());
        QVERIFY(!training->startAction()->isEnabled());

        // Metrics arrive live: charts and progress move while the trainer runs.
        auto* progress = training->findChild<QProgressBar*>(QStringLiteral("stepProgress"));
        auto* loss = training->findChild<clipwb::ui::MetricChart*>(QStringLiteral("lossChart"));
        QTRY_VERIFY_WITH_TIMEOUT(
            training->runDir() == runDir(QStringLiteral("flow")) && progressValue(w) >= 2, 60000);
        QVERIFY(training->isTraining());
        QCOMPARE(progress->maximum(), 18);
        QVERIFY(loss->drawnPoints(0) >= 2);
        QVERIFY(stateText(w).startsWith(QStringLiteral("Training on cpu")));
        // Memory on the CPU: no GPU figure, the process's resident memory.
        const QString memory = training->findChild<QLabel*>(QStringLiteral("memoryLabel"))->text();
        QVERIFY2(memory.contains(QStringLiteral("CPU, no GPU")), qPrintable(memory));
        QVERIFY2(QRegularExpression(QStringLiteral("process [1-9][0-9]* MiB")).match(memory).hasMatch(),
                 qPrintable(memory));

        // Pause: no step while paused; Continue goes on.
        clickAction(training, training->pauseAction());
        QVERIFY(stateText(w).startsWith(QStringLiteral("Paused")));
        QCOMPARE(training->pauseAction()->text(), QStringLiteral("&Continue"));
        const fs::path dir = fs::path(runDir(QStringLiteral("flow")).toStdString());
        // The step under way finishes, then the trainer holds (and says so).
        QTRY_COMPARE_WITH_TIMEOUT(logLinesEndingWith(dir, "Paused"), 1, 30000);
        const int pausedAt = progressValue(w);
        QTest::qWait(1500);
        QCOMPARE(progressValue(w), pausedAt);
        QVERIFY(training->isTraining());

        // Save now (asked while paused: saved after the next step), then Continue.
        const fs::path checkpoints = dir / "checkpoints";
        clickAction(training, training->saveNowAction());
        clickAction(training, training->pauseAction());
        QCOMPARE(training->pauseAction()->text(), QStringLiteral("&Pause"));
        QTRY_VERIFY_WITH_TIMEOUT(progressValue(w) > pausedAt, 30000);
        const fs::path savedNow = checkpoints / ("epoch_" + std::to_string(pausedAt / 6 + 1) + "_" +
                                                 std::to_string(pausedAt + 1) + ".pt");
        QTRY_VERIFY2_WITH_TIMEOUT(fs::exists(savedNow), savedNow.c_str(), 30000);

        // Pause again, then Stop: the stop is exactly at the paused step.
        clickAction(training, training->pauseAction());
        QTRY_COMPARE_WITH_TIMEOUT(logLinesEndingWith(dir, "Paused"), 2, 30000);
        clickAction(training, training->stopAction());
        QVERIFY(!training->stopAction()->isEnabled()); // stopping: one stop is enough
        QTRY_VERIFY_WITH_TIMEOUT(!training->isTraining(), 60000);
        QCOMPARE(stateText(w), QStringLiteral("Stopped (saved)"));
        QVERIFY(fs::exists(checkpoints / "epoch_latest.pt"));
        const MetricsFile stopped = readMetrics(checkpoints.parent_path() / "metrics.jsonl");
        QVERIFY(!stopped.trainSteps.empty());
        const int64_t stoppedAt = stopped.trainSteps.back();
        QVERIFY2(stoppedAt < 18, "the stop came too late to test resuming");
        QVERIFY(training->startAction()->isEnabled());
        QVERIFY(training->resumeAction()->isEnabled()); // Resume on the dashboard too
        {
            // While another process trains the folder (a server run followed live), Resume is off.
            clipwb::run::RunLock other(checkpoints.parent_path());
            training->openRun(training->runDir());
            QTRY_VERIFY(!training->resumeAction()->isEnabled());
            QVERIFY(training->resumeAction()->toolTip().contains(QStringLiteral("Another process")));
        }
        training->openRun(training->runDir());
        QTRY_VERIFY(training->resumeAction()->isEnabled());

        // Resume from latest: one click on the checkpoints page.
        QTest::keyClick(&w, Qt::Key_4, Qt::ControlModifier);
        QCOMPARE(w.currentPageName(), QStringLiteral("checkpoints"));
        clipwb::ui::CheckpointsPage* page = w.checkpointsPage();
        QTRY_VERIFY(page->checkpointPaths().contains(
            QString::fromStdString((checkpoints / "epoch_latest.pt").string())));
        clickAction(page, page->resumeLatestAction());
        QCOMPARE(w.currentPageName(), QStringLiteral("training"));
        QVERIFY(training->isTraining());
        QTRY_VERIFY_WITH_TIMEOUT(!training->isTraining(), 120000);
        QCOMPARE(stateText(w), QStringLiteral("Finished"));
        QCOMPARE(progressValue(w), 18);
        QVERIFY(!training->resumeAction()->isEnabled()); // finished: nothing to resume

        // The metrics continue from the saved step: every step once, in order.
        const MetricsFile metrics = readMetrics(checkpoints.parent_path() / "metrics.jsonl");
        std::vector<int64_t> expected(18);
        std::iota(expected.begin(), expected.end(), 1);
        QCOMPARE(metrics.trainSteps, expected);
        QVERIFY(!metrics.validationSteps.empty());
        QCOMPARE(metrics.validationSteps.back(), int64_t(18));
        QCOMPARE(loss->drawnPoints(0), 18);
        QCOMPARE(state.count(), 4); // started, stopped, resumed, finished

        // The run folder.
        for (const char* file : {"config.json", "metrics.jsonl", "train.log"})
            QVERIFY2(fs::is_regular_file(dir / file), file);
        QVERIFY(fs::is_directory(checkpoints));
        QVERIFY(fs::exists(checkpoints / "epoch3.pt"));
        std::ifstream log(dir / "train.log");
        const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
        QVERIFY(text.find("Paused") != std::string::npos);
        QVERIFY(text.find("Continued") != std::string::npos);
        // Browse retrieval with the final checkpoint: the browser extracts features and answers a query.
        QTest::keyClick(&w, Qt::Key_4, Qt::ControlModifier);
        QTRY_VERIFY(
            page->checkpointPaths().contains(QString::fromStdString((checkpoints / "epoch3.pt").string())));
        QVERIFY(!page->browseAction()->isEnabled());
        QVERIFY(!page->resumeLatestAction()->isEnabled()); // finished
        QVERIFY(page->resumeLatestAction()->toolTip().contains(QStringLiteral("finished")));
        QVERIFY(page->browseAction()->toolTip().startsWith(QStringLiteral("Select a checkpoint")));
        page->selectCheckpoint(QString::fromStdString((checkpoints / "epoch3.pt").string()));
        clipwb::ui::RetrievalPage* retrieval = w.retrievalPage();
        retrieval->setCacheRoot(m_work.filePath(QStringLiteral("feature-cache")));
        QSignalSpy retrievalReady(retrieval, &clipwb::ui::RetrievalPage::ready);
        clickAction(page, page->browseAction());
        QCOMPARE(w.currentPageName(), QStringLiteral("retrieval"));
        QSignalSpy retrievalFailed(retrieval, &clipwb::ui::RetrievalPage::failed);
        QTRY_VERIFY_WITH_TIMEOUT(!retrievalReady.isEmpty() || !retrievalFailed.isEmpty(), 120000);
        QVERIFY2(retrievalFailed.isEmpty(), qPrintable(retrievalFailed.value(0).value(0).toString()));
        const QStringList texts = retrieval->splitTexts();
        QVERIFY(!texts.isEmpty());
        QSignalSpy answered(retrieval, &clipwb::ui::RetrievalPage::queryFinished);
        retrieval->queryEdit()->setText(texts.first());
        retrieval->runTextQuery();
        QVERIFY(answered.wait(60000));
        QVERIFY(retrieval->imageResults()->count() > 0);

        // The configuration page's resume field followed the choice.
        QCOMPARE(QString::fromStdString(w.configPage()->config().resume.value_or(std::string())),
                 QString::fromStdString((checkpoints / "epoch_latest.pt").string()));
        w.configPage()->save();
    }

    void closingDuringTrainingAsksStopsAndSaves()
    {
        auto window = openDemo(QStringLiteral("close"), 20);
        QVERIFY(window);
        MainWindow& w = *window;
        TrainingPage* training = w.trainingPage();
        training->startAction()->trigger();
        // The dashboard shows the new run (not the last one restored from the settings) and its first step.
        QTRY_VERIFY_WITH_TIMEOUT(
            training->runDir() == runDir(QStringLiteral("close")) && progressValue(w) >= 1, 60000);

        // Cancel: the window stays and training goes on.
        answerNextDialog(QStringLiteral("closeDuringTrainingBox"), QStringLiteral("cancelButton"));
        QVERIFY(!w.close());
        QVERIFY(w.isVisible());
        QVERIFY(training->isTraining());
        QVERIFY(!training->closesWhenStopped());

        // Stop and save: close() returns at once; the window closes after the saved stop.
        QSignalSpy readyToClose(training, &TrainingPage::readyToClose);
        answerNextDialog(QStringLiteral("closeDuringTrainingBox"), QStringLiteral("stopAndSaveButton"));
        QElapsedTimer timer;
        timer.start();
        QVERIFY(!w.close());
        QVERIFY2(timer.elapsed() < 5000, "closing must not wait for the trainer");
        QVERIFY(w.isVisible());
        // Closing again while it stops asks nothing more.
        QVERIFY(!w.close());
        QTRY_VERIFY_WITH_TIMEOUT(!w.isVisible(), 60000);
        QCOMPARE(readyToClose.count(), 1);
        QVERIFY(!training->isTraining());
        const fs::path dir = fs::path(runDir(QStringLiteral("close")).toStdString());
        QVERIFY(fs::exists(dir / "checkpoints" / "epoch_latest.pt"));
        const MetricsFile metrics = readMetrics(dir / "metrics.jsonl");
        QVERIFY(!metrics.trainSteps.empty());
        QVERIFY(metrics.trainSteps.back() < 120);
    }

    // The app quitting with a run in progress (--screenshot, a session logout) destroys the window
    // while the trainer runs: the worker stops and joins without signalling half-destroyed widgets.
    void destroyingTheWindowDuringTrainingStopsCleanly()
    {
        auto window = openDemo(QStringLiteral("destroy"), 20);
        QVERIFY(window);
        TrainingPage* training = window->trainingPage();
        training->startAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(
            training->runDir() == runDir(QStringLiteral("destroy")) && progressValue(*window) >= 1, 60000);
        QVERIFY(training->isTraining());
        window.reset();
        const fs::path dir = fs::path(runDir(QStringLiteral("destroy")).toStdString());
        const MetricsFile metrics = readMetrics(dir / "metrics.jsonl");
        QVERIFY(!metrics.trainSteps.empty());
        QVERIFY(metrics.trainSteps.back() < 120);
    }

    void startOnAFinishedRunOffersANewRun()
    {
        auto window = openDemo(QStringLiteral("again"), 1); // 6 steps
        QVERIFY(window);
        MainWindow& w = *window;
        TrainingPage* training = w.trainingPage();
        training->startAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(!training->isTraining(), 120000);
        QCOMPARE(readMetrics(fs::path(runDir(QStringLiteral("again")).toStdString()) / "metrics.jsonl")
                     .trainSteps.back(),
                 int64_t(6));

        // Cancel: nothing starts.
        answerNextDialog(QStringLiteral("finishedRunBox"), QStringLiteral("cancelButton"));
        training->startAction()->trigger();
        QVERIFY(!training->isTraining());
        QVERIFY(!fs::exists(fs::path(runDir(QStringLiteral("again-2")).toStdString())));

        // A new run next to the finished one trains from the first step.
        answerNextDialog(QStringLiteral("finishedRunBox"), QStringLiteral("newRunButton"));
        training->startAction()->trigger();
        QVERIFY(training->isTraining());
        QTRY_VERIFY_WITH_TIMEOUT(!training->isTraining(), 120000);
        const MetricsFile fresh =
            readMetrics(fs::path(runDir(QStringLiteral("again-2")).toStdString()) / "metrics.jsonl");
        QVERIFY(!fresh.trainSteps.empty());
        QCOMPARE(fresh.trainSteps.front(), int64_t(1));
        QCOMPARE(fresh.trainSteps.back(), int64_t(6));
        QCOMPARE(training->runDir(), runDir(QStringLiteral("again-2")));
    }

    void closingDuringTrainingCanKeepTraining()
    {
        auto window = openDemo(QStringLiteral("keep"), 1); // 6 steps
        QVERIFY(window);
        MainWindow& w = *window;
        TrainingPage* training = w.trainingPage();
        training->startAction()->trigger();
        answerNextDialog(QStringLiteral("closeDuringTrainingBox"), QStringLiteral("keepTrainingButton"));
        QVERIFY(!w.close());
        QVERIFY(w.isVisible());
        QVERIFY(training->closesWhenStopped());
        QTRY_VERIFY_WITH_TIMEOUT(!w.isVisible(), 120000);
        // It ran to the end: not stopped.
        const fs::path dir = fs::path(runDir(QStringLiteral("keep")).toStdString());
        const MetricsFile metrics = readMetrics(dir / "metrics.jsonl");
        QVERIFY(!metrics.trainSteps.empty());
        QCOMPARE(metrics.trainSteps.back(), int64_t(6));
    }

    void closingWithAnUnsavedConfigAsks()
    {
        auto window = openDemo(QStringLiteral("unsaved"), 1);
        QVERIFY(window);
        MainWindow& w = *window;
        clipwb::ui::ConfigPage* page = w.configPage();
        const QString file = page->filePath();
        QVERIFY(!page->isModified());
        QVERIFY(w.close()); // nothing to ask
        w.show();

        clipwb::config::TrainConfig changed = page->config();
        changed.lr = 0.0123;
        page->setConfig(changed);
        QVERIFY(page->isModified());
        answerNextDialog(QStringLiteral("unsavedConfigBox"), QStringLiteral("cancelButton"));
        QVERIFY(!w.close());
        QVERIFY(w.isVisible());
        QVERIFY(page->isModified());

        answerNextDialog(QStringLiteral("unsavedConfigBox"), QStringLiteral("discardButton"));
        QVERIFY(w.close());
        QVERIFY(!page->isModified());
        QVERIFY(page->config().lr != 0.0123);
        QVERIFY(clipwb::config::loadConfigFile(file.toStdString()).config.lr != 0.0123);

        w.show();
        page->setConfig(changed);
        answerNextDialog(QStringLiteral("unsavedConfigBox"), QStringLiteral("saveButton"));
        QVERIFY(w.close());
        QCOMPARE(clipwb::config::loadConfigFile(file.toStdString()).config.lr, 0.0123);
    }

    void shortcutsAreInMenusAndTooltips()
    {
        MainWindow w;
        w.show();
        QApplication::setActiveWindow(&w);
        QVERIFY(QTest::qWaitForWindowActive(&w));
        TrainingPage* training = w.trainingPage();
        const struct {
            QAction* action;
            QKeySequence key;
        } expected[] = {
            {training->startAction(), QKeySequence(Qt::Key_F5)},
            {training->pauseAction(), QKeySequence(Qt::Key_F6)},
            {training->stopAction(), QKeySequence(Qt::SHIFT | Qt::Key_F5)},
            {training->saveNowAction(), QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_S)},
            {training->resumeAction(), QKeySequence(Qt::CTRL | Qt::Key_F5)},
            {training->openRunAction(), QKeySequence(Qt::CTRL | Qt::Key_R)},
            {w.configPage()->openAction(), QKeySequence(QKeySequence::Open)},
            {w.configPage()->saveAction(), QKeySequence(QKeySequence::Save)},
        };
        QList<QAction*> inMenus;
        for (QAction* menu : w.menuBar()->actions())
            inMenus << menu->menu()->actions();
        for (const auto& entry : expected) {
            QCOMPARE(entry.action->shortcut(), entry.key);
            QVERIFY2(inMenus.contains(entry.action), qPrintable(entry.action->text()));
        }
        for (QAction* action :
             {training->startAction(), training->pauseAction(), training->stopAction(),
              training->saveNowAction(), training->resumeAction(), training->openRunAction()})
            QVERIFY2(action->toolTip().contains(action->shortcut().toString(QKeySequence::NativeText)),
                     qPrintable(action->toolTip()));
        // Disabled Resume says why.
        QVERIFY(!training->resumeAction()->isEnabled());
        QVERIFY(training->resumeAction()->toolTip().contains(QStringLiteral("Open or train a run first")));
        // Ctrl+1..5 switch pages, named in the navigation's tooltips.
        auto* navigation = w.findChild<QListWidget*>(QStringLiteral("navigation"));
        for (int i = 0; i < MainWindow::pageNames().size(); ++i) {
            QTest::keyClick(&w, Qt::Key(Qt::Key_1 + i), Qt::ControlModifier);
            QCOMPARE(w.currentPageName(), MainWindow::pageNames()[i]);
            QVERIFY(navigation->item(i)->toolTip().contains(QStringLiteral("Ctrl+%1").arg(i + 1)));
        }
    }

    void layoutLastRunAndConfigComeBack()
    {
        const QString run = runDir(QStringLiteral("flow")); // trained by the first test
        QVERIFY(clipwb::run::RunFolder::looksLikeRunFolder(run.toStdString()));
        const QString configFile = clipwb::ui::DemoProject::configFile(m_demoFolder);
        QList<int> sizes;
        QSize windowSize;
        {
            MainWindow w;
            w.show();
            QVERIFY(w.configPage()->loadFile(configFile));
            QVERIFY(w.trainingPage()->openRun(run));
            QTRY_COMPARE(w.trainingPage()->runDir(), run);
            w.setGeometry(40, 50, 1390, 990);
            windowSize = w.size(); // the minimum size may have grown it
            QVERIFY(windowSize != QSize(1280, 820));
            auto* splitter = w.findChild<QSplitter*>(QStringLiteral("trainingSplitter"));
            QVERIFY(splitter);
            w.showPage(QStringLiteral("training"));
            splitter->setSizes({500, 200});
            sizes = splitter->sizes();
            w.showPage(QStringLiteral("checkpoints"));
            QVERIFY(w.close());
        }
        MainWindow w;
        w.show();
        QCOMPARE(w.size(), windowSize);
        QCOMPARE(w.currentPageName(), QStringLiteral("checkpoints"));
        w.showPage(QStringLiteral("training"));
        QTRY_COMPARE(w.findChild<QSplitter*>(QStringLiteral("trainingSplitter"))->sizes(), sizes);
        QCOMPARE(w.configPage()->filePath(), configFile);
        QTRY_COMPARE(w.trainingPage()->runDir(), run);
        QTRY_COMPARE(w.checkpointsPage()->runDir(), run);
    }
};

QTEST_MAIN(TestTrainingFlow)
#include "TestTrainingFlow.moc"
