#include "ui/retrieval/RetrievalCompareView.h"

#include "data/LmdbSplit.h"
#include "eval/RankComparison.h"
#include "eval/RetrievalSession.h"
#include "ui/common/BackgroundJob.h"
#include "ui/common/CoreMessages.h"
#include "ui/common/MessageLabel.h"
#include "ui/models/DownloadedModelsButton.h"
#include "ui/retrieval/RetrievalQuery.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

#include <algorithm>
#include <array>
#include <functional>
#include <memory>
#include <utility>

namespace clipwb::ui {
namespace {

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

/// Where each side's top results stand on the other side: A's against B, B's against A.
std::array<std::vector<eval::RankChange>, 2> sideChanges(const std::vector<std::int64_t>& a,
                                                         const std::vector<std::int64_t>& b)
{
    return {eval::baselineRanks(a, b, kTopK), eval::compareRanks(a, b, kTopK)};
}

/// One side's results as items of list, best first, marked alike on both lists and both ways:
/// the rank change's colour and data, ground truth highlighted. makeItem(change) makes each item
/// (its text, and a thumbnail on an image list).
void addRankItems(QListWidget* list, const std::vector<eval::RankChange>& changes,
                  const std::vector<std::int64_t>& gold, const QString& goldTip,
                  const std::function<QListWidgetItem*(const eval::RankChange&)>& makeItem)
{
    for (const eval::RankChange& change : changes) {
        const bool isGold = contains(gold, change.id);
        QListWidgetItem* item = makeItem(change);
        item->setData(RetrievalCompareView::IdRole, qlonglong(change.id));
        item->setData(RetrievalCompareView::ChangeRole, int(change.kind));
        item->setData(RetrievalCompareView::OtherRankRole, change.otherRank);
        item->setData(RetrievalCompareView::GoldRole, isGold);
        item->setForeground(changeColor(change));
        if (isGold) {
            item->setBackground(kGoldBackground);
            item->setToolTip(goldTip);
        }
        list->addItem(item);
    }
}

} // namespace

RetrievalCompareView::RetrievalCompareView(QWidget* parent) : QWidget(parent)
{
    m_extractionJob = new BackgroundJob(this);
    m_textQueryJob = new BackgroundJob(this);
    m_imageQueryJob = new BackgroundJob(this);
    connect(m_extractionJob, &BackgroundJob::progress, this, [this](const Progress& report) {
        m_progress->setRange(0, std::max(int(report.total), 0));
        m_progress->setValue(int(report.done));
        m_statusLabel->setText(
            tr("%1: extracting %2: %3 / %4")
                .arg(QString::fromStdString(report.detail), CoreMessages::translate(report.stage))
                .arg(report.done)
                .arg(report.total));
    });
    connect(m_extractionJob, &BackgroundJob::stopped, this,
            [this] { endExtraction(tr("Extraction cancelled.")); });
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
        // the usual baseline: the pretrained model the fine-tune started from, by name
        auto* downloaded = new DownloadedModelsButton;
        downloaded->setObjectName(side == A ? QStringLiteral("compareModelsA")
                                            : QStringLiteral("compareModelsB"));
        setup->addWidget(downloaded, side, 3);
        connect(downloaded, &DownloadedModelsButton::chosen, this,
                [this, side](const QString& path) { setCheckpoint(Side(side), path); });
        connect(browse, &QPushButton::clicked, this, [this, side] {
            const QString file =
                QFileDialog::getOpenFileName(this, tr("Open checkpoint"), m_checkpointEdits[side]->text(),
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
    m_statusLabel =
        new MessageLabel(tr("Pick two checkpoints; models and split are those of the Browse settings."));
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
    m_summaryLabel = new MessageLabel;
    m_summaryLabel->setTextFormat(Qt::PlainText);
    layout->addWidget(m_summaryLabel);

    auto* columns = new QGridLayout;
    for (int side = 0; side < 2; ++side) {
        m_titles[side] = new QLabel(side == A ? tr("A") : tr("B"));
        QFont bold = m_titles[side]->font();
        bold.setBold(true);
        m_titles[side]->setFont(bold);
        m_goldLabels[side] = new MessageLabel;
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
    m_imageSummary =
        new QLabel(tr("Click an image on either side: the texts closest to it on both checkpoints."));
    columns->addWidget(m_imageSummary, 3, 0, 1, 2);
    columns->setRowStretch(2, 3);
    columns->setRowStretch(4, 1);
    layout->addLayout(columns, 1);

    connect(m_extractButton, &QPushButton::clicked, this, &RetrievalCompareView::startExtraction);
    connect(m_cancelButton, &QPushButton::clicked, this, &RetrievalCompareView::cancelExtraction);
    connect(m_queryEdit, &QLineEdit::returnPressed, this, &RetrievalCompareView::runTextQuery);
    connect(search, &QPushButton::clicked, this, &RetrievalCompareView::runTextQuery);
}

RetrievalCompareView::~RetrievalCompareView() = default;

bool RetrievalCompareView::isExtracting() const
{
    return m_extractionJob->isRunning();
}

bool RetrievalCompareView::isQuerying() const
{
    return m_textQueryJob->isRunning() || m_imageQueryJob->isRunning();
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
    if (isExtracting())
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
    m_textQueryJob->cancel(); // the previous sessions' answers are dropped
    m_imageQueryJob->cancel();
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
    auto a = sessions[A], b = sessions[B];
    m_extractionJob->run(
        [a, b](const ProgressCallback& progress) {
            const std::shared_ptr<eval::RetrievalSession> both[2] = {a, b};
            for (int side = 0; side < 2; ++side) {
                // Each side is half of the job; detail names the side for the status line.
                both[side]->prepare([&progress, side](const Progress& p) {
                    return progress(
                        {(side + p.fraction) / 2, p.stage, p.done, p.total, side == A ? "A" : "B"});
                });
            }
            return std::make_shared<data::LmdbSplit>(b->options().split);
        },
        [this, a, b](std::shared_ptr<data::LmdbSplit> split) {
            endExtraction(QString());
            m_sessions[A] = a;
            m_sessions[B] = b;
            m_split = std::move(split);
            m_ready = true;
            m_queryEdit->setEnabled(true);
            m_statusLabel->setText(tr("%1 images, %2 texts; features of both cached")
                                       .arg(b->imageIds().size())
                                       .arg(b->texts().size()));
            Q_EMIT ready();
        },
        [this](const QString& error) { endExtraction(error); });
}

void RetrievalCompareView::endExtraction(const QString& error)
{
    m_extractButton->setEnabled(true);
    m_cancelButton->setEnabled(false);
    m_progress->setRange(0, 1);
    m_progress->setValue(error.isEmpty() ? 1 : 0);
    if (!error.isEmpty()) {
        m_statusLabel->setText(error);
        Q_EMIT failed(error);
    }
}

void RetrievalCompareView::cancelExtraction()
{
    m_extractionJob->stop(); // endExtraction(tr("Extraction cancelled.")) once it has stopped
    m_statusLabel->setText(tr("Cancelling…"));
}

void RetrievalCompareView::runTextQuery()
{
    if (!m_ready)
        return;
    const QString query = m_queryEdit->text().trimmed();
    if (query.isEmpty()) {
        m_textQueryJob->cancel();
        return;
    }
    m_summaryLabel->setText(tr("Searching…"));
    auto a = m_sessions[A], b = m_sessions[B];
    auto split = m_split;
    // Latest wins: typing fast never shows a stale answer.
    m_textQueryJob->run(
        [a, b, split, query](const ProgressCallback&) {
            return std::make_pair(ui::runTextQuery(*a, *split, query, kTopK, kThumbnail),
                                  ui::runTextQuery(*b, *split, query, kTopK, kThumbnail));
        },
        [this](const std::pair<TextQueryResult, TextQueryResult>& results) {
            showTextResults(results.first, results.second);
        });
}

void RetrievalCompareView::showTextResults(const TextQueryResult& a, const TextQueryResult& b)
{
    const TextQueryResult* results[2] = {&a, &b};
    const auto changes = sideChanges(a.ranking, b.ranking);
    for (int side = 0; side < 2; ++side) {
        const TextQueryResult& result = *results[side];
        m_imageLists[side]->clear();
        m_goldRanks[side] = result.goldRank;
        if (!result.error.isEmpty()) {
            m_goldLabels[side]->setText(result.error);
            continue;
        }
        addRankItems(m_imageLists[side], changes[side], result.gold, tr("Ground truth"),
                     [&](const eval::RankChange& change) {
                         return new QListWidgetItem(
                             QIcon(QPixmap::fromImage(result.thumbnails.value(change.id))),
                             tr("#%1 %2 (%3)\n%4")
                                 .arg(change.rank)
                                 .arg(change.id)
                                 .arg(result.scores[std::size_t(change.rank - 1)], 0, 'f', 3)
                                 .arg(changeText(change, side == B)));
                     });
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
    auto a = m_sessions[A], b = m_sessions[B];
    m_imageQueryJob->run(
        [a, b, imageId](const ProgressCallback&) {
            return std::make_pair(ui::runImageQuery(*a, imageId), ui::runImageQuery(*b, imageId));
        },
        [this](const std::pair<ImageQueryResult, ImageQueryResult>& results) {
            showImageResults(results.first, results.second);
        });
}

void RetrievalCompareView::showImageResults(const ImageQueryResult& a, const ImageQueryResult& b)
{
    const ImageQueryResult* results[2] = {&a, &b};
    const auto changes = sideChanges(a.ranking, b.ranking);
    for (int side = 0; side < 2; ++side) {
        const ImageQueryResult& result = *results[side];
        m_textLists[side]->clear();
        m_imageGoldRanks[side] = result.goldRank;
        if (!result.error.isEmpty()) {
            m_textLists[side]->addItem(result.error);
            continue;
        }
        addRankItems(m_textLists[side], changes[side], result.gold, tr("Ground truth"),
                     [&](const eval::RankChange& change) {
                         return new QListWidgetItem(
                             tr("#%1  %2  %3   [%4]")
                                 .arg(change.rank)
                                 .arg(result.scores[std::size_t(change.rank - 1)], 0, 'f', 3)
                                 .arg(result.texts.value(change.id))
                                 .arg(changeText(change, side == B)));
                     });
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
