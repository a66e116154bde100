#pragma once
// Runs zero-shot classification for the Zero-shot page off the GUI thread
// (through BackgroundJob): one or two checkpoints (A, and B to compare) on one
// image folder. Sessions (the loaded model, its image features, its
// classifiers) are cached per checkpoint, so editing labels or templates and
// running again only re-encodes the prompts, and switching between checkpoints
// already seen encodes nothing. Image features are also kept on disk per
// checkpoint (core/zeroshot/FeatureCacheFile), so a later session (or a
// restart) encodes no folder twice for the same checkpoint.
#include "common/Progress.h"
#include "zeroshot/ImageFolder.h"
#include "zeroshot/ZeroShotScores.h"
#include "zeroshot/ZeroShotSession.h"

#include <QImage>
#include <QObject>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace clipwb::ui {

class BackgroundJob;

struct ZeroShotJob {
    QString datasetFolder;
    QStringList classNames;
    QStringList templates;
    std::vector<zeroshot::ZeroShotModel> models; ///< A, then optionally B
};

struct ZeroShotRunResult {
    std::optional<zeroshot::ImageFolder> folder;
    std::vector<zeroshot::ZeroShotScores> scores; ///< one per model of the job
    /// Thumbnails (at most 96 px; null when undecodable) of the images some model got wrong, by image index.
    std::map<std::int64_t, QImage> thumbnails;
    /// Per model: true when its image features came from a cache (memory or disk: nothing encoded).
    std::vector<bool> imagesFromCache;
    double seconds = 0;
};

class ZeroShotRunner : public QObject {
    Q_OBJECT
public:
    explicit ZeroShotRunner(QObject* parent = nullptr);
    ~ZeroShotRunner() override;

    /// True from start() until finished(), failed() or stopped().
    bool isRunning() const;
    /// Starts job; false (and nothing happens) while another one runs.
    bool start(const ZeroShotJob& job);
    /// Asks the job to stop; stopped() follows once it has (or finished(), when it ended first).
    void stop();
    /// The last finished job's result (null before the first).
    std::shared_ptr<const ZeroShotRunResult> result() const { return m_result; }
    /// Checkpoint sessions held (each with its cached features).
    int cachedSessions() const { return static_cast<int>(m_sessions.size()); }
    /// Where image features are kept on disk (default: defaultFeatureCacheFolder(); empty: nowhere).
    void setFeatureCacheFolder(const QString& folder);
    QString featureCacheFolder() const { return m_cacheFolder; }

Q_SIGNALS:
    void progress(const clipwb::Progress& report);
    void finished();
    void failed(const QString& message);
    void stopped();

private:
    /// A session serialises its calls: a stopped job still ending and the next one take turns.
    std::shared_ptr<zeroshot::ZeroShotSession> sessionFor(const zeroshot::ZeroShotModel& model);

    BackgroundJob* m_job = nullptr;
    std::map<QString, std::shared_ptr<zeroshot::ZeroShotSession>> m_sessions;
    std::shared_ptr<const ZeroShotRunResult> m_result;
    QString m_cacheFolder;
};

} // namespace clipwb::ui
