#include "ui/dataset/PairTableModel.h"

#include "ui/dataset/PairListModel.h"

namespace clipwb::ui {

PairTableModel::PairTableModel(PairListModel* pairs, QObject* parent) : QAbstractTableModel(parent), m_pairs(pairs)
{
    connect(m_pairs, &QAbstractItemModel::modelAboutToBeReset, this, [this] { beginResetModel(); });
    connect(m_pairs, &QAbstractItemModel::modelReset, this, [this] { endResetModel(); });
    connect(m_pairs, &QAbstractItemModel::rowsAboutToBeInserted, this,
            [this](const QModelIndex&, int first, int last) { beginInsertRows(QModelIndex(), first, last); });
    connect(m_pairs, &QAbstractItemModel::rowsInserted, this, [this] { endInsertRows(); });
    connect(m_pairs, &QAbstractItemModel::dataChanged, this,
            [this](const QModelIndex& topLeft, const QModelIndex& bottomRight, const QList<int>& roles) {
                if (roles.isEmpty() || roles.contains(Qt::ForegroundRole))
                    Q_EMIT dataChanged(index(topLeft.row(), 0), index(bottomRight.row(), ColumnCount - 1),
                                       {Qt::ForegroundRole});
            });
}

int PairTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : m_pairs->rowCount();
}

int PairTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant PairTableModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid())
        return {};
    const QModelIndex source = m_pairs->index(index.row());
    if (role == Qt::ToolTipRole || role == Qt::ForegroundRole)
        return source.data(role);
    if (role == Qt::TextAlignmentRole)
        return index.column() == TextColumn ? QVariant() : QVariant(int(Qt::AlignRight | Qt::AlignVCenter));
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case IndexColumn:
        return source.data(PairListModel::PairIndexRole);
    case ImageIdColumn:
        return source.data(PairListModel::ImageIdRole);
    case TextIdColumn:
        return source.data(PairListModel::TextIdRole);
    case TextColumn:
        return source.data(Qt::DisplayRole);
    default:
        return {};
    }
}

QVariant PairTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case IndexColumn:
        return tr("Index");
    case ImageIdColumn:
        return tr("Image id");
    case TextIdColumn:
        return tr("Text id");
    case TextColumn:
        return tr("Text");
    default:
        return {};
    }
}

bool PairTableModel::canFetchMore(const QModelIndex& parent) const
{
    return !parent.isValid() && m_pairs->canFetchMore(QModelIndex());
}

void PairTableModel::fetchMore(const QModelIndex& parent)
{
    if (!parent.isValid())
        m_pairs->fetchMore(QModelIndex());
}

} // namespace clipwb::ui
