#include "ui/zeroshot/ZeroShotRunner.h"

#include "ui/common/BackgroundJob.h"
#include "zeroshot/FeatureCacheFile.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFileInfo>

#include <set>

namespace clipwb::ui {

namespace {

constexpr std::size_t kMaxThumbnails = 400;

} // namespace

ZeroShotRunner::ZeroShotRunner(QObject* parent)
    : QObject(parent), m_job(new BackgroundJob(this)),
      m_cacheFolder(QString::fromStdString(zeroshot::defaultFeatureCacheFolder().string()))
{
    connect(m_job, &BackgroundJob::progress, this, &ZeroShotRunner::progress);
    connect(m_job, &BackgroundJob::stopped, this, &ZeroShotRunner::stopped);
}

ZeroShotRunner::~ZeroShotRunner() = default;

bool ZeroShotRunner::isRunning() const
{
    return m_job->isRunning();
}

void ZeroShotRunner::stop()
{
    m_job->stop();
}

void ZeroShotRunner::setFeatureCacheFolder(const QString& folder)
{
    m_cacheFolder = folder;
    m_sessions.clear(); // sessions hold the folder they were made with
}

std::shared_ptr<zeroshot::ZeroShotSession> ZeroShotRunner::sessionFor(const zeroshot::ZeroShotModel& given)
{
    zeroshot::ZeroShotModel model = given;
    model.featureCache = m_cacheFolder.toStdString();
    // A rewritten checkpoint (same path, a later training step) must not reuse old features.
    const QFileInfo file(QString::fromStdString(model.checkpoint));
    const QString key = QStringList{file.absoluteFilePath(),
                                    QString::number(file.size()),
                                    QString::number(file.lastModified().toMSecsSinceEpoch()),
                                    QString::fromStdString(model.visionModel),
                                    QString::fromStdString(model.textModel),
                                    QString::fromStdString(model.precision),
                                    QString::fromStdString(model.device),
                                    QString::number(model.contextLength)}
                            .join(QLatin1Char('|'));
    auto found = m_sessions.find(key);
    if (found == m_sessions.end()) {
        if (m_sessions.size() >= 4) // each holds a model: keep memory bounded
            m_sessions.clear();
        found = m_sessions.emplace(key, std::make_shared<zeroshot::ZeroShotSession>(model)).first;
    }
    return found->second;
}

bool ZeroShotRunner::start(const ZeroShotJob& job)
{
    if (isRunning())
        return false;
    std::vector<std::shared_ptr<zeroshot::ZeroShotSession>> sessions;
    for (const auto& model : job.models)
        sessions.push_back(sessionFor(model));
    const QString loading = tr("loading model"), images = tr("images"), prompts = tr("class prompts");

    auto work = [job, sessions, loading, images, prompts](const ProgressCallback& progress) {
        auto result = std::make_shared<ZeroShotRunResult>();
        QElapsedTimer clock;
        clock.start();
        result->folder = zeroshot::ImageFolder::scan(job.datasetFolder.toStdString());
        std::vector<std::string> names, templates;
        for (const QString& name : job.classNames)
            names.push_back(name.toStdString());
        for (const QString& pattern : job.templates)
            templates.push_back(pattern.toStdString());
        for (std::size_t m = 0; m < sessions.size(); ++m) {
            const QString which =
                sessions.size() > 1 ? (m == 0 ? QStringLiteral("A: ") : QStringLiteral("B: ")) : QString();
            // the session's stages ("model", "images", "prompts") in words, its share of the job
            const auto report = [&](const Progress& part) {
                Progress job = part;
                job.stage = (which + (part.stage == "model"    ? loading
                                      : part.stage == "images" ? images
                                                               : prompts))
                                .toStdString();
                job.fraction =
                    (static_cast<double>(m) + part.fraction) / static_cast<double>(sessions.size());
                return progress(job);
            };
            result->scores.push_back(sessions[m]->evaluate(*result->folder, names, templates, report));
            result->imagesFromCache.push_back(sessions[m]->lastImagesCached());
        }
        // thumbnails of the images some model misclassified, decoded here, not on the GUI thread
        std::set<std::int64_t> wrong;
        for (const auto& scores : result->scores)
            for (std::int64_t i = 0; i < scores.images() && wrong.size() < kMaxThumbnails; ++i)
                if (scores.predicted(i) != scores.targets()[static_cast<std::size_t>(i)])
                    wrong.insert(i);
        for (std::int64_t i : wrong) {
            const QImage image(
                QString::fromStdString(result->folder->samples()[static_cast<std::size_t>(i)].path.string()));
            result->thumbnails[i] = // an image Qt cannot decode is listed without a picture
                image.isNull() ? QImage()
                               : image.scaled(96, 96, Qt::KeepAspectRatio, Qt::SmoothTransformation);
        }
        result->seconds = static_cast<double>(clock.elapsed()) / 1000.0;
        return std::shared_ptr<const ZeroShotRunResult>(result);
    };
    m_job->run(
        work,
        [this](std::shared_ptr<const ZeroShotRunResult> result) {
            m_result = std::move(result);
            Q_EMIT finished();
        },
        [this](const QString& message) { Q_EMIT failed(message); });
    return true;
}

} // namespace clipwb::ui
