#pragma once
// The rows of a PairListModel as a table: pair index, image id, text id, text.
// It shares the list model's rows, filter and record cache, so the grid and the
// table always show the same pairs.
#include <QAbstractTableModel>

namespace clipwb::ui {

class PairListModel;

class PairTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { IndexColumn, ImageIdColumn, TextIdColumn, TextColumn, ColumnCount };

    explicit PairTableModel(PairListModel* pairs, QObject* parent = nullptr);
    PairListModel* pairs() const { return m_pairs; }

    int rowCount(const QModelIndex& parent = QModelIndex()) const override;
    int columnCount(const QModelIndex& parent = QModelIndex()) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex& parent) const override;
    void fetchMore(const QModelIndex& parent) override;

private:
    PairListModel* m_pairs;
};

} // namespace clipwb::ui
