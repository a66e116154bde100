// R@K over training steps on the dashboard, from a short real training run of
// the reference config (24 steps, validation every 8 steps, a checkpoint per
// epoch): the validation records carry retrieval recall, which the chart
// plots; a click on a point opens the Retrieval browser at the checkpoint of
// that step, whose recall table agrees with the record. For the same run
// without recall records, "Evaluate all checkpoints" computes it in the
// background (cached), with the same figures at the shared step.
#include "ui/MainWindow.h"
#include "ui/checkpoints/CheckpointRecallEvaluator.h"
#include "ui/checkpoints/CheckpointsPage.h"
#include "ui/retrieval/RetrievalPage.h"
#include "ui/training/RecallChart.h"
#include "ui/training/TrainingPage.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <filesystem>

using namespace clipwb::ui;
namespace fs = std::filesystem;

namespace {

const char* const kKeys[6] = {"t2i_r1", "t2i_r5", "t2i_r10", "i2t_r1", "i2t_r5", "i2t_r10"};

QList<QJsonObject> records(const QString& metrics, const QString& type)
{
    QFile file(metrics);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QList<QJsonObject> out;
    for (const QByteArray& line : file.readAll().split('\n')) {
        const QJsonObject object = QJsonDocument::fromJson(line).object();
        if (object.value(QLatin1String("type")).toString() == type)
            out << object;
    }
    return out;
}

/// Clicks the chart where series shows its point at step.
void clickPoint(RecallChart* chart, int series, qint64 step)
{
    const QPoint position = chart->pointPosition(series, step);
    QVERIFY2(!position.isNull(), "the point is not drawn");
    QTest::mouseClick(chart, Qt::LeftButton, Qt::NoModifier, position);
}

} // namespace

class TestRecallChart : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_runDir;

    void openRun(MainWindow& window, const QString& dir)
    {
        QSignalSpy loaded(window.trainingPage(), &TrainingPage::runLoaded);
        QString error;
        QVERIFY2(window.trainingPage()->openRun(dir, &error), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(loaded.count() == 1, 20000);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("clipwb-tests"));
        QVERIFY(m_dir.isValid());
        qputenv("XDG_CACHE_HOME", m_dir.filePath(QStringLiteral("cache")).toUtf8()); // the feature cache
        QProcess train;
        train.start(QStringLiteral(CLIPWB_BIN_DIR "/clipwb-cli"),
                    {QStringLiteral("train"), QStringLiteral("--config"),
                     QStringLiteral(CLIPWB_TEST_FIXTURES "/train/fp32_bs8/config.json"), QStringLiteral("--logs"),
                     m_dir.filePath(QStringLiteral("runs")), QStringLiteral("--device"), QStringLiteral("cpu")});
        QVERIFY(train.waitForFinished(240000));
        QVERIFY2(train.exitCode() == 0, train.readAllStandardError().constData());
        m_runDir = m_dir.filePath(QStringLiteral("runs/fp32_bs8"));
        const auto val = records(m_runDir + QStringLiteral("/metrics.jsonl"), QStringLiteral("val"));
        QCOMPARE(val.size(), 3); // steps 8, 16, 24
        for (const QJsonObject& record : val)
            for (const char* key : kKeys)
                QVERIFY(record.contains(QLatin1String(key)));
    }

    void validationRecallIsPlottedAndClickable()
    {
        MainWindow window;
        window.resize(1300, 850);
        window.show();
        openRun(window, m_runDir);
        RecallChart* chart = window.trainingPage()->recallChart();
        QVERIFY(chart->hasValidationRecall());
        QTRY_VERIFY(!chart->isHidden());
        const auto val = records(m_runDir + QStringLiteral("/metrics.jsonl"), QStringLiteral("val"));
        for (int series = 0; series < 6; ++series)
            for (const QJsonObject& record : val)
                QVERIFY(!chart->pointPosition(series, record.value(QLatin1String("step")).toInteger()).isNull());
        const QJsonObject last = val.last();
        QCOMPARE(last.value(QLatin1String("step")).toInteger(), 24);

        // A click on the step-24 point opens the Retrieval browser on the step-24 checkpoint.
        window.showPage(QStringLiteral("training"));
        QTest::qWait(100);
        clickPoint(chart, 2, 24);
        QCOMPARE(window.currentPageName(), QStringLiteral("retrieval"));
        RetrievalPage* retrieval = window.retrievalPage();
        const QString checkpoint = window.checkpointsPage()->checkpointNearestStep(24);
        // The Checkpoints page shows the recorded recall of the checkpoints at a validated step.
        QTableWidget* checkpointTable = window.checkpointsPage()->table();
        const int recallColumn = checkpointTable->columnCount() - 1;
        const int row24 = window.checkpointsPage()->checkpointPaths().indexOf(checkpoint);
        QVERIFY(row24 >= 0);
        QVERIFY2(checkpointTable->item(row24, recallColumn)->text().startsWith(
                     QString::number(last.value(QLatin1String("t2i_r1")).toDouble(), 'f', 1)),
                 qPrintable(checkpointTable->item(row24, recallColumn)->text()));
        QVERIFY(checkpoint.endsWith(QLatin1String("epoch2.pt")) || checkpoint.endsWith(QLatin1String("epoch_latest.pt")));
        QTRY_VERIFY_WITH_TIMEOUT(retrieval->isReady(), 60000);
        // Its recall (eval path over the cached features) is the one the trainer recorded at step 24.
        QTableWidget* table = retrieval->recallTable();
        for (int k = 0; k < 3; ++k) {
            QVERIFY(std::abs(table->item(0, k)->data(Qt::UserRole).toDouble() -
                             last.value(QLatin1String(kKeys[k])).toDouble()) < 1e-9);
            QVERIFY(std::abs(table->item(1, k)->data(Qt::UserRole).toDouble() -
                             last.value(QLatin1String(kKeys[3 + k])).toDouble()) < 1e-9);
        }
    }

    void evaluateAllCheckpointsForRunsWithoutRecall()
    {
        // The same run as an older trainer wrote it: validation records without recall.
        const QString plain = m_dir.filePath(QStringLiteral("runs/plain"));
        fs::copy(m_runDir.toStdString(), plain.toStdString(), fs::copy_options::recursive);
        QFile metrics(plain + QStringLiteral("/metrics.jsonl"));
        QVERIFY(metrics.open(QIODevice::ReadOnly));
        QByteArray stripped;
        for (const QByteArray& line : metrics.readAll().split('\n')) {
            if (line.isEmpty())
                continue;
            QJsonObject object = QJsonDocument::fromJson(line).object();
            for (const char* key : kKeys)
                object.remove(QLatin1String(key));
            object.remove(QStringLiteral("mean_recall"));
            stripped += QJsonDocument(object).toJson(QJsonDocument::Compact) + '\n';
        }
        metrics.close();
        QVERIFY(metrics.open(QIODevice::WriteOnly | QIODevice::Truncate));
        metrics.write(stripped);
        metrics.close();
        const auto expected = records(m_runDir + QStringLiteral("/metrics.jsonl"), QStringLiteral("val")).last();

        MainWindow window;
        window.resize(1300, 850);
        window.show();
        openRun(window, plain);
        RecallChart* chart = window.trainingPage()->recallChart();
        QVERIFY(!chart->hasPoints());
        QVERIFY(chart->isHidden());
        CheckpointsPage* checkpoints = window.checkpointsPage();
        QCOMPARE(checkpoints->runDir(), QFileInfo(plain).absoluteFilePath());
        QVERIFY(checkpoints->evaluateAllAction()->isEnabled());

        for (int pass = 0; pass < 2; ++pass) {
            QSignalSpy finished(checkpoints->recallEvaluator(), &CheckpointRecallEvaluator::finished);
            QString error;
            QVERIFY2(checkpoints->evaluateAllCheckpoints(&error), qPrintable(error));
            QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, 120000);
            QCOMPARE(finished.first().first().toString(), QString());
            const auto& results = checkpoints->recallEvaluator()->results();
            QCOMPARE(results.size(), 2); // epoch1.pt (step 12), epoch2.pt (step 24); epoch_latest.pt repeats 24
            for (const CheckpointRecall& recall : results) {
                QCOMPARE(recall.cached, pass == 1); // the second pass reads the cache only
                if (recall.step == 24)
                    for (int k = 0; k < 6; ++k)
                        QVERIFY(std::abs(recall.values[size_t(k)] - expected.value(QLatin1String(kKeys[k])).toDouble()) <
                                1e-9);
            }
            QCOMPARE(chart->checkpointRecallCount(), 2);
        }
        // Every checkpoint with a step now shows its evaluated recall on the Checkpoints page.
        QTableWidget* checkpointTable = checkpoints->table();
        for (int row = 0; row < checkpointTable->rowCount(); ++row)
            QVERIFY2(checkpointTable->item(row, checkpointTable->columnCount() - 1)->text().contains(QLatin1Char('/')),
                     qPrintable(checkpointTable->item(row, 0)->text()));
        window.showPage(QStringLiteral("training"));
        QTRY_VERIFY(chart->isVisible());
        QTest::qWait(100);
        clickPoint(chart, 5, 12);
        QCOMPARE(window.currentPageName(), QStringLiteral("retrieval"));
        QVERIFY(window.checkpointsPage()->checkpointNearestStep(12).endsWith(QLatin1String("epoch1.pt")));
        QTRY_VERIFY_WITH_TIMEOUT(window.retrievalPage()->isReady(), 60000);
        window.showPage(QStringLiteral("training"));
        QVERIFY(window.trainingPage()->exportPng(m_dir.filePath(QStringLiteral("dashboard.png"))));
    }
};

QTEST_MAIN(TestRecallChart)
#include "TestRecallChart.moc"
