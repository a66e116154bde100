#pragma once
// Paints one cell of the thumbnail grid: the picture centred on top, the pair
// index and two lines of caption below. Painting only (no widget per row), and
// a fixed size hint so that the view can lay out any number of rows at once.
#include <QStyledItemDelegate>

namespace clipwb::ui {

class ThumbnailDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    explicit ThumbnailDelegate(QObject* parent = nullptr);

    /// The cell size for thumbnails of edge pixels.
    static QSize cellSize(int edge, const QFontMetrics& metrics);
    void setThumbnailEdge(int edge) { m_edge = edge; }

    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;

private:
    int m_edge = 128;
};

} // namespace clipwb::ui
