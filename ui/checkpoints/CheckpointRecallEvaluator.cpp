#include "ui/checkpoints/CheckpointRecallEvaluator.h"

#include "common/AtomicFile.h"
#include "eval/RetrievalSession.h"
#include "ui/common/BackgroundJob.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>

#include <nlohmann/json.hpp>

namespace clipwb::ui {
namespace {

constexpr const char* kRecallFile = "recall.json";

/// A model named in a run config: a shipped name, or a JSON path relative to the config.
QString resolveModel(const QString& value, const QDir& configDir)
{
    if (!value.endsWith(QLatin1String(".json")))
        return value;
    return QDir::cleanPath(configDir.absoluteFilePath(value));
}

bool readCachedRecall(const std::filesystem::path& file, CheckpointRecall& recall)
{
    try {
        if (!std::filesystem::exists(file))
            return false;
        const auto json = nlohmann::json::parse(readFile(file));
        const auto values = json.at("values");
        if (values.size() != 6)
            return false;
        for (size_t i = 0; i < 6; ++i)
            recall.values[i] = values[i].get<double>();
        recall.meanRecall = json.at("mean_recall").get<double>();
        return true;
    } catch (const std::exception&) {
        return false; // a damaged cache entry is recomputed
    }
}

} // namespace

CheckpointRecallEvaluator::CheckpointRecallEvaluator(QObject* parent) : QObject(parent), m_job(new BackgroundJob(this))
{
    qRegisterMetaType<clipwb::ui::CheckpointRecall>();
    connect(m_job, &BackgroundJob::stopped, this, [this] {
        m_running = false;
        Q_EMIT finished(QStringLiteral("cancelled"));
    });
}

CheckpointRecallEvaluator::~CheckpointRecallEvaluator() = default;

void CheckpointRecallEvaluator::cancel()
{
    if (!m_running)
        return;
    m_cancelRequested = true;
    m_job->stop(); // stopped() ends the pass; a checkpoint that finished meanwhile ends it in runNext()
}

bool CheckpointRecallEvaluator::start(const QString& runConfig, const QList<Job>& jobs, QString* error)
{
    if (m_running) {
        if (error)
            *error = tr("An evaluation is already running.");
        return false;
    }
    QFile file(runConfig);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error)
            *error = tr("Cannot read %1: the run's config names the models and the validation split.").arg(runConfig);
        return false;
    }
    const QJsonObject config = QJsonDocument::fromJson(file.readAll()).object();
    const QDir configDir = QFileInfo(runConfig).absoluteDir();
    const QString valData = config.value(QLatin1String("val_data")).toString();
    if (valData.isEmpty()) {
        if (error)
            *error = tr("%1 has no val_data: there is no split to evaluate on.").arg(runConfig);
        return false;
    }
    eval::RetrievalSessionOptions base;
    base.split = QDir::cleanPath(configDir.absoluteFilePath(valData)).toStdString();
    base.visionModel =
        resolveModel(config.value(QLatin1String("vision_model")).toString(QStringLiteral("ViT-B-16")), configDir)
            .toStdString();
    base.textModel = resolveModel(config.value(QLatin1String("text_model"))
                                      .toString(QStringLiteral("RoBERTa-wwm-ext-base-chinese")),
                                  configDir)
                         .toStdString();
    if (config.contains(QLatin1String("context_length")))
        base.contextLength = config.value(QLatin1String("context_length")).toInt(52);
    if (!m_cacheRoot.isEmpty())
        base.cacheRoot = m_cacheRoot.toStdString();

    m_running = true;
    m_cancelRequested = false;
    m_results.clear();
    m_jobs = jobs;
    m_next = 0;
    m_base = std::make_shared<const eval::RetrievalSessionOptions>(std::move(base));
    runNext();
    return true;
}

void CheckpointRecallEvaluator::runNext()
{
    if (m_cancelRequested || m_next >= m_jobs.size()) {
        m_running = false;
        Q_EMIT finished(m_cancelRequested ? QStringLiteral("cancelled") : QString());
        return;
    }
    const Job job = m_jobs[m_next];
    Q_EMIT progress(int(m_next), int(m_jobs.size()), job.checkpoint);
    const std::shared_ptr<const eval::RetrievalSessionOptions> base = m_base;
    m_job->run(
        [job, base](const ProgressCallback& progress) {
            CheckpointRecall recall;
            recall.checkpoint = job.checkpoint;
            recall.step = job.step;
            eval::RetrievalSessionOptions options = *base;
            options.checkpoint = job.checkpoint.toStdString();
            eval::RetrievalSession session(options);
            const std::filesystem::path cacheFile = session.cacheDirectory() / kRecallFile;
            recall.cached = readCachedRecall(cacheFile, recall);
            if (!recall.cached) {
                session.prepare(progress);
                const eval::RetrievalEvaluation e = session.evaluate();
                recall.values = {e.textToImage.r1, e.textToImage.r5, e.textToImage.r10,
                                 e.imageToText.r1, e.imageToText.r5, e.imageToText.r10};
                recall.meanRecall = e.meanRecall;
                nlohmann::json json;
                json["values"] = recall.values;
                json["mean_recall"] = recall.meanRecall;
                json["keys"] = {"t2i_r1", "t2i_r5", "t2i_r10", "i2t_r1", "i2t_r5", "i2t_r10"};
                writeFileAtomic(cacheFile, json.dump(2) + "\n");
            }
            return recall;
        },
        [this](const CheckpointRecall& recall) {
            m_results << recall;
            Q_EMIT evaluated(recall);
            ++m_next;
            runNext();
        },
        [this, checkpoint = job.checkpoint](const QString& message) {
            m_running = false;
            Q_EMIT finished(QStringLiteral("%1: %2").arg(checkpoint, message));
        });
}

} // namespace clipwb::ui
