#pragma once
// The right-hand pane of the Dataset page: one pair in full. The image is
// decoded in a worker thread; below it come its size and format, every text of
// the image (once the split is indexed) and the caption's tokens as the model
// sees them, with the place where truncation at context_length cuts.
#include <QImage>
#include <QWidget>

#include <memory>
#include <optional>

#include "data/LmdbSplit.h"

class QLabel;
class QListWidget;
class QSpinBox;
class QTableWidget;

namespace clipwb::data {
struct DatasetStatistics;
}
namespace clipwb::text {
class Tokenizer;
}

namespace clipwb::ui {

class BackgroundJob;


class PairDetailPane : public QWidget {
    Q_OBJECT
public:
    explicit PairDetailPane(QWidget* parent = nullptr);
    ~PairDetailPane() override;

    void setSplit(std::shared_ptr<const data::LmdbSplit> split);
    void setTokenizer(std::shared_ptr<const text::Tokenizer> tokenizer);
    /// The image -> pairs index from the split's statistics (nullptr while it is being built).
    void setStatistics(std::shared_ptr<const data::DatasetStatistics> statistics);
    void setContextLength(int contextLength);
    int contextLength() const;

    /// Shows pair pairIndex of the split; -1 clears the pane.
    void showPair(int64_t pairIndex);
    int64_t currentPairIndex() const { return m_pairIndex; }
    /// True while the image of the current pair is still being decoded.
    bool isLoadingImage() const;

Q_SIGNALS:
    /// The user picked another pair of the same image in the texts list.
    void pairActivated(qint64 pairIndex);

private:
    struct DecodedImage {
        QImage image;
        QString info;
        QString error;
    };
    void refreshTexts();
    void refreshTokens();
    void onImageDecoded(const DecodedImage& decoded);
    void showScaledImage();
    void resizeEvent(QResizeEvent* event) override;

    std::shared_ptr<const data::LmdbSplit> m_split;
    std::shared_ptr<const text::Tokenizer> m_tokenizer;
    std::shared_ptr<const data::DatasetStatistics> m_statistics;
    int64_t m_pairIndex = -1;
    std::optional<data::PairRecord> m_record;
    QImage m_image;
    BackgroundJob* m_imageJob;

    QLabel* m_title;
    QLabel* m_imageLabel;
    QLabel* m_imageInfo;
    QLabel* m_caption;
    QListWidget* m_texts;
    QLabel* m_textsNote;
    QSpinBox* m_contextLength;
    QLabel* m_tokenSummary;
    QTableWidget* m_tokens;
};

} // namespace clipwb::ui
