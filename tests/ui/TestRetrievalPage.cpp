// The retrieval browser on the reference checkpoint and LMDB split: extraction in the
// background, a text query, an image query, and recall equal to upstream's output.json.
#include "ui/retrieval/RetrievalPage.h"

#include "support/RankingCompare.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using clipwb::ui::RetrievalPage;
namespace test = clipwb::test;

namespace {
QString fixture(const char* relative) { return QStringLiteral(CLIPWB_TEST_FIXTURES "/") + QLatin1String(relative); }
} // namespace

class TestRetrievalPage : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void cancelStopsExtraction()
    {
        QTemporaryDir cache;
        RetrievalPage page;
        page.setCacheRoot(cache.path());
        page.openCheckpoint(fixture("train/fp32_bs8/final.pt"));
        QSignalSpy failed(&page, &RetrievalPage::failed);
        page.startExtraction();
        page.cancelExtraction();
        QTRY_VERIFY_WITH_TIMEOUT(!page.isExtracting(), 60000);
        QCOMPARE(failed.count(), 1);
        QVERIFY(!page.isReady());
        QVERIFY(!page.statusLabel()->text().isEmpty());
        QVERIFY(!page.queryEdit()->isEnabled());
    }

    // A damaged checkpoint opened without a split: the checkpoint's problem is what the user reads,
    // not the empty split's, and Extract says which input is missing instead of starting.
    void damagedCheckpointIsNamedFirst()
    {
        QTemporaryDir tmp;
        const QString truncated = tmp.filePath(QStringLiteral("truncated.pt"));
        {
            QFile in(fixture("model/init.pt"));
            QVERIFY(in.open(QIODevice::ReadOnly));
            QFile out(truncated);
            QVERIFY(out.open(QIODevice::WriteOnly));
            out.write(in.read(5000));
        }
        RetrievalPage page;
        page.openCheckpoint(truncated);
        QSignalSpy failed(&page, &RetrievalPage::failed);
        page.startExtraction();
        QVERIFY(!page.isExtracting());
        QCOMPARE(failed.count(), 1);
        QTRY_VERIFY_WITH_TIMEOUT(page.statusLabel()->text().contains(QLatin1String("cannot be used")), 20000);
        QVERIFY2(!page.statusLabel()->text().contains(QLatin1String("split")), qPrintable(page.statusLabel()->text()));

        // A good checkpoint without a split: Extract names the missing split.
        page.openCheckpoint(fixture("model/init.pt"));
        QTRY_VERIFY_WITH_TIMEOUT(page.statusLabel()->text().contains(QLatin1String("parameters")), 20000);
        page.startExtraction();
        QVERIFY(!page.isExtracting());
        QVERIFY2(page.statusLabel()->text().contains(QLatin1String("LMDB split")), qPrintable(page.statusLabel()->text()));
    }

    void extractQueryAndEvaluate()
    {
        QTemporaryDir cache;
        RetrievalPage page;
        page.resize(1200, 800);
        page.show();
        page.setCacheRoot(cache.path());
        // Models and split come from the run's config.json next to the checkpoint.
        page.openCheckpoint(fixture("train/fp32_bs8/final.pt"));
        QSignalSpy ready(&page, &RetrievalPage::ready);
        QSignalSpy failed(&page, &RetrievalPage::failed);
        page.startExtraction();
        QTRY_VERIFY_WITH_TIMEOUT(!page.isExtracting(), 90000);
        QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().first().toString()));
        QCOMPARE(ready.count(), 1);
        QVERIFY(page.queryEdit()->isEnabled());

        // Recall equals upstream's evaluation of upstream's features (ours differ by ~1e-7): exact
        // on every machine because no text's hit lies within such a shift of a near tie (checked).
        CLIPWB_REQUIRE_STABLE_RECALL(test::readFeatureScores(fixture("eval/valid_texts.txt_feat.jsonl"),
                                                             fixture("eval/valid_imgs.img_feat.jsonl")),
                                     test::readPredictionRankings(fixture("eval/valid_texts.jsonl")),
                                     2 * std::sqrt(32.0) * 2e-7); // as test_validation_recall
        QFile outputFile(fixture("eval/output.json"));
        QVERIFY(outputFile.open(QIODevice::ReadOnly));
        const QJsonObject expected =
            QJsonDocument::fromJson(outputFile.readAll()).object().value(QLatin1String("scoreJson")).toObject();
        QTableWidget* table = page.recallTable();
        const char* keys[] = {"r1", "r5", "r10", "mean_recall"};
        for (int column = 0; column < 4; ++column) {
            QVERIFY(table->item(0, column));
            QVERIFY(qAbs(table->item(0, column)->data(Qt::UserRole).toDouble() -
                         expected.value(QLatin1String(keys[column])).toDouble()) < 1e-6);
            QVERIFY(table->item(1, column));
        }
        QVERIFY(page.failedQueries()->count() > 0);

        // A split text: ten images, the ground truth marked with its rank.
        const QStringList texts = page.splitTexts();
        QVERIFY(texts.size() > 2);
        // Queries run off the GUI thread: Enter returns at once, and only the newest query's
        // results are shown when several were typed in a row.
        QSignalSpy finished(&page, &RetrievalPage::queryFinished);
        page.queryEdit()->setText(texts.last());
        QTest::keyClick(page.queryEdit(), Qt::Key_Return);
        QVERIFY(page.isQuerying());
        QCOMPARE(page.imageResults()->count(), 0);
        page.queryEdit()->setText(texts.first());
        QTest::keyClick(page.queryEdit(), Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(!page.isQuerying(), 30000);
        QTest::qWait(50);
        QCOMPARE(finished.count(), 1);
        QCOMPARE(page.imageResults()->count(), 10);
        const QString gold = page.goldLabel()->text();
        QVERIFY2(gold.startsWith(QLatin1String("Hit")) || gold.startsWith(QLatin1String("Miss")), qPrintable(gold));
        QVERIFY(gold.contains(QLatin1String("rank")));
        QVERIFY(!page.imageResults()->item(0)->icon().isNull());

        // A failed query is a miss.
        page.failedQueries()->setCurrentRow(0);
        Q_EMIT page.failedQueries()->itemClicked(page.failedQueries()->item(0));
        QTRY_VERIFY_WITH_TIMEOUT(!page.isQuerying(), 30000);
        QVERIFY2(page.goldLabel()->text().startsWith(QLatin1String("Miss")), qPrintable(page.goldLabel()->text()));

        // Clicking an image lists its closest texts, best first.
        Q_EMIT page.imageResults()->itemClicked(page.imageResults()->item(0));
        QTRY_VERIFY_WITH_TIMEOUT(!page.isQuerying(), 30000);
        QCOMPARE(page.textResults()->count(), 10);

        // Free text has no ground truth.
        page.queryEdit()->setText(QStringLiteral("一只猫"));
        QTest::keyClick(page.queryEdit(), Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(!page.isQuerying(), 30000);
        QCOMPARE(page.imageResults()->count(), 10);
        QVERIFY(page.goldLabel()->text().startsWith(QLatin1String("Free")));
    }
};

QTEST_MAIN(TestRetrievalPage)
#include "TestRetrievalPage.moc"
