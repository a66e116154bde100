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

/// Progress of one model's evaluate() as a share of the whole job: loading the model is
/// quick next to encoding the images, the prompts come last.
double jobFraction(std::size_t model, std::size_t models, zeroshot::ZeroShotStage stage, std::int64_t done,
                   std::int64_t total)
{
    const double part = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 0.0;
    double within = 0;
    switch (stage) {
    case zeroshot::ZeroShotStage::LoadingModel:
        within = 0.1 * part;
        break;
    case zeroshot::ZeroShotStage::Images:
        within = 0.1 + 0.7 * part;
        break;
    case zeroshot::ZeroShotStage::Prompts:
        within = 0.8 + 0.2 * part;
        break;
    }
    return (static_cast<double>(model) + within) / static_cast<double>(models);
}

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
            bool stopAsked = false;
            Progress last;
            const auto report = [&](zeroshot::ZeroShotStage stage, std::int64_t done, std::int64_t total) {
                last.stage = (which + (stage == zeroshot::ZeroShotStage::LoadingModel ? loading
                                       : stage == zeroshot::ZeroShotStage::Images     ? images
                                                                                      : prompts))
                                 .toStdString();
                last.done = done;
                last.total = total;
                last.fraction = jobFraction(m, sessions.size(), stage, done, total);
                stopAsked = stopAsked || !progress(last);
            };
            // the session asks between batches; a stop asked since the last report counts too
            const auto cancel = [&] { return stopAsked || !progress(last); };
            result->scores.push_back(
                sessions[m]->evaluate(*result->folder, names, templates, report, cancel));
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
