#include "ui/dataset/ThumbnailCache.h"

#include "common/Error.h"
#include "data/ImageDecoder.h"
#include "data/ImageHeader.h"
#include "data/LmdbSplit.h"

#include <QImage>
#include <QPointer>
#include <QRunnable>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <atomic>
#include <deque>
#include <mutex>
#include <unordered_set>

namespace clipwb::ui {

/// What the GUI thread and the decoding workers share. Workers hold it by
/// shared_ptr so that a worker finishing late never touches a dead cache.
struct ThumbnailCache::Queue {
    std::mutex mutex;
    std::deque<qint64> waiting;              // front = newest request
    std::unordered_set<qint64> waitingOrBusy; // queued or being decoded now
    std::shared_ptr<const data::LmdbSplit> split;
    quint64 generation = 0; // bumped whenever split or edge change
    int edge = 128;
    int workers = 0;
    std::atomic<bool> stopping{false};
};

namespace {

QImage decodeThumbnail(const data::LmdbSplit& split, qint64 imageId, int edge)
{
    const std::string bytes = split.imageBytes(imageId);
    cv::Mat rgb;
    // libjpeg can decode a big JPEG at 1/2, 1/4 or 1/8 scale for a fraction of the work; a
    // thumbnail needs no more. Anything else goes through the full decoder.
    const auto header = data::readImageHeader(bytes);
    if (header && header->format == "JPEG") {
        const int side = std::max(header->width, header->height);
        const int reduction = side >= 8 * edge ? 8 : side >= 4 * edge ? 4 : side >= 2 * edge ? 2 : 1;
        if (reduction > 1) {
            const int flag = reduction == 8 ? cv::IMREAD_REDUCED_COLOR_8
                             : reduction == 4 ? cv::IMREAD_REDUCED_COLOR_4
                                              : cv::IMREAD_REDUCED_COLOR_2;
            const cv::Mat encoded(1, int(bytes.size()), CV_8UC1, const_cast<char*>(bytes.data()));
            const cv::Mat bgr = cv::imdecode(encoded, flag);
            if (!bgr.empty() && bgr.channels() == 3)
                cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
        }
    }
    if (rgb.empty())
        rgb = data::decodeImageRgb(bytes, "image " + std::to_string(imageId));
    CLIPWB_CHECK(!rgb.empty() && rgb.cols > 0 && rgb.rows > 0, "image ", imageId, " is empty");
    const double scale = std::min(1.0, double(edge) / std::max(rgb.cols, rgb.rows));
    cv::Mat small = rgb;
    if (scale < 1.0) {
        const cv::Size size(std::max(1, int(rgb.cols * scale + 0.5)), std::max(1, int(rgb.rows * scale + 0.5)));
        cv::resize(rgb, small, size, 0, 0, cv::INTER_AREA);
    }
    if (!small.isContinuous())
        small = small.clone();
    return QImage(small.data, small.cols, small.rows, int(small.step), QImage::Format_RGB888).copy();
}

} // namespace

ThumbnailCache::ThumbnailCache(QObject* parent) : QObject(parent), m_queue(std::make_shared<Queue>())
{
    m_pool.setMaxThreadCount(std::max(1, QThread::idealThreadCount() - 1));
    setCacheLimitBytes(qint64(96) << 20);
}

ThumbnailCache::~ThumbnailCache()
{
    m_queue->stopping = true;
    {
        std::lock_guard lock(m_queue->mutex);
        m_queue->waiting.clear();
    }
    m_pool.waitForDone();
}

void ThumbnailCache::setSplit(std::shared_ptr<const data::LmdbSplit> split)
{
    {
        std::lock_guard lock(m_queue->mutex);
        m_queue->split = std::move(split);
        ++m_queue->generation;
        m_queue->waiting.clear();
        m_queue->waitingOrBusy.clear();
    }
    m_cache.clear();
    m_failures.clear();
    m_decoded = 0;
    m_dropped = 0;
}

void ThumbnailCache::setThumbnailSize(int edge)
{
    edge = std::max(16, edge);
    if (edge == m_edge)
        return;
    m_edge = edge;
    {
        std::lock_guard lock(m_queue->mutex);
        m_queue->edge = edge;
        ++m_queue->generation;
        m_queue->waiting.clear();
        m_queue->waitingOrBusy.clear();
    }
    m_cache.clear();
}

void ThumbnailCache::setCacheLimitBytes(qint64 bytes)
{
    // QCache counts cost in ints: kibibytes keep big limits in range.
    m_cache.setMaxCost(std::max<qint64>(1, bytes >> 10));
}

void ThumbnailCache::setMaxThreads(int threads)
{
    m_pool.setMaxThreadCount(std::max(1, threads));
}

QPixmap ThumbnailCache::thumbnail(qint64 imageId)
{
    if (const QPixmap* cached = m_cache.object(imageId))
        return *cached;
    if (m_failures.contains(imageId))
        return {};
    {
        std::lock_guard lock(m_queue->mutex);
        if (!m_queue->split)
            return {};
        if (m_queue->waitingOrBusy.insert(imageId).second) {
            m_queue->waiting.push_front(imageId);
        } else {
            // Asked again while queued: it is on screen now, so serve it next.
            auto it = std::find(m_queue->waiting.begin(), m_queue->waiting.end(), imageId);
            if (it != m_queue->waiting.end() && it != m_queue->waiting.begin()) {
                m_queue->waiting.erase(it);
                m_queue->waiting.push_front(imageId);
            }
        }
    }
    startWorkers();
    return {};
}

void ThumbnailCache::retainOnly(const QSet<qint64>& wanted)
{
    std::lock_guard lock(m_queue->mutex);
    auto& waiting = m_queue->waiting;
    for (auto it = waiting.begin(); it != waiting.end();) {
        if (wanted.contains(*it)) {
            ++it;
        } else {
            m_queue->waitingOrBusy.erase(*it);
            it = waiting.erase(it);
            ++m_dropped;
        }
    }
}

int ThumbnailCache::queuedCount() const
{
    std::lock_guard lock(m_queue->mutex);
    return int(m_queue->waiting.size());
}

void ThumbnailCache::waitForIdle()
{
    m_pool.waitForDone();
}

void ThumbnailCache::startWorkers()
{
    std::shared_ptr<Queue> queue = m_queue;
    QPointer<ThumbnailCache> self(this);
    std::lock_guard lock(queue->mutex);
    const int wantedWorkers = std::min<int>(m_pool.maxThreadCount(), int(queue->waiting.size()));
    while (queue->workers < wantedWorkers) {
        ++queue->workers;
        m_pool.start([queue, self] {
            for (;;) {
                qint64 imageId = 0;
                quint64 generation = 0;
                int edge = 0;
                std::shared_ptr<const data::LmdbSplit> split;
                {
                    std::lock_guard lock(queue->mutex);
                    if (queue->stopping || queue->waiting.empty()) {
                        --queue->workers;
                        return;
                    }
                    imageId = queue->waiting.front();
                    queue->waiting.pop_front();
                    generation = queue->generation;
                    edge = queue->edge;
                    split = queue->split;
                }
                QImage image;
                QString error;
                try {
                    image = decodeThumbnail(*split, imageId, edge);
                } catch (const std::exception& e) {
                    error = QString::fromStdString(e.what());
                }
                // The pool is joined before the cache dies, so self is alive here; the
                // queued call is dropped by Qt if the cache is deleted before it runs.
                QMetaObject::invokeMethod(
                    self.data(),
                    [self, generation, imageId, image, error] {
                        if (self)
                            self->deliver(generation, imageId, image, error);
                    },
                    Qt::QueuedConnection);
            }
        });
    }
}

void ThumbnailCache::deliver(quint64 generation, qint64 imageId, const QImage& image, const QString& error)
{
    {
        std::lock_guard lock(m_queue->mutex);
        if (generation != m_queue->generation)
            return;
        m_queue->waitingOrBusy.erase(imageId);
    }
    if (!error.isEmpty() || image.isNull()) {
        m_failures.insert(imageId, error.isEmpty() ? tr("image %1 did not decode").arg(imageId) : error);
        Q_EMIT thumbnailFailed(imageId, m_failures.value(imageId));
        return;
    }
    ++m_decoded;
    auto* pixmap = new QPixmap(QPixmap::fromImage(image));
    const qint64 cost = std::max<qint64>(1, qint64(pixmap->width()) * pixmap->height() * 4 >> 10);
    m_cache.insert(imageId, pixmap, cost);
    Q_EMIT thumbnailReady(imageId);
}

} // namespace clipwb::ui
