#pragma once
// "Evaluate all checkpoints": retrieval recall of each checkpoint of a run on
// its val_data, with the run's models, in the background. Features are
// extracted and cached per checkpoint by eval::RetrievalSession; the recall is
// cached next to them (recall.json), so a second pass only reads files.
#include <QList>
#include <QObject>
#include <QString>

#include <array>
#include <memory>

namespace clipwb::eval {
struct RetrievalSessionOptions;
}

namespace clipwb::ui {

class BackgroundJob;

struct CheckpointRecall {
    QString checkpoint;
    qint64 step = 0;
    std::array<double, 6> values{}; ///< t2i R@1/5/10, i2t R@1/5/10, percent
    double meanRecall = 0;
    bool cached = false; ///< read from the recall cache, nothing recomputed
};

class CheckpointRecallEvaluator : public QObject {
    Q_OBJECT
public:
    struct Job {
        QString checkpoint;
        qint64 step = 0;
    };

    explicit CheckpointRecallEvaluator(QObject* parent = nullptr);
    ~CheckpointRecallEvaluator() override;

    /// Where features (and recall) are cached; empty: RetrievalSession's default.
    void setCacheRoot(const QString& directory) { m_cacheRoot = directory; }
    /// Starts evaluating jobs with the models and val_data of runConfig (a run's
    /// config.json). False and error when the config names no validation split.
    bool start(const QString& runConfig, const QList<Job>& jobs, QString* error = nullptr);
    void cancel();
    bool isRunning() const { return m_running; }
    const QList<CheckpointRecall>& results() const { return m_results; }

Q_SIGNALS:
    void progress(int done, int total, const QString& checkpoint);
    void evaluated(const clipwb::ui::CheckpointRecall& recall);
    /// error is empty on success, "cancelled" when cancelled.
    void finished(const QString& error);

private:
    /// Evaluates m_jobs[m_next] (one BackgroundJob per checkpoint), then the next.
    void runNext();

    QString m_cacheRoot;
    BackgroundJob* m_job;
    bool m_running = false;
    bool m_cancelRequested = false;
    QList<Job> m_jobs;
    qsizetype m_next = 0;
    std::shared_ptr<const eval::RetrievalSessionOptions> m_base;
    QList<CheckpointRecall> m_results;
};

} // namespace clipwb::ui
