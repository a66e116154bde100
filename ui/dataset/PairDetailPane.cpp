#include "ui/dataset/PairDetailPane.h"

#include "data/DatasetStatistics.h"
#include "data/ImageDecoder.h"
#include "data/ImageHeader.h"
#include "text/Tokenizer.h"
#include "ui/common/BackgroundJob.h"

#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QScrollArea>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace clipwb::ui {

namespace {

QLabel* sectionTitle(const QString& text)
{
    auto* label = new QLabel(QStringLiteral("<b>%1</b>").arg(text.toHtmlEscaped()));
    label->setContentsMargins(0, 8, 0, 2);
    return label;
}

} // namespace

PairDetailPane::PairDetailPane(QWidget* parent) : QWidget(parent)
{
    m_title = new QLabel(tr("Select a pair to see it in full."));
    m_title->setObjectName(QStringLiteral("pairTitle"));
    m_title->setWordWrap(true);
    m_imageJob = new BackgroundJob(this);
    m_imageLabel = new QLabel;
    m_imageLabel->setObjectName(QStringLiteral("pairImage"));
    m_imageLabel->setAlignment(Qt::AlignCenter);
    m_imageLabel->setMinimumHeight(120);
    m_imageLabel->setMaximumHeight(248);
    m_imageLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_imageLabel->setStyleSheet(QStringLiteral("QLabel { background: #20242a; color: #c8ccd2; }"));
    m_imageInfo = new QLabel;
    m_imageInfo->setObjectName(QStringLiteral("imageInfo"));
    m_imageInfo->setWordWrap(true);
    m_imageInfo->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_caption = new QLabel;
    m_caption->setObjectName(QStringLiteral("pairCaption"));
    m_caption->setWordWrap(true);
    m_caption->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont captionFont = m_caption->font();
    captionFont.setPointSizeF(captionFont.pointSizeF() * 1.2);
    m_caption->setFont(captionFont);

    m_texts = new QListWidget;
    m_texts->setObjectName(QStringLiteral("imageTexts"));
    m_texts->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_texts->setTextElideMode(Qt::ElideRight);
    m_texts->setAlternatingRowColors(true);
    m_textsNote = new QLabel;
    m_textsNote->setObjectName(QStringLiteral("imageTextsNote"));
    connect(m_texts, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
        Q_EMIT pairActivated(item->data(Qt::UserRole).toLongLong());
    });

    m_contextLength = new QSpinBox;
    m_contextLength->setObjectName(QStringLiteral("contextLength"));
    m_contextLength->setRange(3, 512);
    m_contextLength->setValue(52);
    m_contextLength->setToolTip(tr("context_length: [CLS] + wordpieces + [SEP], the rest is cut"));
    connect(m_contextLength, &QSpinBox::valueChanged, this, [this] { refreshTokens(); });
    m_tokenSummary = new QLabel;
    m_tokenSummary->setObjectName(QStringLiteral("tokenSummary"));
    m_tokenSummary->setWordWrap(true);
    m_tokens = new QTableWidget(0, 3);
    m_tokens->setObjectName(QStringLiteral("tokenTable"));
    m_tokens->setHorizontalHeaderLabels({tr("Position"), tr("Token"), tr("Id")});
    m_tokens->verticalHeader()->hide();
    m_tokens->horizontalHeader()->setStretchLastSection(true);
    m_tokens->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_tokens->setSelectionMode(QAbstractItemView::NoSelection);
    m_tokens->setMinimumHeight(160);

    auto* contextRow = new QHBoxLayout;
    contextRow->addWidget(new QLabel(tr("context_length")));
    contextRow->addWidget(m_contextLength);
    contextRow->addStretch(1);

    auto* content = new QWidget;
    auto* layout = new QVBoxLayout(content);
    layout->addWidget(m_title);
    layout->addWidget(m_imageLabel);
    layout->addWidget(m_imageInfo);
    layout->addWidget(sectionTitle(tr("Caption")));
    layout->addWidget(m_caption);
    layout->addWidget(sectionTitle(tr("Every text of this image")));
    layout->addWidget(m_textsNote);
    layout->addWidget(m_texts);
    layout->addWidget(sectionTitle(tr("Tokens")));
    layout->addLayout(contextRow);
    layout->addWidget(m_tokenSummary);
    layout->addWidget(m_tokens, 1);

    auto* scroll = new QScrollArea;
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(scroll);

    showPair(-1);
}

PairDetailPane::~PairDetailPane() = default;

bool PairDetailPane::isLoadingImage() const
{
    return m_imageJob->isRunning();
}

void PairDetailPane::setSplit(std::shared_ptr<const data::LmdbSplit> split)
{
    m_split = std::move(split);
    m_statistics.reset();
    showPair(-1);
}

void PairDetailPane::setTokenizer(std::shared_ptr<const text::Tokenizer> tokenizer)
{
    m_tokenizer = std::move(tokenizer);
    refreshTokens();
}

void PairDetailPane::setStatistics(std::shared_ptr<const data::DatasetStatistics> statistics)
{
    m_statistics = std::move(statistics);
    refreshTexts();
}

void PairDetailPane::setContextLength(int contextLength)
{
    m_contextLength->setValue(contextLength);
}

int PairDetailPane::contextLength() const
{
    return m_contextLength->value();
}

void PairDetailPane::showPair(int64_t pairIndex)
{
    m_pairIndex = pairIndex;
    m_record.reset();
    m_imageJob->cancel();
    m_image = QImage();
    m_imageLabel->clear();
    m_imageInfo->clear();
    m_caption->clear();
    if (pairIndex < 0 || !m_split) {
        m_pairIndex = -1;
        m_title->setText(tr("Select a pair to see it in full."));
        m_imageLabel->setText(tr("no pair selected"));
        refreshTexts();
        refreshTokens();
        return;
    }
    try {
        m_record = m_split->pair(pairIndex);
    } catch (const std::exception& e) {
        m_title->setText(tr("<b>Pair %1</b>").arg(pairIndex));
        m_caption->setText(tr("<span style='color:#b00020'>This record cannot be read: %1</span>")
                               .arg(QString::fromStdString(e.what()).toHtmlEscaped()));
        m_imageLabel->setText(tr("broken record"));
        refreshTexts();
        refreshTokens();
        return;
    }
    m_title->setText(tr("<b>Pair %1</b> · image id %2 · text id %3")
                         .arg(pairIndex)
                         .arg(m_record->imageId)
                         .arg(m_record->textId));
    m_caption->setText(QString::fromStdString(m_record->text));
    m_imageLabel->setText(tr("decoding…"));

    // A previous decode still running is left to finish; only the latest result is shown.
    const auto split = m_split;
    const int64_t imageId = m_record->imageId;
    m_imageJob->run([split, imageId](const ProgressCallback&) {
        DecodedImage decoded;
        try {
            const std::string bytes = split->imageBytes(imageId);
            const auto header = data::readImageHeader(bytes);
            const QString format = QString::fromStdString(header ? header->format : data::imageFormatName(bytes));
            const cv::Mat rgb = data::decodeImageRgb(bytes, "image " + std::to_string(imageId));
            decoded.image = QImage(rgb.data, rgb.cols, rgb.rows, int(rgb.step), QImage::Format_RGB888).copy();
            decoded.info = PairDetailPane::tr("%1 × %2 pixels · %3 · %4 KiB encoded")
                               .arg(rgb.cols)
                               .arg(rgb.rows)
                               .arg(format)
                               .arg(double(bytes.size()) / 1024.0, 0, 'f', 1);
        } catch (const std::exception& e) {
            decoded.error = QString::fromStdString(e.what());
        }
        return decoded;
    }, [this](const DecodedImage& decoded) { onImageDecoded(decoded); });
    refreshTexts();
    refreshTokens();
}

void PairDetailPane::onImageDecoded(const DecodedImage& decoded)
{
    if (m_pairIndex < 0 || !m_record)
        return;
    if (!decoded.error.isEmpty()) {
        m_imageLabel->setText(tr("image cannot be shown"));
        m_imageInfo->setText(tr("<span style='color:#b00020'>%1</span>").arg(decoded.error.toHtmlEscaped()));
        return;
    }
    m_image = decoded.image;
    m_imageInfo->setText(decoded.info);
    showScaledImage();
}

void PairDetailPane::showScaledImage()
{
    if (m_image.isNull())
        return;
    const QSize box(std::max(64, m_imageLabel->width() - 8), std::max(64, std::min(240, m_imageLabel->width())));
    QImage shown = m_image;
    // Small images are enlarged without smoothing so that their pixels stay visible.
    const Qt::TransformationMode mode =
        (m_image.width() < box.width() && m_image.height() < box.height()) ? Qt::FastTransformation
                                                                           : Qt::SmoothTransformation;
    shown = m_image.scaled(box, Qt::KeepAspectRatio, mode);
    m_imageLabel->setPixmap(QPixmap::fromImage(shown));
}

void PairDetailPane::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    showScaledImage();
}

void PairDetailPane::refreshTexts()
{
    m_texts->clear();
    if (!m_record) {
        m_textsNote->clear();
        return;
    }
    if (!m_statistics) {
        m_textsNote->setText(tr("Indexing the split to find every text of this image…"));
        return;
    }
    const std::vector<int64_t> pairs = m_statistics->pairsOfImage(m_record->imageId);
    m_textsNote->setText(tr("%n pair(s) share this image.", nullptr, int(pairs.size())));
    for (int64_t pairIndex : pairs) {
        QString text;
        try {
            const data::PairRecord pair = m_split->pair(pairIndex);
            text = tr("#%1 · text %2 · %3").arg(pairIndex).arg(pair.textId).arg(QString::fromStdString(pair.text));
        } catch (const std::exception& e) {
            text = tr("#%1 · broken: %2").arg(pairIndex).arg(QString::fromStdString(e.what()));
        }
        auto* item = new QListWidgetItem(text, m_texts);
        item->setToolTip(text);
        item->setData(Qt::UserRole, QVariant::fromValue<qint64>(pairIndex));
        if (pairIndex == m_pairIndex) {
            QFont bold = item->font();
            bold.setBold(true);
            item->setFont(bold);
        }
    }
    // Up to five rows in view, measured as the style draws them (a row is taller than a line
    // of text); long captions are elided, whole in the tooltip, so no scroll bar eats a row.
    int height = 2 * m_texts->frameWidth() + 2;
    for (int row = 0; row < std::min(m_texts->count(), 5); ++row)
        height += m_texts->sizeHintForRow(row);
    m_texts->setFixedHeight(std::max(height, m_texts->fontMetrics().lineSpacing() + 8));
}

void PairDetailPane::refreshTokens()
{
    m_tokens->setRowCount(0);
    if (!m_record) {
        m_tokenSummary->clear();
        return;
    }
    if (!m_tokenizer) {
        m_tokenSummary->setText(tr("No tokenizer."));
        return;
    }
    const int contextLength = m_contextLength->value();
    const std::string text = text::preprocessText(m_record->text);
    const std::vector<std::string> pieces = m_tokenizer->tokenize(text);
    const std::vector<int64_t> ids = m_tokenizer->encode(text, contextLength);
    const size_t kept = std::min(pieces.size(), size_t(std::max(0, contextLength - 2)));

    const QColor cutColour(0xB0, 0x00, 0x20);
    auto addRow = [this](const QString& position, const QString& token, const QString& id, const QColor& colour,
                         bool special) {
        const int row = m_tokens->rowCount();
        m_tokens->insertRow(row);
        const QString cells[] = {position, token, id};
        for (int column = 0; column < 3; ++column) {
            auto* item = new QTableWidgetItem(cells[column]);
            if (colour.isValid())
                item->setForeground(colour);
            if (special) {
                QFont font = item->font();
                font.setItalic(true);
                item->setFont(font);
            }
            m_tokens->setItem(row, column, item);
        }
    };
    auto idAt = [&ids](size_t position) {
        return position < ids.size() ? QString::number(ids[position]) : QString();
    };
    addRow(QStringLiteral("0"), QStringLiteral("[CLS]"), idAt(0), QColor(), true);
    for (size_t i = 0; i < kept; ++i)
        addRow(QString::number(i + 1), QString::fromStdString(pieces[i]), idAt(i + 1), QColor(), false);
    addRow(QString::number(kept + 1), QStringLiteral("[SEP]"), idAt(kept + 1), QColor(), true);
    if (kept < pieces.size()) {
        addRow(QString(), tr("✂ cut at context_length %1").arg(contextLength), QString(), cutColour, true);
        for (size_t i = kept; i < pieces.size(); ++i)
            addRow(tr("cut"), QString::fromStdString(pieces[i]),
                   QString::number(m_tokenizer->tokenToId(pieces[i])), cutColour, false);
    }
    m_tokens->resizeColumnsToContents();
    m_tokens->resizeRowsToContents();
    const size_t padding = ids.size() > kept + 2 ? ids.size() - kept - 2 : 0;
    if (kept < pieces.size())
        m_tokenSummary->setText(tr("%1 wordpieces; context_length %2 keeps %3 and cuts %4.")
                                    .arg(pieces.size())
                                    .arg(contextLength)
                                    .arg(kept)
                                    .arg(pieces.size() - kept));
    else
        m_tokenSummary->setText(tr("%1 wordpieces + [CLS] and [SEP]; %2 padding ids to context_length %3.")
                                    .arg(pieces.size())
                                    .arg(padding)
                                    .arg(contextLength));
}

} // namespace clipwb::ui
