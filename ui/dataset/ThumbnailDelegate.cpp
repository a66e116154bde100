#include "ui/dataset/ThumbnailDelegate.h"

#include "ui/dataset/PairListModel.h"

#include <QApplication>
#include <QPainter>
#include <QTextLayout>

namespace clipwb::ui {

namespace {
constexpr int kPadding = 6;
constexpr int kCaptionLines = 2;
} // namespace

ThumbnailDelegate::ThumbnailDelegate(QObject* parent) : QStyledItemDelegate(parent) {}

QSize ThumbnailDelegate::cellSize(int edge, const QFontMetrics& metrics)
{
    return {edge + 2 * kPadding + 8, edge + 2 * kPadding + (kCaptionLines + 1) * metrics.lineSpacing() + 4};
}

QSize ThumbnailDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex&) const
{
    return cellSize(m_edge, option.fontMetrics);
}

void ThumbnailDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const
{
    painter->save();
    const QRect cell = option.rect.adjusted(2, 2, -2, -2);
    const bool selected = option.state & QStyle::State_Selected;
    const QPalette& palette = option.palette;
    if (selected) {
        painter->setPen(Qt::NoPen);
        painter->setBrush(palette.color(QPalette::Highlight).lighter(selected ? 160 : 100));
        painter->drawRoundedRect(cell, 6, 6);
    } else if (option.state & QStyle::State_MouseOver) {
        painter->setPen(Qt::NoPen);
        painter->setBrush(palette.color(QPalette::AlternateBase));
        painter->drawRoundedRect(cell, 6, 6);
    }

    const QRect pictureBox(cell.left() + (cell.width() - m_edge) / 2, cell.top() + kPadding, m_edge, m_edge);
    const QPixmap pixmap = index.data(Qt::DecorationRole).value<QPixmap>();
    if (!pixmap.isNull()) {
        const QSize shown = pixmap.size().scaled(pictureBox.size(), Qt::KeepAspectRatio);
        const QRect target(pictureBox.left() + (pictureBox.width() - shown.width()) / 2,
                           pictureBox.top() + (pictureBox.height() - shown.height()) / 2, shown.width(),
                           shown.height());
        painter->drawPixmap(target, pixmap);
    }

    const QFontMetrics& metrics = option.fontMetrics;
    QRect textBox(cell.left() + kPadding, pictureBox.bottom() + 4, cell.width() - 2 * kPadding,
                  metrics.lineSpacing());
    const QString error = index.data(PairListModel::ErrorRole).toString();
    QFont small = option.font;
    small.setPointSizeF(small.pointSizeF() * 0.85);
    painter->setFont(small);
    painter->setPen(error.isEmpty() ? palette.color(QPalette::PlaceholderText) : QColor(0xB0, 0x00, 0x20));
    const QString header = error.isEmpty()
                               ? QStringLiteral("#%1").arg(index.data(PairListModel::PairIndexRole).toLongLong())
                               : tr("#%1 · %2").arg(index.data(PairListModel::PairIndexRole).toLongLong()).arg(error);
    painter->drawText(textBox, Qt::AlignHCenter | Qt::AlignVCenter,
                      QFontMetrics(small).elidedText(header, Qt::ElideRight, textBox.width()));

    painter->setFont(option.font);
    painter->setPen(palette.color(selected ? QPalette::Text : QPalette::Text));
    QString caption = index.data(Qt::DisplayRole).toString();
    for (int line = 0; line < kCaptionLines && !caption.isEmpty(); ++line) {
        textBox.translate(0, metrics.lineSpacing());
        // Fit as many characters as the line takes (captions are mostly CJK, without spaces).
        int fit = caption.size();
        if (line == kCaptionLines - 1 || metrics.horizontalAdvance(caption) <= textBox.width()) {
            painter->drawText(textBox, Qt::AlignHCenter | Qt::AlignVCenter,
                              metrics.elidedText(caption, Qt::ElideRight, textBox.width()));
            break;
        }
        while (fit > 1 && metrics.horizontalAdvance(caption.left(fit)) > textBox.width())
            fit = fit * 3 / 4 < fit - 1 ? std::max(1, fit * 3 / 4) : fit - 1;
        while (fit < caption.size() && metrics.horizontalAdvance(caption.left(fit + 1)) <= textBox.width())
            ++fit;
        painter->drawText(textBox, Qt::AlignHCenter | Qt::AlignVCenter, caption.left(fit));
        caption = caption.mid(fit);
    }
    painter->restore();
}

} // namespace clipwb::ui
