#pragma once
// What the GUI tests that train for real share (test_training_flow, in one
// process, and test_training_ranks, with two ranks): settings kept away from the
// user's, a small demo dataset, a window on it whose configuration is a tiny CPU
// run, clicking the dashboard's toolbar as a user would, and reading the run's
// state and train.log. Test helper only.
#include "data/DemoDataset.h"
#include "ui/DemoProject.h"
#include "ui/MainWindow.h"
#include "ui/config/ConfigPage.h"
#include "ui/training/TrainingPage.h"

#include <QAction>
#include <QApplication>
#include <QLabel>
#include <QProgressBar>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QToolBar>
#include <QToolButton>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

namespace clipwb::testing {

/// QSettings in folder under their own organisation name: a test never sees the user's settings.
inline void isolateSettings(const QString& folder, const QString& organisation)
{
    QStandardPaths::setTestModeEnabled(true);
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, folder);
    QCoreApplication::setOrganizationName(organisation);
    QSettings().clear();
}

/// The demo dataset, smaller: the same generator with 96 training and 32 validation pictures.
inline void makeSmallDemo(const QString& folder)
{
    data::DemoDatasetOptions options;
    options.outDir = folder.toStdString();
    options.trainImages = 96;
    options.validImages = 32;
    data::makeDemoDataset(options);
    QVERIFY(ui::DemoProject::datasetExists(folder));
}

struct TinyRun {
    QString runsFolder; ///< the config's logs
    QString name;
    int maxEpochs = 1;
    int validBatchSize = 32;
    bool activate = false; ///< make the window active first (for keyboard shortcuts)
};

/// A window on the demo project in demoFolder, its configuration (saved) turned into a tiny CPU
/// run: 16 pairs a batch (6 steps an epoch in one process), warmup 2, a log line each step and a
/// checkpoint each epoch. Null when the window or the project did not come up.
inline std::unique_ptr<ui::MainWindow> openDemoWindow(const QString& demoFolder, const TinyRun& run)
{
    auto window = std::make_unique<ui::MainWindow>();
    window->resize(1300, 850);
    window->show();
    if (run.activate) {
        QApplication::setActiveWindow(window.get()); // shortcuts go to the active window
        if (!QTest::qWaitForWindowActive(window.get()))
            return nullptr;
    }
    auto* demo = new ui::DemoProject(window.get(), demoFolder);
    QSignalSpy ready(demo, &ui::DemoProject::ready);
    demo->open();
    if (ready.isEmpty() && !ready.wait(60000))
        return nullptr;
    ui::ConfigPage* page = window->configPage();
    config::TrainConfig config = page->config();
    config.logs = run.runsFolder.toStdString();
    config.name = run.name.toStdString();
    config.device = "cpu";
    config.batch_size = 16; // per rank
    config.valid_batch_size = run.validBatchSize;
    config.num_workers = 1;
    config.max_epochs = run.maxEpochs;
    config.max_steps.reset();
    config.warmup = 2;
    config.log_interval = 1;
    config.save_epoch_frequency = 1;
    config.keep_last_n.reset();
    page->setConfig(config);
    if (!page->save())
        return nullptr;
    return window;
}

/// Clicks the tool button of action, as a user would.
inline void clickAction(QWidget* page, QAction* action)
{
    QVERIFY2(action->isEnabled(), qPrintable(action->text()));
    for (QToolBar* toolbar : page->findChildren<QToolBar*>())
        if (auto* button = qobject_cast<QToolButton*>(toolbar->widgetForAction(action))) {
            QTest::mouseClick(button, Qt::LeftButton);
            return;
        }
    QFAIL(qPrintable(QStringLiteral("no button for %1").arg(action->text())));
}

/// The dashboard's step progress bar, after it re-read the run folder.
inline int progressValue(ui::MainWindow& window)
{
    window.trainingPage()->refreshNow();
    return window.trainingPage()->findChild<QProgressBar*>(QStringLiteral("stepProgress"))->value();
}

/// The dashboard's state line ("Training on cpu", "Paused", "Finished", ...).
inline QString stateText(ui::MainWindow& window)
{
    return window.trainingPage()->findChild<QLabel*>(QStringLiteral("stateLabel"))->text();
}

/// How many lines of the run's train.log end with text (e.g. the trainer's "Paused").
inline int logLinesEndingWith(const std::filesystem::path& runDir, const std::string& text)
{
    std::ifstream in(runDir / "train.log");
    std::string line;
    int count = 0;
    while (std::getline(in, line))
        if (line.size() >= text.size() && line.compare(line.size() - text.size(), text.size(), text) == 0)
            ++count;
    return count;
}

/// The fixture of such a test (a base of its test class): temporary settings and work folders,
/// the small demo in work/demo, runs in work/runs.
class DemoTrainingFixture {
protected:
    /// validBatchSize and activate as in TinyRun, for every run of the test.
    DemoTrainingFixture(int validBatchSize, bool activate)
        : m_validBatchSize(validBatchSize), m_activate(activate)
    {
    }

    /// For initTestCase: settings under organisation, then the demo dataset.
    void setUpDemo(const QString& organisation)
    {
        isolateSettings(m_settingsDir.path(), organisation);
        m_demoFolder = m_work.filePath(QStringLiteral("demo"));
        makeSmallDemo(m_demoFolder);
    }

    /// A window on the demo, its config a tiny run named name (openDemoWindow).
    std::unique_ptr<ui::MainWindow> openDemo(const QString& name, int maxEpochs) const
    {
        return openDemoWindow(m_demoFolder, {m_work.filePath(QStringLiteral("runs")), name, maxEpochs,
                                             m_validBatchSize, m_activate});
    }

    QString runDir(const QString& name) const { return m_work.filePath(QStringLiteral("runs/") + name); }

    QTemporaryDir m_settingsDir;
    QTemporaryDir m_work;
    QString m_demoFolder;

private:
    int m_validBatchSize;
    bool m_activate;
};

} // namespace clipwb::testing
