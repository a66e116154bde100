// Scrolling through a generated split of 250,000 pairs: the page must open it
// at once, read records only for what is on screen, keep thumbnail decoding off
// the GUI thread and drop requests for rows that scrolled away.
#include "SplitWriter.h"

#include "ui/dataset/DatasetPage.h"
#include "ui/dataset/PairListModel.h"
#include "ui/dataset/ThumbnailCache.h"

#include <QApplication>
#include <QBuffer>
#include <QElapsedTimer>
#include <QImage>
#include <QListView>
#include <QPainter>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace clipwb;
using namespace clipwb::ui;
using clipwb::data::PairSearchField;

namespace {

constexpr int64_t kPairs = 250000;
constexpr int64_t kImages = 2000;

const char* const kColours[] = {"红色", "橙色", "黄色", "绿色", "蓝色", "紫色"};
const char* const kShapes[] = {"圆形", "正方形", "三角形", "十字", "星形"};

std::vector<std::pair<int64_t, QByteArray>> drawImages()
{
    std::vector<std::pair<int64_t, QByteArray>> images;
    for (int64_t id = 0; id < kImages; ++id) {
        QImage image(96, 72, QImage::Format_RGB888);
        image.fill(QColor::fromHsv(int(id * 37 % 360), 120, 230));
        QPainter painter(&image);
        painter.setBrush(QColor::fromHsv(int(id * 101 % 360), 200, 180));
        painter.drawEllipse(QRect(int(id % 40), int(id % 30), 40, 40));
        painter.end();
        QByteArray bytes;
        QBuffer buffer(&bytes);
        buffer.open(QIODevice::WriteOnly);
        image.save(&buffer, "JPEG", 85);
        images.emplace_back(id + 1000000, bytes);
    }
    return images;
}

} // namespace

class TestDatasetScroll : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_split;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_split = m_dir.filePath(QStringLiteral("big/train"));
        QElapsedTimer timer;
        timer.start();
        testing::writeSplit(
            m_split, kPairs,
            [](int64_t i) {
                return testing::SplitPair{1000000 + i % kImages, i / 5,
                                          std::string("第") + std::to_string(i) + "条：" + kColours[i % 6] +
                                              "背景上的" + kShapes[(i / 6) % 5]};
            },
            drawImages());
        qInfo("wrote %lld pairs in %lld ms", qlonglong(kPairs), qlonglong(timer.elapsed()));
    }

    void opensAtOnceAndReadsOnlyWhatIsShown()
    {
        DatasetPage page;
        page.resize(1280, 820);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        if (qEnvironmentVariableIsSet("CHUNK"))
            page.pairModel()->setFetchChunk(qEnvironmentVariableIntValue("CHUNK"));
        QElapsedTimer timer;
        timer.start();
        QVERIFY(page.openPath(m_split));
        QCoreApplication::processEvents();
        const qint64 openMs = timer.elapsed();
        qInfo("open + first layout: %lld ms", openMs);
        QVERIFY2(openMs < 3000, qPrintable(QString::number(openMs)));
        PairListModel* model = page.pairModel();
        QCOMPARE(model->totalRows(), kPairs);
        // Only the first screen (and the first detail) has been read.
        QVERIFY2(model->recordReads() < 500, qPrintable(QString::number(model->recordReads())));

        QListView* grid = page.gridView();
        QScrollBar* bar = grid->verticalScrollBar();
        // Scroll to the end in steps (fetching more rows as the view asks for them), painting each.
        timer.restart();
        int steps = 0;
        qint64 slowestStep = 0;
        while (true) {
            QElapsedTimer step;
            step.start();
            bar->setValue(std::min(bar->maximum(), bar->value() + std::max(bar->pageStep() * 40, bar->maximum() / 40)));
            grid->viewport()->repaint();
            QCoreApplication::processEvents();
            slowestStep = std::max(slowestStep, step.elapsed());
            ++steps;
            if (bar->value() >= bar->maximum() && !model->canFetchMore(QModelIndex()))
                break;
            QVERIFY(steps < 2000);
        }
        const qint64 scrollMs = timer.elapsed();
        qInfo("scrolled to row %d of %lld in %d steps, %lld ms (slowest step %lld ms); %lld records read",
              model->rowCount() - 1, qlonglong(kPairs), steps, scrollMs, slowestStep, model->recordReads());
        QCOMPARE(model->rowCount(), int(kPairs));
        QVERIFY2(slowestStep < 1500, qPrintable(QString::number(slowestStep)));
        QVERIFY2(model->recordReads() < kPairs / 10, qPrintable(QString::number(model->recordReads())));
        const QModelIndex last = grid->indexAt(grid->viewport()->rect().bottomLeft() + QPoint(10, -10));
        QVERIFY(last.isValid());
        QVERIFY(last.row() > kPairs - 200);

        // Thumbnails come for the last screen; the requests of the screens flown past were dropped.
        QTest::qWait(100);
        QTRY_VERIFY_WITH_TIMEOUT(page.thumbnails()->contains(last.data(PairListModel::ImageIdRole).toLongLong()), 20000);
        qInfo("thumbnails decoded %lld, requests dropped %lld", page.thumbnails()->decodedCount(),
              page.thumbnails()->droppedCount());
        QVERIFY(page.thumbnails()->decodedCount() < kImages);

        // Jumping to a pair far away and searching stay usable on a big split.
        QVERIFY(page.jumpToPair(123456));
        QCOMPARE(page.gridView()->currentIndex().data(PairListModel::PairIndexRole).toLongLong(), 123456);
        QSignalSpy searched(&page, &DatasetPage::searchFinished);
        timer.restart();
        page.search(PairSearchField::Text, QStringLiteral("第12345"));
        QVERIFY(searched.wait(60000));
        qInfo("text search over %lld pairs: %lld ms", qlonglong(kPairs), qlonglong(timer.elapsed()));
        // 第12345条 and 第123450条 .. 第123459条
        QCOMPARE(searched.last().at(0).toInt(), 11);
    }
};

QTEST_MAIN(TestDatasetScroll)
#include "TestDatasetScroll.moc"
