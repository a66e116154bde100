// The A/B retrieval view on the two reference checkpoints (A: init.pt, the
// random initialisation; B: final.pt, trained 24 steps) over the fixture valid
// split: rank changes are consistent with both rankings, the ground truth is
// marked on both sides, and over every split text the trained checkpoint puts
// the ground truth in the top 10 more often.
#include "eval/RankComparison.h"
#include "ui/retrieval/RetrievalCompareView.h"
#include "ui/retrieval/RetrievalPage.h"

#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

using clipwb::eval::RankChange;
using clipwb::ui::RetrievalCompareView;
using clipwb::ui::RetrievalPage;

namespace {
QString fixture(const char* relative) { return QStringLiteral(CLIPWB_TEST_FIXTURES "/") + QLatin1String(relative); }

RankChange::Kind kindOf(const QListWidgetItem* item)
{
    return RankChange::Kind(item->data(RetrievalCompareView::ChangeRole).toInt());
}
} // namespace

class TestRetrievalCompare : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void rankChanges()
    {
        using Kind = RankChange::Kind;
        const std::vector<std::int64_t> a = {1, 2, 3, 4, 5}, b = {3, 1, 5, 2, 4};
        const auto compared = clipwb::eval::compareRanks(a, b, 3);
        QCOMPARE(compared.size(), size_t(3));
        QCOMPARE(int(compared[0].kind), int(Kind::Up)); // 3: A #3 -> B #1
        QCOMPARE(compared[0].moved(), 2);
        QCOMPARE(int(compared[1].kind), int(Kind::Down)); // 1: A #1 -> B #2
        QCOMPARE(compared[1].moved(), -1);
        QCOMPARE(int(compared[2].kind), int(Kind::New)); // 5: A #5, outside A's top 3
        QCOMPARE(compared[2].otherRank, 5);
        const auto baseline = clipwb::eval::baselineRanks(a, b, 3);
        QCOMPARE(int(baseline[1].kind), int(Kind::Dropped)); // 2: B #4
        QCOMPARE(baseline[1].otherRank, 4);
        QCOMPARE(int(baseline[0].kind), int(Kind::Same));
    }

    void initVersusTrained()
    {
        QTemporaryDir cache;
        RetrievalPage page;
        page.resize(1300, 850);
        page.show();
        page.setCacheRoot(cache.path());
        // B follows the browsed checkpoint; models and split come from its run's config.json.
        page.openCheckpoint(fixture("train/fp32_bs8/final.pt"));
        page.showComparison(true);
        RetrievalCompareView* view = page.compareView();
        QCOMPARE(view->checkpoint(RetrievalCompareView::B), fixture("train/fp32_bs8/final.pt"));
        view->setCheckpoint(RetrievalCompareView::A, fixture("model/init.pt"));
        QSignalSpy ready(view, &RetrievalCompareView::ready);
        QSignalSpy failed(view, &RetrievalCompareView::failed);
        view->startExtraction();
        QVERIFY(view->isExtracting());
        QTRY_VERIFY_WITH_TIMEOUT(!view->isExtracting(), 120000);
        QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().first().toString()));
        QCOMPARE(ready.count(), 1);

        const QStringList texts = view->splitTexts();
        QCOMPARE(texts.size(), 33);
        int hitsA = 0, hitsB = 0, changed = 0;
        for (const QString& text : texts) {
            view->queryEdit()->setText(text);
            QTest::keyClick(view->queryEdit(), Qt::Key_Return);
            QTRY_VERIFY_WITH_TIMEOUT(!view->isQuerying(), 30000);
            const int rankA = view->goldRank(RetrievalCompareView::A);
            const int rankB = view->goldRank(RetrievalCompareView::B);
            QVERIFY(rankA > 0 && rankB > 0);
            hitsA += rankA <= 10;
            hitsB += rankB <= 10;
            QListWidget* listA = view->imageResults(RetrievalCompareView::A);
            QListWidget* listB = view->imageResults(RetrievalCompareView::B);
            QCOMPARE(listA->count(), 10);
            QCOMPARE(listB->count(), 10);
            // As many images are new in B's top 10 as dropped out of A's.
            int dropped = 0, added = 0;
            for (int i = 0; i < 10; ++i) {
                dropped += kindOf(listA->item(i)) == RankChange::Kind::Dropped;
                added += kindOf(listB->item(i)) == RankChange::Kind::New;
                // Moves agree with the other side's list.
                const QListWidgetItem* item = listB->item(i);
                const int otherRank = item->data(RetrievalCompareView::OtherRankRole).toInt();
                if (otherRank <= 10)
                    QCOMPARE(listA->item(otherRank - 1)->data(RetrievalCompareView::IdRole),
                             item->data(RetrievalCompareView::IdRole));
                if (kindOf(item) == RankChange::Kind::Up)
                    QVERIFY(otherRank > i + 1 && item->text().contains(QStringLiteral("up %1").arg(otherRank - i - 1)));
            }
            QCOMPARE(dropped, added);
            changed += added;
            // The ground truth is marked on each side where it is in the top 10.
            for (int side = 0; side < 2; ++side) {
                QListWidget* list = view->imageResults(RetrievalCompareView::Side(side));
                const int rank = view->goldRank(RetrievalCompareView::Side(side));
                if (rank <= 10) {
                    QVERIFY(list->item(rank - 1)->data(RetrievalCompareView::GoldRole).toBool());
                    QVERIFY(list->item(rank - 1)->background().color().green() > 200);
                }
                QVERIFY(view->goldLabel(RetrievalCompareView::Side(side))->text().contains(QString::number(rank)));
            }
            QVERIFY(view->summaryLabel()->text().contains(QStringLiteral("A #%1 → B #%2").arg(rankA).arg(rankB)));
        }
        qInfo("ground truth in the top 10: init.pt %d of 33, final.pt %d of 33; %d images changed places", hitsA,
              hitsB, changed);
        QVERIFY(changed > 0);
        QVERIFY(hitsB > hitsA);

        // Image to text on both sides from a click on an image of B's grid.
        QListWidget* listB = view->imageResults(RetrievalCompareView::B);
        Q_EMIT listB->itemClicked(listB->item(0));
        QTRY_VERIFY_WITH_TIMEOUT(!view->isQuerying(), 30000);
        QCOMPARE(view->textResults(RetrievalCompareView::A)->count(), 10);
        QCOMPARE(view->textResults(RetrievalCompareView::B)->count(), 10);
        QVERIFY(view->imageGoldRank(RetrievalCompareView::A) > 0);
        QVERIFY(view->imageGoldRank(RetrievalCompareView::B) > 0);
    }
};

QTEST_MAIN(TestRetrievalCompare)
#include "TestRetrievalCompare.moc"
