#include "ui/retrieval/RetrievalQuery.h"

#include "data/ImageDecoder.h"
#include "data/LmdbSplit.h"
#include "eval/RetrievalSession.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>

namespace clipwb::ui {

QImage splitThumbnail(const data::LmdbSplit& split, std::int64_t imageId, int size)
{
    try {
        const std::string bytes = split.imageBytes(imageId);
        cv::Mat rgb = data::decodeImageRgb(bytes, "image " + std::to_string(imageId));
        const double scale = double(size) / std::max(rgb.cols, rgb.rows);
        cv::Mat small;
        cv::resize(rgb, small, cv::Size(std::max(1, int(rgb.cols * scale)), std::max(1, int(rgb.rows * scale))), 0,
                   0, cv::INTER_AREA);
        return QImage(small.data, small.cols, small.rows, int(small.step), QImage::Format_RGB888).copy();
    } catch (const std::exception&) {
        QImage empty(size, size, QImage::Format_RGB888);
        empty.fill(Qt::darkGray);
        return empty;
    }
}

TextQueryResult runTextQuery(const eval::RetrievalSession& session, const data::LmdbSplit& split,
                             const QString& text, int shown, int thumbnailSize)
{
    TextQueryResult result;
    result.query = text;
    try {
        const std::string queryText = text.toStdString();
        for (const eval::RetrievalText& candidate : session.texts())
            if (candidate.text == queryText)
                result.gold = candidate.goldImageIds;
        const auto hits = session.queryText(queryText, int(session.imageIds().size()));
        for (const eval::ImageHit& hit : hits) {
            result.ranking.push_back(hit.imageId);
            result.scores.push_back(hit.score);
            const bool isGold = std::find(result.gold.begin(), result.gold.end(), hit.imageId) != result.gold.end();
            if (isGold && result.goldRank == 0)
                result.goldRank = int(result.ranking.size());
        }
        for (int i = 0; i < std::min<int>(shown, int(hits.size())); ++i)
            result.thumbnails.insert(hits[std::size_t(i)].imageId,
                                     splitThumbnail(split, hits[std::size_t(i)].imageId, thumbnailSize));
    } catch (const std::exception& e) {
        result.error = QString::fromStdString(e.what());
    }
    return result;
}

ImageQueryResult runImageQuery(const eval::RetrievalSession& session, std::int64_t imageId)
{
    ImageQueryResult result;
    result.imageId = imageId;
    try {
        for (const eval::RetrievalText& text : session.texts())
            if (std::find(text.goldImageIds.begin(), text.goldImageIds.end(), imageId) != text.goldImageIds.end())
                result.gold.push_back(text.textId);
        for (const eval::TextHit& hit : session.queryImage(imageId, int(session.texts().size()))) {
            result.ranking.push_back(hit.textId);
            result.scores.push_back(hit.score);
            result.texts.insert(hit.textId, QString::fromStdString(hit.text));
            const bool isGold = std::find(result.gold.begin(), result.gold.end(), hit.textId) != result.gold.end();
            if (isGold && result.goldRank == 0)
                result.goldRank = int(result.ranking.size());
        }
    } catch (const std::exception& e) {
        result.error = QString::fromStdString(e.what());
    }
    return result;
}

} // namespace clipwb::ui
