#pragma once
// The pairs of an LMDB split as a list model for the thumbnail grid (and, via
// PairTableModel, the table). Rows are exposed in chunks through fetchMore and
// records are read only for rows a view asks about, so a split of any size
// opens at once; thumbnails come from a ThumbnailCache.
#include <QAbstractListModel>
#include <QCache>
#include <QHash>
#include <QPixmap>
#include <QSet>

#include <memory>
#include <optional>
#include <vector>

#include "data/LmdbSplit.h"

namespace clipwb::ui {

class ThumbnailCache;

class PairListModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role {
        PairIndexRole = Qt::UserRole + 1, ///< qint64 index of the pair in the split
        ImageIdRole,                      ///< qint64
        TextIdRole,                       ///< qint64
        TextRole,                         ///< QString, the full caption
        ErrorRole,                        ///< QString, why the record or its image is broken (empty if fine)
    };

    explicit PairListModel(ThumbnailCache* thumbnails, QObject* parent = nullptr);

    /// Shows the pairs of split (nullptr: nothing); drops any filter.
    void setSplit(std::shared_ptr<const data::LmdbSplit> split);
    const std::shared_ptr<const data::LmdbSplit>& split() const { return m_split; }

    /// Shows only these pair indices, in this order.
    void setFilter(std::vector<int64_t> pairIndices);
    void clearFilter();
    bool isFiltered() const { return m_filtered; }
    /// Rows in total once everything is fetched (the split's pairs or the filter's).
    int64_t totalRows() const;

    /// Rows made visible per fetchMore (default 50,000; 0 exposes all rows at once).
    void setFetchChunk(int rows) { m_fetchChunk = rows; }

    int64_t pairIndexAt(int row) const;
    /// The row that shows pairIndex, fetching rows up to it as needed; -1 when it is not shown.
    int rowOfPairIndex(int64_t pairIndex);
    /// The record of a row (read through a small cache); std::nullopt when it cannot be read.
    std::optional<data::PairRecord> record(int row) const;
    QString recordError(int row) const;

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex& parent) const override;
    void fetchMore(const QModelIndex& parent) override;

    /// Keeps only thumbnail requests of rows first..last (what is on screen, plus a margin).
    void retainThumbnailRequests(int firstRow, int lastRow);

    /// Records read from the split since setSplit (tests check that views stay lazy).
    qint64 recordReads() const { return m_recordReads; }

private:
    struct CachedRecord {
        std::optional<data::PairRecord> record;
        QString error;
    };
    const CachedRecord& cachedRecord(int64_t pairIndex) const;
    void onThumbnailDone(qint64 imageId);
    void resetRows();
    const QPixmap& placeholder(bool broken) const;

    ThumbnailCache* m_thumbnails;
    std::shared_ptr<const data::LmdbSplit> m_split;
    std::vector<int64_t> m_filter;
    bool m_filtered = false;
    int m_loadedRows = 0;
    int m_fetchChunk = 50000;
    mutable QCache<int64_t, CachedRecord> m_records{16384};
    mutable qint64 m_recordReads = 0;
    /// Rows waiting for a thumbnail, by image id, to refresh when it arrives.
    mutable QHash<qint64, QSet<int>> m_rowsAwaitingThumbnail;
    mutable QPixmap m_loadingPixmap;
    mutable QPixmap m_brokenPixmap;
};

} // namespace clipwb::ui
