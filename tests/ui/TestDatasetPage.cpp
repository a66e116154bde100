// The Dataset page against the upstream reference LMDB (tests/fixtures/lmdb).
#include "SplitWriter.h"

#include "data/DatasetStatistics.h"
#include "data/ImageHeader.h"
#include "data/LmdbSplit.h"
#include "data/PairSearch.h"
#include "text/Tokenizer.h"
#include "ui/dataset/BuildLmdbDialog.h"
#include "ui/dataset/DatasetCheckView.h"
#include "ui/dataset/DatasetPage.h"
#include "ui/dataset/DatasetStatsView.h"
#include "ui/dataset/PairDetailPane.h"
#include "ui/dataset/PairListModel.h"
#include "ui/dataset/ThumbnailCache.h"

#include <QApplication>
#include <QBuffer>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QListView>
#include <QListWidget>
#include <QPainter>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableView>
#include <QTableWidget>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

#include <map>
#include <set>

using namespace clipwb;
using namespace clipwb::ui;
using clipwb::data::PairSearchField;
using clipwb::data::readImageHeader;

namespace {

struct DumpPair {
    qint64 index;
    qint64 imageId;
    qint64 textId;
    QString text;
};

QString fixture(const QString& relative)
{
    return QStringLiteral(CLIPWB_TEST_FIXTURES "/") + relative;
}

std::vector<DumpPair> readDump(const QString& split)
{
    QFile file(fixture(QStringLiteral("lmdb/%1_pairs_dump.jsonl").arg(split)));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read the pairs dump of %s", qPrintable(split));
    std::vector<DumpPair> pairs;
    for (const QByteArray& line : file.readAll().split('\n')) {
        if (line.trimmed().isEmpty())
            continue;
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        pairs.push_back({o.value("index").toInteger(), o.value("image_id").toInteger(),
                         o.value("text_id").toInteger(), o.value("text").toString()});
    }
    return pairs;
}

/// Copies a reference split (imgs/data.mdb, pairs/data.mdb) into dir.
void copySplit(const QString& from, const QString& to)
{
    for (const char* env : {"imgs", "pairs"}) {
        QDir().mkpath(QDir(to).filePath(QString::fromLatin1(env)));
        QVERIFY(QFile::copy(QDir(from).filePath(QStringLiteral("%1/data.mdb").arg(QLatin1String(env))),
                            QDir(to).filePath(QStringLiteral("%1/data.mdb").arg(QLatin1String(env)))));
    }
}

int tableRowOf(QTableWidget* table, const QString& token)
{
    for (int row = 0; row < table->rowCount(); ++row)
        if (table->item(row, 1) && table->item(row, 1)->text() == token)
            return row;
    return -1;
}

} // namespace

class TestDatasetPage : public QObject {
    Q_OBJECT
private:
    const QString trainDir = fixture(QStringLiteral("lmdb/lmdb/train"));
    const QString validDir = fixture(QStringLiteral("lmdb/lmdb/valid"));

    static bool waitForStatistics(DatasetPage& page)
    {
        if (page.statistics())
            return true;
        QSignalSpy ready(&page, &DatasetPage::statisticsReady);
        return ready.wait(20000);
    }
    static int runSearch(DatasetPage& page, PairSearchField field, const QString& value)
    {
        QSignalSpy finished(&page, &DatasetPage::searchFinished);
        page.search(field, value);
        if (finished.isEmpty() && !finished.wait(20000))
            return -2;
        return finished.last().at(0).toInt();
    }

private Q_SLOTS:
    void opensReferenceSplitWithItsCounts()
    {
        DatasetPage page;
        QVERIFY(page.openPath(trainDir));
        QVERIFY(page.errorMessage().isEmpty());
        QCOMPARE(page.pairModel()->totalRows(), 96);
        QCOMPARE(page.pairModel()->rowCount(), 96);
        QCOMPARE(page.split()->numImages(), 96);
        QVERIFY(page.findChild<QLabel*>(QStringLiteral("datasetInfo"))->text().contains(QStringLiteral("96 pairs")));
    }

    void captionsAndIdsEqualUpstreamDump()
    {
        for (const QString& split : {QStringLiteral("train"), QStringLiteral("valid")}) {
            DatasetPage page;
            QVERIFY(page.openPath(fixture(QStringLiteral("lmdb/lmdb/") + split)));
            const auto dump = readDump(split);
            QCOMPARE(page.pairModel()->rowCount(), int(dump.size()));
            QAbstractItemModel* table = page.tableView()->model();
            for (const DumpPair& pair : dump) {
                const QModelIndex index = page.pairModel()->index(int(pair.index));
                QCOMPARE(index.data(PairListModel::PairIndexRole).toLongLong(), pair.index);
                QCOMPARE(index.data(PairListModel::ImageIdRole).toLongLong(), pair.imageId);
                QCOMPARE(index.data(PairListModel::TextIdRole).toLongLong(), pair.textId);
                QCOMPARE(index.data(Qt::DisplayRole).toString(), pair.text);
                QCOMPARE(table->index(int(pair.index), 1).data().toLongLong(), pair.imageId);
                QCOMPARE(table->index(int(pair.index), 2).data().toLongLong(), pair.textId);
                QCOMPARE(table->index(int(pair.index), 3).data().toString(), pair.text);
            }
        }
    }

    void datasetFolderOpensTrainAndOffersEverySplit()
    {
        DatasetPage page;
        QVERIFY(page.openPath(fixture(QStringLiteral("lmdb"))));
        QCOMPARE(QFileInfo(page.currentSplitPath()).fileName(), QStringLiteral("train"));
        const QStringList splits = page.availableSplits();
        QVERIFY(splits.contains(QDir::cleanPath(QFileInfo(trainDir).absoluteFilePath())));
        QVERIFY(splits.contains(QDir::cleanPath(QFileInfo(validDir).absoluteFilePath())));

        auto* switcher = page.findChild<QComboBox*>(QStringLiteral("splitSwitcher"));
        const int valid = switcher->findText(QStringLiteral("valid"));
        QVERIFY(valid >= 0);
        Q_EMIT switcher->activated(valid);
        QCOMPARE(QFileInfo(page.currentSplitPath()).fileName(), QStringLiteral("valid"));
        QCOMPARE(page.pairModel()->rowCount(), 40);
    }

    void thumbnailsAreDecodedInTheBackgroundAndMatchTheImage()
    {
        DatasetPage page;
        QVERIFY(page.openPath(trainDir));
        const QModelIndex first = page.pairModel()->index(0);
        const qint64 imageId = first.data(PairListModel::ImageIdRole).toLongLong();
        QSignalSpy ready(page.thumbnails(), &ThumbnailCache::thumbnailReady);
        QSignalSpy changed(page.pairModel(), &QAbstractItemModel::dataChanged);
        first.data(Qt::DecorationRole); // asks for it; the placeholder comes back at once
        QTRY_VERIFY_WITH_TIMEOUT(page.thumbnails()->contains(imageId), 10000);
        QTRY_VERIFY(!changed.isEmpty());
        const QPixmap thumbnail = first.data(Qt::DecorationRole).value<QPixmap>();
        // 64x64 images are smaller than a thumbnail and stay as they are, pixel for pixel.
        QCOMPARE(thumbnail.size(), QSize(64, 64));
        const QImage expected =
            QImage::fromData(QByteArray::fromStdString(page.split()->imageBytes(imageId))).convertToFormat(QImage::Format_RGB888);
        const QImage shown = thumbnail.toImage().convertToFormat(QImage::Format_RGB888);
        int worst = 0;
        for (int y = 0; y < 64; ++y)
            for (int x = 0; x < 64; ++x) {
                const QColor a = expected.pixelColor(x, y);
                const QColor b = shown.pixelColor(x, y);
                worst = std::max({worst, std::abs(a.red() - b.red()), std::abs(a.green() - b.green()),
                                  std::abs(a.blue() - b.blue())});
            }
        QVERIFY2(worst <= 2, qPrintable(QStringLiteral("largest channel difference %1").arg(worst)));
    }

    void bigImagesBecomeSmallThumbnailsOfTheSameLook()
    {
        QTemporaryDir dir;
        const QString split = dir.filePath(QStringLiteral("big"));
        std::vector<std::pair<int64_t, QByteArray>> images;
        for (const char* format : {"JPEG", "PNG"}) {
            QImage image(1024, 768, QImage::Format_RGB888);
            image.fill(QColor(30, 60, 200));
            QPainter painter(&image);
            painter.fillRect(QRect(0, 0, 512, 768), QColor(220, 40, 40));
            painter.end();
            QByteArray bytes;
            QBuffer buffer(&bytes);
            buffer.open(QIODevice::WriteOnly);
            QVERIFY(image.save(&buffer, format, 90));
            images.emplace_back(int64_t(images.size()) + 7, bytes);
        }
        testing::writeSplit(split, 2, [](int64_t i) { return testing::SplitPair{7 + i, i, "大图"}; }, images);
        ThumbnailCache cache;
        cache.setThumbnailSize(112);
        cache.setSplit(std::make_shared<const data::LmdbSplit>(split.toStdString()));
        for (int64_t id : {7, 8}) {
            cache.thumbnail(id);
            QTRY_VERIFY_WITH_TIMEOUT(cache.contains(id), 10000);
            const QImage thumbnail = cache.thumbnail(id).toImage();
            QCOMPARE(thumbnail.size(), QSize(112, 84));
            const QColor left = thumbnail.pixelColor(20, 40);
            const QColor right = thumbnail.pixelColor(90, 40);
            QVERIFY2(left.red() > 180 && left.blue() < 80, qPrintable(left.name()));
            QVERIFY2(right.blue() > 160 && right.red() < 80, qPrintable(right.name()));
        }
    }

    void thumbnailRequestsOutOfViewAreDropped()
    {
        ThumbnailCache cache;
        cache.setMaxThreads(1);
        auto split = std::make_shared<const data::LmdbSplit>(trainDir.toStdString());
        cache.setSplit(split);
        const auto dump = readDump(QStringLiteral("train"));
        for (const DumpPair& pair : dump)
            QVERIFY(cache.thumbnail(pair.imageId).isNull());
        cache.retainOnly({dump.front().imageId});
        QVERIFY(cache.queuedCount() <= 1);
        QVERIFY(cache.droppedCount() > 0);
        cache.waitForIdle();
        QTRY_VERIFY(cache.contains(dump.front().imageId));
        // Only what was running or retained got decoded; the rest never reached a worker.
        QVERIFY(cache.decodedCount() < int64_t(dump.size()) / 2);
    }

    void textSearchFiltersBothViews()
    {
        DatasetPage page;
        QVERIFY(page.openPath(trainDir));
        const auto dump = readDump(QStringLiteral("train"));
        const QString needle = QStringLiteral("橙色");
        std::vector<qint64> expected;
        for (const DumpPair& pair : dump)
            if (pair.text.contains(needle))
                expected.push_back(pair.index);
        QVERIFY(!expected.empty() && expected.size() < dump.size());
        QCOMPARE(runSearch(page, PairSearchField::Text, needle), int(expected.size()));
        QCOMPARE(page.pairModel()->rowCount(), int(expected.size()));
        QCOMPARE(page.tableView()->model()->rowCount(), int(expected.size()));
        for (int row = 0; row < int(expected.size()); ++row) {
            QCOMPARE(page.pairModel()->index(row).data(PairListModel::PairIndexRole).toLongLong(), expected[row]);
            QVERIFY(page.pairModel()->index(row).data().toString().contains(needle));
        }
        QCOMPARE(runSearch(page, PairSearchField::Text, QStringLiteral("no caption says this")), 0);
        QCOMPARE(page.pairModel()->rowCount(), 0);
        page.clearSearch();
        QCOMPARE(page.pairModel()->rowCount(), 96);
    }

    void idSearchFindsEveryPairOfAnImageOrText()
    {
        DatasetPage page;
        QVERIFY(page.openPath(trainDir));
        const auto dump = readDump(QStringLiteral("train"));
        std::map<qint64, std::vector<qint64>> byImage;
        std::map<qint64, std::vector<qint64>> byText;
        for (const DumpPair& pair : dump) {
            byImage[pair.imageId].push_back(pair.index);
            byText[pair.textId].push_back(pair.index);
        }
        const auto sharedText = std::max_element(byText.begin(), byText.end(), [](const auto& a, const auto& b) {
            return a.second.size() < b.second.size();
        });
        QVERIFY(sharedText->second.size() > 1);
        QCOMPARE(runSearch(page, PairSearchField::TextId, QString::number(sharedText->first)),
                 int(sharedText->second.size()));
        for (int row = 0; row < page.pairModel()->rowCount(); ++row)
            QCOMPARE(page.pairModel()->pairIndexAt(row), sharedText->second[size_t(row)]);

        const auto& [imageId, imagePairs] = *byImage.begin();
        QCOMPARE(runSearch(page, PairSearchField::ImageId, QString::number(imageId)), int(imagePairs.size()));
        QCOMPARE(page.pairModel()->pairIndexAt(0), imagePairs.front());

        QCOMPARE(runSearch(page, PairSearchField::PairIndex, QStringLiteral("17")), 1);
        QCOMPARE(page.pairModel()->pairIndexAt(0), 17);
        QCOMPARE(runSearch(page, PairSearchField::PairIndex, QStringLiteral("96")), 0);

        // Not a number: a message next to the search box, the page keeps working.
        QCOMPARE(runSearch(page, PairSearchField::ImageId, QStringLiteral("12ab")), -1);
        QVERIFY(page.findChild<QLabel*>(QStringLiteral("searchStatus"))->text().contains(QStringLiteral("12ab")));
    }

    void detailPaneShowsImageTextsAndTokens()
    {
        DatasetPage page;
        page.resize(1200, 800);
        QVERIFY(page.openPath(trainDir));
        QVERIFY(waitForStatistics(page));
        const auto dump = readDump(QStringLiteral("train"));
        // A pair whose image has several texts.
        std::map<qint64, std::vector<const DumpPair*>> byImage;
        for (const DumpPair& pair : dump)
            byImage[pair.imageId].push_back(&pair);
        const DumpPair* chosen = &dump[5];
        for (const auto& [id, pairs] : byImage)
            if (pairs.size() > byImage[chosen->imageId].size())
                chosen = pairs.front();

        QVERIFY(page.jumpToPair(chosen->index));
        PairDetailPane* detail = page.detailPane();
        QCOMPARE(detail->currentPairIndex(), chosen->index);
        QCOMPARE(page.gridView()->currentIndex().row(), int(chosen->index));
        QCOMPARE(page.tableView()->currentIndex().row(), int(chosen->index));
        QVERIFY(detail->findChild<QLabel*>(QStringLiteral("pairTitle"))->text().contains(QString::number(chosen->imageId)));
        QCOMPARE(detail->findChild<QLabel*>(QStringLiteral("pairCaption"))->text(), chosen->text);

        auto* info = detail->findChild<QLabel*>(QStringLiteral("imageInfo"));
        QTRY_VERIFY_WITH_TIMEOUT(!info->text().isEmpty(), 10000);
        const std::string bytes = page.split()->imageBytes(chosen->imageId);
        const auto header = readImageHeader(bytes);
        QVERIFY(header.has_value());
        QVERIFY2(info->text().contains(QStringLiteral("64 × 64")), qPrintable(info->text()));
        QVERIFY2(info->text().contains(QString::fromStdString(header->format)), qPrintable(info->text()));
        QVERIFY(!detail->findChild<QLabel*>(QStringLiteral("pairImage"))->pixmap().isNull());

        auto* texts = detail->findChild<QListWidget*>(QStringLiteral("imageTexts"));
        const auto& sameImage = byImage[chosen->imageId];
        QCOMPARE(texts->count(), int(sameImage.size()));
        for (int i = 0; i < texts->count(); ++i) {
            QCOMPARE(texts->item(i)->data(Qt::UserRole).toLongLong(), sameImage[size_t(i)]->index);
            QVERIFY(texts->item(i)->text().contains(sameImage[size_t(i)]->text));
        }

        // Token view: [CLS], the caption's wordpieces with upstream ids, [SEP].
        auto tokenizer = text::Tokenizer::fromEmbeddedVocab();
        const std::string caption = text::preprocessText(chosen->text.toStdString());
        const auto pieces = tokenizer.tokenize(caption);
        const auto ids = tokenizer.encode(caption, 52);
        auto* tokens = detail->findChild<QTableWidget*>(QStringLiteral("tokenTable"));
        QCOMPARE(tokens->rowCount(), int(pieces.size()) + 2);
        QCOMPARE(tokens->item(0, 1)->text(), QStringLiteral("[CLS]"));
        QCOMPARE(tokens->item(0, 2)->text(), QStringLiteral("101"));
        for (size_t i = 0; i < pieces.size(); ++i) {
            QCOMPARE(tokens->item(int(i) + 1, 1)->text(), QString::fromStdString(pieces[i]));
            QCOMPARE(tokens->item(int(i) + 1, 2)->text().toLongLong(), ids[i + 1]);
        }
        QCOMPARE(tokens->item(int(pieces.size()) + 1, 1)->text(), QStringLiteral("[SEP]"));
        QCOMPARE(tokens->item(int(pieces.size()) + 1, 2)->text(), QStringLiteral("102"));
        QVERIFY(tableRowOf(tokens, QStringLiteral("✂ cut at context_length 52")) < 0);

        // A context length shorter than the caption: truncation shows where it cuts.
        const int contextLength = 5;
        detail->findChild<QSpinBox*>(QStringLiteral("contextLength"))->setValue(contextLength);
        QVERIFY(int(pieces.size()) > contextLength - 2);
        const auto shortIds = tokenizer.encode(caption, contextLength);
        QCOMPARE(tokens->item(contextLength - 1, 1)->text(), QStringLiteral("[SEP]"));
        QCOMPARE(tokens->item(contextLength - 1, 2)->text().toLongLong(), shortIds[size_t(contextLength - 1)]);
        const int cutRow = tableRowOf(tokens, QStringLiteral("✂ cut at context_length 5"));
        QCOMPARE(cutRow, contextLength);
        QCOMPARE(tokens->rowCount(), contextLength + 1 + int(pieces.size()) - (contextLength - 2));
        QCOMPARE(tokens->item(cutRow + 1, 1)->text(), QString::fromStdString(pieces[size_t(contextLength - 2)]));
        QVERIFY(detail->findChild<QLabel*>(QStringLiteral("tokenSummary"))->text().contains(QStringLiteral("cuts")));

        // Picking another text of the image moves the selection to that pair.
        if (texts->count() > 1) {
            Q_EMIT texts->itemActivated(texts->item(1));
            QCOMPARE(detail->currentPairIndex(), sameImage[1]->index);
        }
    }

    void statisticsCountTheSplit()
    {
        DatasetPage page;
        QVERIFY(page.openPath(validDir));
        QVERIFY(waitForStatistics(page));
        const auto stats = page.statistics();
        const auto dump = readDump(QStringLiteral("valid"));
        QCOMPARE(stats->numSamples, 40);
        QCOMPARE(stats->numImages, 40);
        QCOMPARE(stats->brokenRecords, 0);
        std::set<qint64> images;
        std::set<qint64> texts;
        for (const DumpPair& pair : dump) {
            images.insert(pair.imageId);
            texts.insert(pair.textId);
        }
        QCOMPARE(stats->imagesWithPairs, int64_t(images.size()));
        QCOMPARE(stats->distinctTexts, int64_t(texts.size()));
        int64_t counted = 0;
        for (int64_t c : stats->tokenLengthCounts)
            counted += c;
        QCOMPARE(counted, 40);
        // The valid images are 128x128 (see the fixtures' README).
        QCOMPARE(stats->imagesExamined, 40);
        QCOMPARE(int(stats->imageSizes.size()), 40);
        for (const auto& [w, h] : stats->imageSizes) {
            QCOMPARE(w, 128);
            QCOMPARE(h, 128);
        }
        QVERIFY(page.statsView()->summaryText().contains(QStringLiteral("40")));
    }

    void badFolderShowsMessage()
    {
        DatasetPage page;
        QTemporaryDir empty;
        QVERIFY(!page.openPath(empty.path()));
        QVERIFY(page.errorMessage().contains(QStringLiteral("not an LMDB split")));
        QVERIFY(!page.openPath(empty.filePath(QStringLiteral("missing"))));
        QVERIFY(!page.errorMessage().isEmpty());
        // A folder that looks like a split but holds no LMDB environments.
        QDir(empty.path()).mkpath(QStringLiteral("fake/imgs"));
        QDir(empty.path()).mkpath(QStringLiteral("fake/pairs"));
        QVERIFY(!page.openPath(empty.filePath(QStringLiteral("fake"))));
        QVERIFY(page.errorMessage().contains(QStringLiteral("fake")));
        // Still usable afterwards.
        QVERIFY(page.openPath(trainDir));
        QVERIFY(page.errorMessage().isEmpty());
        QCOMPARE(page.pairModel()->rowCount(), 96);
    }

    void brokenRecordsShowAsMessages()
    {
        QTemporaryDir dir;
        const QString split = dir.filePath(QStringLiteral("train"));
        copySplit(trainDir, split);
        const auto dump = readDump(QStringLiteral("train"));
        testing::overwriteValue(split, "pairs", "3", QByteArray("\x80\x04garbage", 9));
        testing::deleteKey(split, "imgs", std::to_string(dump[7].imageId));
        testing::overwriteValue(split, "imgs", std::to_string(dump[9].imageId), QByteArray("bm90IGFuIGltYWdl"));

        DatasetPage page;
        page.resize(1200, 800);
        QVERIFY(page.openPath(split));
        PairListModel* model = page.pairModel();
        QVERIFY(model->index(3).data().toString().contains(QStringLiteral("broken")));
        QVERIFY(!model->index(3).data(PairListModel::ErrorRole).toString().isEmpty());
        QCOMPARE(model->index(4).data().toString(), dump[4].text);

        QVERIFY(page.jumpToPair(3));
        QVERIFY(page.findChild<QLabel*>(QStringLiteral("pairCaption"))->text().contains(QStringLiteral("cannot be read")));

        for (int row : {7, 9}) {
            model->index(row).data(Qt::DecorationRole);
            QTRY_VERIFY_WITH_TIMEOUT(!model->index(row).data(PairListModel::ErrorRole).toString().isEmpty(), 10000);
            QVERIFY(page.jumpToPair(row));
            auto* info = page.findChild<QLabel*>(QStringLiteral("imageInfo"));
            QTRY_VERIFY_WITH_TIMEOUT(!info->text().isEmpty(), 10000);
            QVERIFY(info->text().contains(QString::number(dump[size_t(row)].imageId)));
        }
        QVERIFY(waitForStatistics(page));
        QCOMPARE(page.statistics()->brokenRecords, 1);
        QCOMPARE(page.statistics()->unreadableImages, 1);
        QCOMPARE(page.statistics()->missingImages, 1);
        QCOMPARE(runSearch(page, PairSearchField::Text, dump[3].text.left(4)) >= 0, true);
    }

    void checkReportListsProblemsAndJumpsToThem()
    {
        QTemporaryDir dir;
        const QString split = dir.filePath(QStringLiteral("train"));
        copySplit(trainDir, split);
        const auto dump = readDump(QStringLiteral("train"));
        testing::overwriteValue(split, "pairs", "3", QByteArray("\x80\x04garbage", 9));
        testing::deleteKey(split, "imgs", std::to_string(dump[7].imageId));

        DatasetPage page;
        QVERIFY(page.openPath(split));
        DatasetCheckView* check = page.checkView();
        QSignalSpy finished(check, &DatasetCheckView::checkFinished);
        check->runCheck();
        QVERIFY(finished.wait(30000));
        QVERIFY(finished.last().at(0).toInt() >= 2);
        int badPickleRow = -1;
        bool missingImage = false;
        for (int row = 0; row < check->problems().size(); ++row) {
            const auto& problem = check->problems()[row];
            if (problem.pairIndex == 3 && problem.kind.contains(QStringLiteral("pickle"), Qt::CaseInsensitive))
                badPickleRow = row;
            if (problem.imageId == dump[7].imageId)
                missingImage = true;
        }
        QVERIFY(badPickleRow >= 0);
        QVERIFY(missingImage);
        QCOMPARE(check->table()->rowCount(), int(check->problems().size()));
        Q_EMIT check->table()->cellActivated(badPickleRow, 0);
        QCOMPARE(page.detailPane()->currentPairIndex(), 3);

        // The reference split is clean.
        QVERIFY(page.openPath(trainDir));
        check->runCheck();
        QVERIFY(finished.wait(30000));
        QCOMPARE(finished.last().at(0).toInt(), 0);
        QVERIFY(check->summaryText().contains(QStringLiteral("No problems")));
    }

    void buildLmdbDialogBuildsAndOpensTheSplit()
    {
        QTemporaryDir dir;
        for (const char* name : {"train_imgs.tsv", "train_texts.jsonl"})
            QVERIFY(QFile::copy(fixture(QStringLiteral("lmdb/") + QLatin1String(name)), dir.filePath(QLatin1String(name))));
        DatasetPage page;
        page.showBuildLmdbDialog();
        auto* dialog = page.findChild<BuildLmdbDialog*>(QStringLiteral("buildLmdbDialog"));
        QVERIFY(dialog);
        dialog->setDataDir(dir.path());
        QCOMPARE(dialog->selectedSplits(), QStringList{QStringLiteral("train")});
        QSignalSpy finished(dialog, &BuildLmdbDialog::finished);
        QSignalSpy opened(&page, &DatasetPage::splitOpened);
        dialog->start();
        QVERIFY(finished.wait(60000));
        QVERIFY2(finished.last().at(0).toBool(), qPrintable(dialog->log()));
        QCOMPARE(opened.size(), 1);
        QCOMPARE(page.currentSplitPath(), QDir::cleanPath(dir.filePath(QStringLiteral("lmdb/train"))));
        const auto dump = readDump(QStringLiteral("train"));
        QCOMPARE(page.pairModel()->rowCount(), int(dump.size()));
        for (const DumpPair& pair : dump) {
            QCOMPARE(page.pairModel()->index(int(pair.index)).data(PairListModel::ImageIdRole).toLongLong(), pair.imageId);
            QCOMPARE(page.pairModel()->index(int(pair.index)).data().toString(), pair.text);
        }
        dialog->close();

        // A bad line is reported with its file and line; nothing is opened.
        QFile texts(dir.filePath(QStringLiteral("train_texts.jsonl")));
        QVERIFY(texts.open(QIODevice::Append));
        texts.write("{\"text_id\": oops}\n");
        texts.close();
        page.showBuildLmdbDialog();
        auto* again = page.findChildren<BuildLmdbDialog*>(QStringLiteral("buildLmdbDialog")).last();
        again->setDataDir(dir.path());
        again->setOutputDir(dir.filePath(QStringLiteral("out")));
        QSignalSpy failed(again, &BuildLmdbDialog::finished);
        again->start();
        QVERIFY(failed.wait(60000));
        QVERIFY(!failed.last().at(0).toBool());
        QVERIFY2(again->log().contains(QStringLiteral("train_texts.jsonl")), qPrintable(again->log()));
        QVERIFY(!QFileInfo::exists(dir.filePath(QStringLiteral("out/train"))));
        QCOMPARE(opened.size(), 1);
    }

    void followsConfigurationData()
    {
        DatasetPage page;
        page.setConfigData(trainDir, validDir);
        QCOMPARE(QFileInfo(page.currentSplitPath()).fileName(), QStringLiteral("train"));
        QVERIFY(page.findChild<QComboBox*>(QStringLiteral("splitSwitcher"))->itemText(0).contains(QStringLiteral("train_data")));
        page.setConfigData(validDir, trainDir);
        QCOMPARE(QFileInfo(page.currentSplitPath()).fileName(), QStringLiteral("valid"));
        // A path being typed in the Configuration page is not a split yet: nothing changes.
        page.setConfigData(QStringLiteral("/no/such/spl"), QString());
        QVERIFY(page.errorMessage().isEmpty());
        QCOMPARE(QFileInfo(page.currentSplitPath()).fileName(), QStringLiteral("valid"));
        QVERIFY(!page.availableSplits().contains(QStringLiteral("/no/such/spl")));
        // A split picked by hand stays open until train_data changes.
        page.setConfigData(validDir, trainDir);
        QCOMPARE(QFileInfo(page.currentSplitPath()).fileName(), QStringLiteral("valid"));
        auto* switcher = page.findChild<QComboBox*>(QStringLiteral("splitSwitcher"));
        const int other = switcher->findData(QDir::cleanPath(QFileInfo(trainDir).absoluteFilePath()));
        QVERIFY(other >= 0);
        Q_EMIT switcher->activated(other);
        QCOMPARE(QFileInfo(page.currentSplitPath()).fileName(), QStringLiteral("train"));
        page.setConfigData(validDir, QString());
        QCOMPARE(QFileInfo(page.currentSplitPath()).fileName(), QStringLiteral("train"));
        page.setConfigData(trainDir, validDir);
        QCOMPARE(QFileInfo(page.currentSplitPath()).fileName(), QStringLiteral("train"));
        page.setConfigData(validDir, validDir);
        QCOMPARE(QFileInfo(page.currentSplitPath()).fileName(), QStringLiteral("valid"));
    }

    void everyTabDraws()
    {
        DatasetPage page;
        page.resize(1280, 820);
        page.show();
        QVERIFY(page.openPath(trainDir));
        QVERIFY(waitForStatistics(page));
        QVERIFY(page.jumpToPair(10));
        QTRY_VERIFY_WITH_TIMEOUT(!page.detailPane()->isLoadingImage(), 10000);
        // CLIPWB_SCREENSHOT_DIR keeps pictures of each tab for a look by eye.
        const QString shots = qEnvironmentVariable("CLIPWB_SCREENSHOT_DIR");
        for (int tab = 0; tab < page.tabs()->count(); ++tab) {
            page.tabs()->setCurrentIndex(tab);
            QTest::qWait(50);
            const QImage picture = page.grab().toImage();
            QVERIFY(!picture.isNull());
            if (!shots.isEmpty())
                picture.save(QDir(shots).filePath(QStringLiteral("dataset-tab%1.png").arg(tab)));
        }
    }

    void imageHeadersGiveSizeAndFormat()
    {
        QImage image(37, 21, QImage::Format_RGB888);
        image.fill(Qt::red);
        for (const char* format : {"PNG", "JPEG", "BMP"}) {
            QByteArray bytes;
            QBuffer buffer(&bytes);
            buffer.open(QIODevice::WriteOnly);
            QVERIFY(image.save(&buffer, format));
            const auto header = readImageHeader(bytes.toStdString());
            QVERIFY2(header.has_value(), format);
            QCOMPARE(header->width, 37);
            QCOMPARE(header->height, 21);
        }
        QVERIFY(!readImageHeader("not an image").has_value());
        QVERIFY(!readImageHeader(std::string("\xFF\xD8\xFF", 3)).has_value());
    }
};

QTEST_MAIN(TestDatasetPage)
#include "TestDatasetPage.moc"
