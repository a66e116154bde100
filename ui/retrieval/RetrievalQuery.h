#pragma once
// Queries on a prepared eval::RetrievalSession, run off the GUI thread: a text
// ranks every image (so the ground truth has a rank even outside the grid),
// an image of the split ranks every text; the shown thumbnails are decoded
// there too. Results come back as plain values (QImage, never QPixmap).
#include <QHash>
#include <QImage>
#include <QString>

#include <cstdint>
#include <memory>
#include <vector>

namespace clipwb::eval {
class RetrievalSession;
}
namespace clipwb::data {
class LmdbSplit;
}

namespace clipwb::ui {

struct TextQueryResult {
    QString query;
    std::vector<std::int64_t> ranking; ///< every image id, best first
    std::vector<float> scores;         ///< cosine similarity per ranking entry
    std::vector<std::int64_t> gold;    ///< images the query describes (empty: free text)
    int goldRank = 0;                  ///< best 1-based rank of a gold image, 0 when none
    QHash<qint64, QImage> thumbnails;  ///< of the first shown entries
    QString error;
};

struct ImageQueryResult {
    std::int64_t imageId = 0;
    std::vector<std::int64_t> ranking; ///< every text id, best first
    std::vector<float> scores;
    QHash<qint64, QString> texts;      ///< text of each ranked id
    std::vector<std::int64_t> gold;    ///< texts describing the image
    int goldRank = 0;
    QString error;
};

/// Blocking: call it from a worker thread. shown: how many thumbnails to decode.
TextQueryResult runTextQuery(const eval::RetrievalSession& session, const data::LmdbSplit& split,
                             const QString& text, int shown, int thumbnailSize);
ImageQueryResult runImageQuery(const eval::RetrievalSession& session, std::int64_t imageId);
/// A thumbnail no larger than size x size; grey when the image cannot be read.
QImage splitThumbnail(const data::LmdbSplit& split, std::int64_t imageId, int size);

} // namespace clipwb::ui
