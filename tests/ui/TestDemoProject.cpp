// `clipwb --demo`: the dataset is made once into the per-user folder (off the GUI
// thread, never left half-written) and the demo config is loaded, ready to train.
#include "data/LmdbSplit.h"
#include "ui/DemoProject.h"
#include "ui/MainWindow.h"
#include "ui/config/ConfigPage.h"

#include <QDir>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <atomic>
#include <filesystem>

using clipwb::ui::DemoProject;
using clipwb::ui::MainWindow;
namespace fs = std::filesystem;

class TestDemoProject : public QObject {
    Q_OBJECT
private:
    static int64_t batchesPerEpochFor(const clipwb::config::TrainConfig& config, int64_t samples)
    {
        return clipwb::config::batchesPerEpoch(samples, config.batch_size);
    }

    QTemporaryDir m_settingsDir;

    /// Writes the reference LMDB splits as the demo's lmdb/{train,valid}, from a worker thread.
    static clipwb::Progress stage(double fraction, const char* name)
    {
        clipwb::Progress report;
        report.fraction = fraction;
        report.stage = name;
        return report;
    }

    static void copyReferenceSplits(const QString& folder, const clipwb::ProgressCallback& progress,
                                    std::atomic<bool>& offGuiThread)
    {
        offGuiThread = QThread::currentThread() != qApp->thread();
        progress(stage(0.5, "copying"));
        fs::create_directories(fs::path(folder.toStdString()) / "lmdb");
        for (const char* split : {"train", "valid"})
            fs::copy(fs::path(CLIPWB_TEST_FIXTURES) / "lmdb/lmdb" / split,
                     fs::path(folder.toStdString()) / "lmdb" / split, fs::copy_options::recursive);
        progress(stage(1.0, "done"));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
        QCoreApplication::setOrganizationName(QStringLiteral("clipwb-test"));
    }

    void init() { QSettings().clear(); }

    void makesTheDatasetOnceAndLoadsTheDemoConfig()
    {
        QTemporaryDir data;
        const QString folder = data.filePath(QStringLiteral("demo"));
        MainWindow window;
        window.showPage(QStringLiteral("training"));
        auto* demo = new DemoProject(&window, folder);
        std::atomic<bool> offGuiThread{false};
        int generated = 0;
        bool wroteAside = false;
        demo->setGenerator([&](const QString& out, const clipwb::ProgressCallback& progress) {
            ++generated;
            wroteAside = out != folder; // written aside, renamed when complete
            copyReferenceSplits(out, progress, offGuiThread);
        });
        QVERIFY(!DemoProject::datasetExists(folder));
        QSignalSpy ready(demo, &DemoProject::ready);
        demo->open();
        QVERIFY(ready.wait(30000));
        QVERIFY(offGuiThread);
        QCOMPARE(generated, 1);
        QVERIFY(wroteAside);
        QVERIFY(DemoProject::datasetExists(folder));
        QVERIFY(!QDir(folder + QStringLiteral(".partial")).exists());

        clipwb::ui::ConfigPage* page = window.configPage();
        QCOMPARE(window.currentPageName(), QStringLiteral("configuration"));
        QCOMPARE(page->filePath(), DemoProject::configFile(folder));
        QVERIFY(!page->isModified());
        QVERIFY2(page->isValid(), page->issues().empty() ? "" : page->issues().front().text().c_str());
        const clipwb::config::TrainConfig config = page->config();
        QCOMPARE(config.train_data, (fs::path(folder.toStdString()) / "lmdb/train").string());
        QCOMPARE(config.val_data.value_or(""), (fs::path(folder.toStdString()) / "lmdb/valid").string());
        QCOMPARE(config.vision_model, std::string("Tiny-ViT"));

        // A second open finds the dataset and does not make it again.
        QSignalSpy readyAgain(demo, &DemoProject::ready);
        demo->open();
        QCOMPARE(readyAgain.count(), 1);
        QCOMPARE(generated, 1);
    }

    void theRealDemoDatasetIsReadyToTrain()
    {
        QTemporaryDir data;
        const QString folder = data.filePath(QStringLiteral("demo"));
        MainWindow window;
        auto* demo = new DemoProject(&window, folder); // core/data's makeDemoDataset
        QSignalSpy ready(demo, &DemoProject::ready);
        QSignalSpy failed(demo, &DemoProject::failed);
        demo->open();
        QTRY_VERIFY_WITH_TIMEOUT(ready.count() + failed.count() > 0, 90000);
        QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.at(0).at(0).toString()));
        clipwb::ui::ConfigPage* page = window.configPage();
        QVERIFY2(page->isValid(), page->issues().empty() ? "" : page->issues().front().text().c_str());
        const clipwb::config::TrainConfig config = page->config();
        const clipwb::data::LmdbSplit train(config.train_data);
        const clipwb::data::LmdbSplit valid(*config.val_data);
        QVERIFY(train.numSamples() >= train.numImages());
        QVERIFY(train.numImages() > valid.numImages());
        QVERIFY(valid.numImages() > 0);
        QVERIFY(batchesPerEpochFor(config, train.numSamples()) > 1);
    }

    void aFailedGenerationLeavesNothingBehind()
    {
        QTemporaryDir data;
        const QString folder = data.filePath(QStringLiteral("demo"));
        MainWindow window;
        auto* demo = new DemoProject(&window, folder);
        demo->setGenerator([](const QString& out, const clipwb::ProgressCallback&) {
            QDir().mkpath(out + QStringLiteral("/lmdb/train/imgs"));
            throw std::runtime_error("disk full");
        });
        QSignalSpy failed(demo, &DemoProject::failed);
        demo->open();
        QVERIFY(failed.wait(30000));
        QVERIFY(failed.at(0).at(0).toString().contains(QStringLiteral("disk full")));
        QVERIFY(!QDir(folder).exists());
        QVERIFY(!QDir(folder + QStringLiteral(".partial")).exists());
        // The demo config is still shown; its errors say what is missing.
        QVERIFY(window.configPage()
                    ->errorText(QStringLiteral("train_data"))
                    .contains(QStringLiteral("folder not found")));
    }
};

QTEST_MAIN(TestDemoProject)
#include "TestDemoProject.moc"
