#include "ui/retrieval/RetrievalCompareView.h"

#include "data/LmdbSplit.h"
#include "eval/RankComparison.h"
#include "eval/RetrievalSession.h"
#include "ui/retrieval/RetrievalQuery.h"

#include <QApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QThreadPool>
#include <QVBoxLayout>

#include <algorithm>
#include <atomic>
#include <memory>
#include <utility>

namespace clipwb::ui {
namespace {

/// Runs query() on the thread pool and hands its result to show() on the GUI
/// thread, unless a newer query started meanwhile (latest moved past
/// generation) or the view is gone: typing fast never shows stale results.
template <typename Query, typename Show>
void runLatestInPool(QPointer<QObject> view, std::shared_ptr<std::atomic<quint64>> latest, quint64 generation,
                     Query query, Show show)
{
    QThreadPool::globalInstance()->start([view, latest, generation, query, show] {
        if (latest->load() != generation)
            return;
        auto result = std::make_shared<decltype(query())>(query());
        QMetaObject::invokeMethod(
            qApp,
            [view, latest, generation, result, show] {
                if (view && latest->load() == generation)
                    show(*result);
            },
            Qt::QueuedConnection);
    });
}

constexpr int kTopK = 10;
constexpr int kThumbnail = 84;
const QColor kGoldBackground(170, 230, 170);
const QColor kUp(0, 128, 0);
const QColor kDown(200, 30, 30);
const QColor kNew(20, 90, 200);

bool contains(const std::vector<std::int64_t>& ids, std::int64_t id)
{
    return std::find(ids.begin(), ids.end(), id) != ids.end();
}

/// "▲3", "▼2", "new (A #15)", "=" for B's side; "B #4", "dropped (B #17)" for A's side.
QString changeText(const eval::RankChange& change, bool comparedSide)
{
    using Kind = eval::RankChange::Kind;
    if (!comparedSide)
        return change.kind == Kind::Dropped
                   ? QApplication::translate("RetrievalCompareView", "out: B #%1").arg(change.otherRank)
                   : QApplication::translate("RetrievalCompareView", "B #%1").arg(change.otherRank);
    switch (change.kind) {
    case Kind::Up:
        return QApplication::translate("RetrievalCompareView", "▲ up %1").arg(change.moved());
    case Kind::Down:
        return QApplication::translate("RetrievalCompareView", "▼ down %1").arg(-change.moved());
    case Kind::New:
        return QApplication::translate("RetrievalCompareView", "new (A #%1)").arg(change.otherRank);
    default:
        return QApplication::translate("RetrievalCompareView", "= same");
    }
}

QColor changeColor(const eval::RankChange& change)
{
    switch (change.kind) {
    case eval::RankChange::Kind::Up:
        return kUp;
    case eval::RankChange::Kind::Down:
    case eval::RankChange::Kind::Dropped:
        return kDown;
    case eval::RankChange::Kind::New:
        return kNew;
    default:
        return QColor(90, 90, 90);
    }
}

QString goldText(int rank, bool hasGold)
{
    if (!hasGold)
        return QApplication::translate("RetrievalCompareView", "Free text: no ground truth in the split.");
    return rank >= 1 && rank <= kTopK
               ? QApplication::translate("RetrievalCompareView", "Hit: ground truth at rank %1").arg(rank)
               : QApplication::translate("RetrievalCompareView", "Miss: ground truth at rank %1").arg(rank);
}

QString movementText(int a, int b)
{
    if (a == b)
        return QApplication::translate("RetrievalCompareView", "unchanged");
    return a > b ? QApplication::translate("RetrievalCompareView", "B ranks it %1 higher").arg(a - b)
                 : QApplication::translate("RetrievalCompareView", "B ranks it %1 lower").arg(b - a);
}

} // namespace

RetrievalCompareView::RetrievalCompareView(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    auto* setup = new QGridLayout;
    const QString labels[2] = {tr("A (baseline)"), tr("B (compared)")};
    for (int side = 0; side < 2; ++side) {
        m_checkpointEdits[side] = new QLineEdit;
        m_checkpointEdits[side]->setPlaceholderText(tr("Checkpoint file (.pt)"));
        auto* browse = new QPushButton(tr("Browse…"));
        setup->addWidget(new QLabel(labels[side]), side, 0);
        setup->addWidget(m_checkpointEdits[side], side, 1);
        setup->addWidget(browse, side, 2);
        connect(browse, &QPushButton::clicked, this, [this, side] {
            const QString file = QFileDialog::getOpenFileName(this, tr("Open checkpoint"),
                                                              m_checkpointEdits[side]->text(),
                                                              tr("Checkpoints (*.pt *.pth);;All files (*)"));
            if (!file.isEmpty())
                setCheckpoint(Side(side), file);
        });
    }
    m_extractButton = new QPushButton(tr("Extract both"));
    m_cancelButton = new QPushButton(tr("Cancel"));
    m_cancelButton->setEnabled(false);
    m_progress = new QProgressBar;
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_statusLabel = new QLabel(tr("Pick two checkpoints; models and split are those of the Browse settings."));
    auto* extractRow = new QHBoxLayout;
    extractRow->addWidget(m_extractButton);
    extractRow->addWidget(m_cancelButton);
    extractRow->addWidget(m_progress, 1);
    setup->addLayout(extractRow, 2, 0, 1, 3);
    setup->addWidget(m_statusLabel, 3, 0, 1, 3);
    layout->addLayout(setup);

    auto* queryRow = new QHBoxLayout;
    m_queryEdit = new QLineEdit;
    m_queryEdit->setPlaceholderText(tr("The same text query on both checkpoints, then press Enter"));
    m_queryEdit->setEnabled(false);
    auto* search = new QPushButton(tr("Search both"));
    queryRow->addWidget(m_queryEdit, 1);
    queryRow->addWidget(search);
    layout->addLayout(queryRow);
    m_summaryLabel = new QLabel;
    m_summaryLabel->setTextFormat(Qt::PlainText);
    layout->addWidget(m_summaryLabel);

    auto* columns = new QGridLayout;
    for (int side = 0; side < 2; ++side) {
        m_titles[side] = new QLabel(side == A ? tr("A") : tr("B"));
        QFont bold = m_titles[side]->font();
        bold.setBold(true);
        m_titles[side]->setFont(bold);
        m_goldLabels[side] = new QLabel;
        auto* images = new QListWidget;
        images->setViewMode(QListView::IconMode);
        images->setIconSize(QSize(kThumbnail, kThumbnail));
        images->setResizeMode(QListView::Adjust);
        images->setMovement(QListView::Static);
        images->setGridSize(QSize(kThumbnail + 26, kThumbnail + 58));
        images->setWordWrap(true);
        m_imageLists[side] = images;
        m_textLists[side] = new QListWidget;
        columns->addWidget(m_titles[side], 0, side);
        columns->addWidget(m_goldLabels[side], 1, side);
        columns->addWidget(images, 2, side);
        columns->addWidget(m_textLists[side], 4, side);
        connect(images, &QListWidget::itemClicked, this, &RetrievalCompareView::onImageClicked);
    }
    m_imageSummary = new QLabel(tr("Click an image on either side: the texts closest to it on both checkpoints."));
    columns->addWidget(m_imageSummary, 3, 0, 1, 2);
    columns->setRowStretch(2, 3);
    columns->setRowStretch(4, 1);
    layout->addLayout(columns, 1);

    connect(m_extractButton, &QPushButton::clicked, this, &RetrievalCompareView::startExtraction);
    connect(m_cancelButton, &QPushButton::clicked, this, &RetrievalCompareView::cancelExtraction);
    connect(m_queryEdit, &QLineEdit::returnPressed, this, &RetrievalCompareView::runTextQuery);
    connect(search, &QPushButton::clicked, this, &RetrievalCompareView::runTextQuery);
}

RetrievalCompareView::~RetrievalCompareView()
{
    if (m_cancel)
        m_cancel->store(true);
}

void RetrievalCompareView::setCheckpoint(Side side, const QString& path)
{
    m_checkpointEdits[side]->setText(path);
}

QString RetrievalCompareView::checkpoint(Side side) const
{
    return m_checkpointEdits[side]->text();
}

void RetrievalCompareView::setModels(const QString& visionModel, const QString& textModel)
{
    m_visionModel = visionModel;
    m_textModel = textModel;
}

QStringList RetrievalCompareView::splitTexts() const
{
    QStringList texts;
    if (m_ready)
        for (const eval::RetrievalText& text : m_sessions[B]->texts())
            texts << QString::fromStdString(text.text);
    return texts;
}

void RetrievalCompareView::startExtraction()
{
    if (m_extracting)
        return;
    std::shared_ptr<eval::RetrievalSession> sessions[2];
    for (int side = 0; side < 2; ++side) {
        eval::RetrievalSessionOptions options;
        options.checkpoint = m_checkpointEdits[side]->text().toStdString();
        options.visionModel = m_visionModel.toStdString();
        options.textModel = m_textModel.toStdString();
        options.split = m_splitDir.toStdString();
        if (!m_cacheRoot.isEmpty())
            options.cacheRoot = m_cacheRoot.toStdString();
        sessions[side] = std::make_shared<eval::RetrievalSession>(options);
    }
    m_ready = false;
    m_extracting = true;
    ++*m_latestText;
    ++*m_latestImage;
    m_textQueryRunning = m_imageQueryRunning = false;
    m_queryEdit->setEnabled(false);
    for (int side = 0; side < 2; ++side) {
        m_imageLists[side]->clear();
        m_textLists[side]->clear();
        m_goldLabels[side]->clear();
        m_titles[side]->setText(QStringLiteral("%1: %2").arg(side == A ? tr("A") : tr("B"),
                                                             QFileInfo(checkpoint(Side(side))).fileName()));
    }
    m_summaryLabel->clear();
    m_extractButton->setEnabled(false);
    m_cancelButton->setEnabled(true);
    m_progress->setRange(0, 0);
    m_statusLabel->setText(tr("Loading the models…"));
    m_cancel = std::make_shared<std::atomic<bool>>(false);

    const quint64 generation = ++*m_latestExtraction;
    auto latest = m_latestExtraction;
    auto cancel = m_cancel;
    auto a = sessions[A], b = sessions[B];
    QPointer<RetrievalCompareView> self(this);
    QThreadPool::globalInstance()->start([self, latest, generation, cancel, a, b] {
        QString error;
        std::shared_ptr<data::LmdbSplit> split;
        try {
            const char* names[2] = {"A", "B"};
            const std::shared_ptr<eval::RetrievalSession> both[2] = {a, b};
            for (int side = 0; side < 2; ++side) {
                const QString name = QString::fromLatin1(names[side]);
                both[side]->prepare(
                    [self, name](const eval::ExtractionProgress& p) {
                        const QString stage = QString::fromStdString(p.stage);
                        const int done = int(p.done), total = int(p.total);
                        QMetaObject::invokeMethod(
                            qApp,
                            [self, name, stage, done, total] {
                                if (!self || !self->m_extracting)
                                    return;
                                self->m_progress->setRange(0, std::max(total, 0));
                                self->m_progress->setValue(done);
                                self->m_statusLabel->setText(
                                    self->tr("%1: extracting %2: %3 / %4").arg(name, stage).arg(done).arg(total));
                            },
                            Qt::QueuedConnection);
                    },
                    [cancel] { return cancel->load(); });
            }
            split = std::make_shared<data::LmdbSplit>(b->options().split);
        } catch (const eval::Cancelled&) {
            error = QStringLiteral("cancelled");
        } catch (const std::exception& e) {
            error = QString::fromStdString(e.what());
        }
        QMetaObject::invokeMethod(
            qApp,
            [self, latest, generation, error, split, a, b] {
                if (!self || latest->load() != generation)
                    return;
                RetrievalCompareView& view = *self;
                view.m_extracting = false;
                view.m_extractButton->setEnabled(true);
                view.m_cancelButton->setEnabled(false);
                view.m_progress->setRange(0, 1);
                view.m_progress->setValue(error.isEmpty() ? 1 : 0);
                if (!error.isEmpty()) {
                    const QString message =
                        error == QLatin1String("cancelled") ? view.tr("Extraction cancelled.") : error;
                    view.m_statusLabel->setText(message);
                    Q_EMIT view.failed(message);
                    return;
                }
                view.m_sessions[A] = a;
                view.m_sessions[B] = b;
                view.m_split = split;
                view.m_ready = true;
                view.m_queryEdit->setEnabled(true);
                view.m_statusLabel->setText(view.tr("%1 images, %2 texts; features of both cached")
                                                .arg(b->imageIds().size())
                                                .arg(b->texts().size()));
                Q_EMIT view.ready();
            },
            Qt::QueuedConnection);
    });
}

void RetrievalCompareView::cancelExtraction()
{
    if (m_cancel)
        m_cancel->store(true);
    m_statusLabel->setText(tr("Cancelling…"));
}

void RetrievalCompareView::runTextQuery()
{
    if (!m_ready)
        return;
    const QString query = m_queryEdit->text().trimmed();
    const quint64 generation = ++*m_latestText;
    if (query.isEmpty()) {
        m_textQueryRunning = false;
        return;
    }
    m_textQueryRunning = true;
    m_summaryLabel->setText(tr("Searching…"));
    auto latest = m_latestText;
    auto a = m_sessions[A], b = m_sessions[B];
    auto split = m_split;
    QPointer<RetrievalCompareView> self(this);
    runLatestInPool(
        this, latest, generation,
        [a, b, split, query] {
            return std::make_pair(ui::runTextQuery(*a, *split, query, kTopK, kThumbnail),
                                  ui::runTextQuery(*b, *split, query, kTopK, kThumbnail));
        },
        [self](const std::pair<TextQueryResult, TextQueryResult>& results) {
            self->showTextResults(results.first, results.second);
        });
}

void RetrievalCompareView::showTextResults(const TextQueryResult& a, const TextQueryResult& b)
{
    m_textQueryRunning = false;
    const TextQueryResult* results[2] = {&a, &b};
    const std::vector<eval::RankChange> changes[2] = {eval::baselineRanks(a.ranking, b.ranking, kTopK),
                                                eval::compareRanks(a.ranking, b.ranking, kTopK)};
    for (int side = 0; side < 2; ++side) {
        const TextQueryResult& result = *results[side];
        QListWidget* list = m_imageLists[side];
        list->clear();
        m_goldRanks[side] = result.goldRank;
        if (!result.error.isEmpty()) {
            m_goldLabels[side]->setText(result.error);
            continue;
        }
        for (const eval::RankChange& change : changes[side]) {
            const bool isGold = contains(result.gold, change.id);
            auto* item = new QListWidgetItem(
                QIcon(QPixmap::fromImage(result.thumbnails.value(change.id))),
                tr("#%1 %2 (%3)\n%4")
                    .arg(change.rank)
                    .arg(change.id)
                    .arg(result.scores[std::size_t(change.rank - 1)], 0, 'f', 3)
                    .arg(changeText(change, side == B)));
            item->setData(IdRole, qlonglong(change.id));
            item->setData(ChangeRole, int(change.kind));
            item->setData(OtherRankRole, change.otherRank);
            item->setData(GoldRole, isGold);
            item->setForeground(changeColor(change));
            if (isGold) {
                item->setBackground(kGoldBackground);
                item->setToolTip(tr("Ground truth"));
            }
            list->addItem(item);
        }
        m_goldLabels[side]->setText(goldText(result.goldRank, !result.gold.empty()));
    }
    if (!b.gold.empty() && a.goldRank > 0 && b.goldRank > 0)
        m_summaryLabel->setText(tr("Ground truth: A #%1 → B #%2 (%3)")
                                    .arg(a.goldRank)
                                    .arg(b.goldRank)
                                    .arg(movementText(a.goldRank, b.goldRank)));
    else
        m_summaryLabel->setText(tr("Free text: compare the two top %1 lists.").arg(kTopK));
    Q_EMIT queryFinished();
}

void RetrievalCompareView::onImageClicked(QListWidgetItem* item)
{
    if (item)
        runImageQuery(item->data(IdRole).toLongLong());
}

void RetrievalCompareView::runImageQuery(qint64 imageId)
{
    if (!m_ready)
        return;
    const quint64 generation = ++*m_latestImage;
    m_imageQueryRunning = true;
    auto latest = m_latestImage;
    auto a = m_sessions[A], b = m_sessions[B];
    QPointer<RetrievalCompareView> self(this);
    runLatestInPool(
        this, latest, generation,
        [a, b, imageId] { return std::make_pair(ui::runImageQuery(*a, imageId), ui::runImageQuery(*b, imageId)); },
        [self](const std::pair<ImageQueryResult, ImageQueryResult>& results) {
            self->showImageResults(results.first, results.second);
        });
}

void RetrievalCompareView::showImageResults(const ImageQueryResult& a, const ImageQueryResult& b)
{
    m_imageQueryRunning = false;
    const ImageQueryResult* results[2] = {&a, &b};
    const std::vector<eval::RankChange> changes[2] = {eval::baselineRanks(a.ranking, b.ranking, kTopK),
                                                eval::compareRanks(a.ranking, b.ranking, kTopK)};
    for (int side = 0; side < 2; ++side) {
        const ImageQueryResult& result = *results[side];
        QListWidget* list = m_textLists[side];
        list->clear();
        m_imageGoldRanks[side] = result.goldRank;
        if (!result.error.isEmpty()) {
            list->addItem(result.error);
            continue;
        }
        for (const eval::RankChange& change : changes[side]) {
            const bool isGold = contains(result.gold, change.id);
            auto* item = new QListWidgetItem(tr("#%1  %2  %3   [%4]")
                                                 .arg(change.rank)
                                                 .arg(result.scores[std::size_t(change.rank - 1)], 0, 'f', 3)
                                                 .arg(result.texts.value(change.id))
                                                 .arg(changeText(change, side == B)));
            item->setData(IdRole, qlonglong(change.id));
            item->setData(ChangeRole, int(change.kind));
            item->setData(OtherRankRole, change.otherRank);
            item->setData(GoldRole, isGold);
            item->setForeground(changeColor(change));
            if (isGold) {
                item->setBackground(kGoldBackground);
                item->setToolTip(tr("Ground truth"));
            }
            list->addItem(item);
        }
    }
    if (a.goldRank > 0 && b.goldRank > 0)
        m_imageSummary->setText(tr("Image %1 → texts; best ground-truth text: A #%2 → B #%3 (%4)")
                                    .arg(a.imageId)
                                    .arg(a.goldRank)
                                    .arg(b.goldRank)
                                    .arg(movementText(a.goldRank, b.goldRank)));
    else
        m_imageSummary->setText(tr("Image %1 → texts (no text of the split describes it)").arg(a.imageId));
    Q_EMIT imageQueryFinished();
}

} // namespace clipwb::ui
