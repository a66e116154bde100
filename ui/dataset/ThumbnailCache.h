#pragma once
// Thumbnails of one LMDB split, decoded lazily in a thread pool and kept in a
// least-recently-used cache. Requests are served newest first, and requests for
// images that scrolled out of view are dropped (retainOnly), so that flinging
// through a big split never builds a backlog of decodes nobody will see.
// Many small prioritised requests with a cache in front, so it keeps a pool of
// its own rather than one ui/common/BackgroundJob per job.
#include <QCache>
#include <QHash>
#include <QObject>
#include <QPixmap>
#include <QSet>
#include <QThreadPool>

#include <memory>

namespace clipwb::data {
class LmdbSplit;
}

namespace clipwb::ui {

class ThumbnailCache : public QObject {
    Q_OBJECT
public:
    explicit ThumbnailCache(QObject* parent = nullptr);
    ~ThumbnailCache() override;

    /// Serves thumbnails of split from now on (nullptr: none); forgets everything cached or queued.
    void setSplit(std::shared_ptr<const data::LmdbSplit> split);
    /// Longest edge of a thumbnail in pixels (default 128); forgets what is cached.
    void setThumbnailSize(int edge);
    int thumbnailSize() const { return m_edge; }
    /// Upper bound of the memory the cached thumbnails take (default 96 MiB).
    void setCacheLimitBytes(qint64 bytes);
    void setMaxThreads(int threads);

    /// The cached thumbnail; a null pixmap after queueing its decode when it is not cached.
    QPixmap thumbnail(qint64 imageId);
    bool contains(qint64 imageId) const { return m_cache.contains(imageId); }
    /// Why the image could not be decoded, or an empty string.
    QString failure(qint64 imageId) const { return m_failures.value(imageId); }
    /// Forgets queued requests for images outside wanted (decodes already running finish).
    void retainOnly(const QSet<qint64>& wanted);

    int queuedCount() const;
    /// Thumbnails decoded since the split was set, and queued requests dropped by retainOnly.
    qint64 decodedCount() const { return m_decoded; }
    qint64 droppedCount() const { return m_dropped; }
    /// Blocks until no decode is queued or running (tests only: it waits on the calling thread).
    void waitForIdle();

Q_SIGNALS:
    void thumbnailReady(qint64 imageId);
    void thumbnailFailed(qint64 imageId, const QString& message);

private:
    struct Queue;
    void startWorkers();
    void deliver(quint64 generation, qint64 imageId, const QImage& image, const QString& error);

    std::shared_ptr<Queue> m_queue;
    QThreadPool m_pool;
    QCache<qint64, QPixmap> m_cache;
    QHash<qint64, QString> m_failures;
    int m_edge = 128;
    qint64 m_decoded = 0;
    qint64 m_dropped = 0;
};

} // namespace clipwb::ui
