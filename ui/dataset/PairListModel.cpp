#include "ui/dataset/PairListModel.h"

#include "ui/dataset/ThumbnailCache.h"

#include <QApplication>
#include <QIcon>
#include <QPainter>
#include <QStyle>

#include <climits>

namespace clipwb::ui {

namespace {

QPixmap drawPlaceholder(int edge, bool broken)
{
    QPixmap pixmap(edge, edge);
    pixmap.fill(broken ? QColor(0xF3, 0xD6, 0xD6) : QColor(0xE6, 0xE8, 0xEC));
    if (broken) {
        QPainter painter(&pixmap);
        const QIcon icon = QApplication::style()->standardIcon(QStyle::SP_MessageBoxWarning);
        const int side = edge / 3;
        icon.paint(&painter, QRect((edge - side) / 2, (edge - side) / 2, side, side));
    }
    return pixmap;
}

} // namespace

PairListModel::PairListModel(ThumbnailCache* thumbnails, QObject* parent)
    : QAbstractListModel(parent), m_thumbnails(thumbnails)
{
    if (m_thumbnails) {
        connect(m_thumbnails, &ThumbnailCache::thumbnailReady, this, &PairListModel::onThumbnailDone);
        connect(m_thumbnails, &ThumbnailCache::thumbnailFailed, this,
                [this](qint64 imageId, const QString&) { onThumbnailDone(imageId); });
    }
}

void PairListModel::setSplit(std::shared_ptr<const data::LmdbSplit> split)
{
    beginResetModel();
    m_split = std::move(split);
    m_filter.clear();
    m_filtered = false;
    m_records.clear();
    m_recordReads = 0;
    resetRows();
    endResetModel();
}

void PairListModel::setFilter(std::vector<int64_t> pairIndices)
{
    beginResetModel();
    m_filter = std::move(pairIndices);
    m_filtered = true;
    resetRows();
    endResetModel();
}

void PairListModel::clearFilter()
{
    if (!m_filtered)
        return;
    beginResetModel();
    m_filter.clear();
    m_filtered = false;
    resetRows();
    endResetModel();
}

void PairListModel::resetRows()
{
    m_rowsAwaitingThumbnail.clear();
    const int64_t total = totalRows();
    m_loadedRows = int(m_fetchChunk <= 0 ? total : std::min<int64_t>(total, m_fetchChunk));
}

int64_t PairListModel::totalRows() const
{
    if (m_filtered)
        return int64_t(m_filter.size());
    // A view addresses rows with int; a bigger split is shown up to INT_MAX rows.
    return m_split ? std::min<int64_t>(m_split->numSamples(), INT_MAX) : 0;
}

int PairListModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : m_loadedRows;
}

bool PairListModel::canFetchMore(const QModelIndex& parent) const
{
    return !parent.isValid() && m_loadedRows < totalRows();
}

void PairListModel::fetchMore(const QModelIndex& parent)
{
    if (!canFetchMore(parent))
        return;
    const int64_t total = totalRows();
    const int next = int(m_fetchChunk <= 0 ? total : std::min<int64_t>(total, int64_t(m_loadedRows) + m_fetchChunk));
    beginInsertRows(QModelIndex(), m_loadedRows, next - 1);
    m_loadedRows = next;
    endInsertRows();
}

int64_t PairListModel::pairIndexAt(int row) const
{
    if (row < 0 || row >= m_loadedRows)
        return -1;
    return m_filtered ? m_filter[size_t(row)] : int64_t(row);
}

int PairListModel::rowOfPairIndex(int64_t pairIndex)
{
    int64_t row = -1;
    if (m_filtered) {
        const auto it = std::find(m_filter.begin(), m_filter.end(), pairIndex);
        if (it != m_filter.end())
            row = it - m_filter.begin();
    } else if (pairIndex >= 0 && pairIndex < totalRows()) {
        row = pairIndex;
    }
    if (row < 0)
        return -1;
    while (row >= m_loadedRows && canFetchMore(QModelIndex()))
        fetchMore(QModelIndex());
    return int(row);
}

const PairListModel::CachedRecord& PairListModel::cachedRecord(int64_t pairIndex) const
{
    if (const CachedRecord* cached = m_records.object(pairIndex))
        return *cached;
    auto* entry = new CachedRecord;
    ++m_recordReads;
    try {
        entry->record = m_split->pair(pairIndex);
    } catch (const std::exception& e) {
        entry->error = QString::fromStdString(e.what());
    }
    m_records.insert(pairIndex, entry);
    return *m_records.object(pairIndex);
}

std::optional<data::PairRecord> PairListModel::record(int row) const
{
    const int64_t pairIndex = pairIndexAt(row);
    if (pairIndex < 0 || !m_split)
        return std::nullopt;
    return cachedRecord(pairIndex).record;
}

QString PairListModel::recordError(int row) const
{
    const int64_t pairIndex = pairIndexAt(row);
    if (pairIndex < 0 || !m_split)
        return {};
    return cachedRecord(pairIndex).error;
}

QVariant PairListModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || !m_split || index.row() >= m_loadedRows)
        return {};
    const int row = index.row();
    const int64_t pairIndex = pairIndexAt(row);
    if (role == PairIndexRole)
        return QVariant::fromValue<qint64>(pairIndex);
    if (role != Qt::DisplayRole && role != Qt::DecorationRole && role != Qt::ToolTipRole && role != ImageIdRole &&
        role != TextIdRole && role != TextRole && role != ErrorRole && role != Qt::ForegroundRole)
        return {};

    const CachedRecord& cached = cachedRecord(pairIndex);
    if (!cached.record) {
        switch (role) {
        case Qt::DisplayRole:
            return tr("#%1 broken record").arg(pairIndex);
        case Qt::ToolTipRole:
        case ErrorRole:
            return cached.error;
        case Qt::DecorationRole:
            return placeholder(true);
        case Qt::ForegroundRole:
            return QColor(Qt::darkRed);
        default:
            return {};
        }
    }
    const data::PairRecord& pair = *cached.record;
    switch (role) {
    case Qt::DisplayRole:
    case TextRole:
        return QString::fromStdString(pair.text);
    case ImageIdRole:
        return QVariant::fromValue<qint64>(pair.imageId);
    case TextIdRole:
        return QVariant::fromValue<qint64>(pair.textId);
    case Qt::ToolTipRole:
        return tr("pair %1 · image %2 · text %3\n%4")
            .arg(pairIndex)
            .arg(pair.imageId)
            .arg(pair.textId)
            .arg(QString::fromStdString(pair.text));
    case ErrorRole:
        return m_thumbnails ? m_thumbnails->failure(pair.imageId) : QString();
    case Qt::ForegroundRole:
        return (m_thumbnails && !m_thumbnails->failure(pair.imageId).isEmpty()) ? QVariant(QColor(Qt::darkRed))
                                                                                 : QVariant();
    case Qt::DecorationRole: {
        if (!m_thumbnails)
            return {};
        const QPixmap pixmap = m_thumbnails->thumbnail(pair.imageId);
        if (!pixmap.isNull())
            return pixmap;
        const bool broken = !m_thumbnails->failure(pair.imageId).isEmpty();
        if (!broken)
            m_rowsAwaitingThumbnail[pair.imageId].insert(row);
        return placeholder(broken);
    }
    default:
        return {};
    }
}

const QPixmap& PairListModel::placeholder(bool broken) const
{
    const int edge = m_thumbnails ? m_thumbnails->thumbnailSize() : 64;
    QPixmap& pixmap = broken ? m_brokenPixmap : m_loadingPixmap;
    if (pixmap.isNull() || pixmap.width() != edge)
        pixmap = drawPlaceholder(edge, broken);
    return pixmap;
}

void PairListModel::retainThumbnailRequests(int firstRow, int lastRow)
{
    if (!m_thumbnails)
        return;
    QSet<qint64> wanted;
    for (auto it = m_rowsAwaitingThumbnail.begin(); it != m_rowsAwaitingThumbnail.end();) {
        QSet<int>& rows = it.value();
        for (auto row = rows.begin(); row != rows.end();)
            row = (*row < firstRow || *row > lastRow) ? rows.erase(row) : std::next(row);
        if (rows.isEmpty()) {
            it = m_rowsAwaitingThumbnail.erase(it);
        } else {
            wanted.insert(it.key());
            ++it;
        }
    }
    m_thumbnails->retainOnly(wanted);
}

void PairListModel::onThumbnailDone(qint64 imageId)
{
    const auto it = m_rowsAwaitingThumbnail.find(imageId);
    if (it == m_rowsAwaitingThumbnail.end())
        return;
    const QSet<int> rows = it.value();
    m_rowsAwaitingThumbnail.erase(it);
    for (int row : rows) {
        if (row < m_loadedRows) {
            const QModelIndex changed = index(row);
            Q_EMIT dataChanged(changed, changed, {Qt::DecorationRole, Qt::ForegroundRole, ErrorRole});
        }
    }
}

} // namespace clipwb::ui
