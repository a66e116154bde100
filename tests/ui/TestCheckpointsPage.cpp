// The checkpoints page on a generated run folder, alone and in the main window.
#include "SyntheticRun.h"

#include "ui/MainWindow.h"
#include "ui/checkpoints/CheckpointsPage.h"
#include "ui/config/ConfigPage.h"
#include "ui/training/TrainingPage.h"

#include <QAction>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

namespace fs = std::filesystem;
using clipwb::ui::CheckpointsPage;

class TestCheckpointsPage : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("clipwb-tests"));
    }

    void listsCheckpointsWithValidation()
    {
        QTemporaryDir tmp;
        const fs::path dir = fs::path(tmp.path().toStdString()) / "run";
        synthetic::writeRun(dir, 150, 300); // epochs of 50 steps: epoch1..3.pt, validation every 50
        synthetic::append(dir / "checkpoints" / "epoch_2_75.pt", "x");
        CheckpointsPage page;
        page.show();
        QVERIFY(!page.resumeLatestAction()->isEnabled());
        page.setRunDir(QString::fromStdString(dir.string()));
        QTableWidget* table = page.table();
        QCOMPARE(table->rowCount(), 5);
        // Newest first: epoch_latest.pt, then by step.
        QCOMPARE(table->item(0, 0)->text(), QStringLiteral("epoch_latest.pt"));
        QCOMPARE(table->item(0, 2)->text(), QStringLiteral("150"));
        QCOMPARE(table->item(1, 0)->text(), QStringLiteral("epoch3.pt"));
        QCOMPARE(table->item(1, 1)->text(), QStringLiteral("3"));
        QCOMPARE(table->item(1, 2)->text(), QStringLiteral("150"));
        QCOMPARE(table->item(3, 0)->text(), QStringLiteral("epoch_2_75.pt"));
        QCOMPARE(table->item(3, 5)->text(), QStringLiteral("—")); // no validation at step 75
        QCOMPARE(table->item(2, 0)->text(), QStringLiteral("epoch2.pt"));
        // Validation at step 100 as the metrics hold it.
        const std::string val = synthetic::valLine(100, 2, 300);
        const double loss = std::stod(val.substr(val.find("\"loss\":") + 7));
        QCOMPARE(table->item(2, 5)->text(), QString::number(loss, 'f', 4));
        QCOMPARE(table->item(2, 6)->text(), QString::number(0.1 + 0.7 * 100 / 300.0, 'f', 4));
        QVERIFY(table->item(4, 4)->text().contains(QStringLiteral("1")));

        // Resume from latest and from the selection.
        QSignalSpy resume(&page, &CheckpointsPage::resumeRequested);
        QVERIFY(page.resumeLatestAction()->isEnabled());
        page.resumeLatestAction()->trigger();
        QCOMPARE(resume.count(), 1);
        QCOMPARE(resume[0][0].toString(), QString::fromStdString((dir / "checkpoints" / "epoch_latest.pt").string()));
        QCOMPARE(resume[0][1].toString(), QString::fromStdString((dir / "config.json").string()));
        QVERIFY(!page.resumeSelectedAction()->isEnabled());
        const QString epoch2 = QString::fromStdString((dir / "checkpoints" / "epoch2.pt").string());
        page.selectCheckpoint(epoch2);
        QCOMPARE(page.selectedCheckpoint(), epoch2);
        page.resumeSelectedAction()->trigger();
        QCOMPARE(resume.count(), 2);
        QCOMPARE(resume[1][0].toString(), epoch2);

        // Delete.
        QString error;
        QVERIFY(page.deleteCheckpoint(epoch2, &error));
        QVERIFY(!fs::exists(dir / "checkpoints" / "epoch2.pt"));
        QCOMPARE(table->rowCount(), 4);
        QVERIFY(!page.deleteCheckpoint(epoch2, &error));
        QVERIFY(error.contains(QStringLiteral("epoch2.pt")));

        // New checkpoints show up on refresh.
        synthetic::appendSteps(dir, 151, 200, 300);
        synthetic::append(dir / "checkpoints" / "epoch4.pt", "xx");
        page.refresh();
        QCOMPARE(table->rowCount(), 5);
        QCOMPARE(table->item(1, 0)->text(), QStringLiteral("epoch4.pt"));
        QCOMPARE(table->item(1, 2)->text(), QStringLiteral("200"));
        QVERIFY(table->item(1, 5)->text() != QStringLiteral("—"));
    }

    void mainWindowFollowsTheDashboardsRun()
    {
        QTemporaryDir tmp;
        const fs::path dir = fs::path(tmp.path().toStdString()) / "run";
        synthetic::writeRun(dir, 100, 200);
        clipwb::ui::MainWindow window;
        window.show();
        QVERIFY(window.trainingPage()->openRun(QString::fromStdString(dir.string())));
        QTRY_COMPARE(window.checkpointsPage()->runDir(), QString::fromStdString(dir.string()));
        QCOMPARE(window.checkpointsPage()->table()->rowCount(), 3);
    }
};

QTEST_MAIN(TestCheckpointsPage)
#include "TestCheckpointsPage.moc"
