#pragma once
// The run's checkpoints with the validation metrics at their step; resume
// (exactly, with the run's own config), delete, slim export, show in the
// file manager.
#include <QWidget>

#include <memory>

class QAction;
class QLabel;
class QTableWidget;

namespace clipwb::run {
class RunFolder;
}

namespace clipwb::ui {

class CheckpointRecallEvaluator;

class CheckpointsPage : public QWidget {
    Q_OBJECT
public:
    explicit CheckpointsPage(QWidget* parent = nullptr);
    ~CheckpointsPage() override;

    /// Shows the checkpoints of a run folder (the dashboard's run).
    void setRunDir(const QString& dir);
    QString runDir() const;
    /// Reads the folder again (checkpoints and metrics).
    void refresh();

    QTableWidget* table() const { return m_table; }
    /// Paths in the table's order (newest training state first).
    QStringList checkpointPaths() const;
    QString selectedCheckpoint() const;
    void selectCheckpoint(const QString& path);
    /// The newest state to resume from: epoch_latest.pt, else the highest step.
    QString latestCheckpoint() const;

    /// Deletes a checkpoint file (no question asked); false and error on failure.
    bool deleteCheckpoint(const QString& path, QString* error = nullptr);
    /// Writes a copy without the optimizer state; false and error on failure.
    bool exportSlim(const QString& path, const QString& output, QString* error = nullptr);

    /// The checkpoint whose step is nearest to step (ties: the later one); empty when none has a step.
    QString checkpointNearestStep(qint64 step) const;
    /// Retrieval recall of every checkpoint (one per step) on the run's val_data, in the
    /// background (for runs whose validation records carry none). False and error if it cannot start.
    bool evaluateAllCheckpoints(QString* error = nullptr);
    CheckpointRecallEvaluator* recallEvaluator() const { return m_evaluator; }
    QAction* evaluateAllAction() const { return m_evaluateAllAction; }

    QAction* resumeLatestAction() const { return m_resumeLatestAction; }
    QAction* resumeSelectedAction() const { return m_resumeSelectedAction; }
    QAction* browseAction() const { return m_browseAction; }

Q_SIGNALS:
    /// A short note for the status bar (an export written).
    void statusMessage(const QString& text);
    /// Resume training from checkpoint with the run's config (runConfig: its config.json, may not exist).
    void resumeRequested(const QString& checkpoint, const QString& runConfig);
    /// The checkpoint chosen in the table (to browse retrieval with it, for example).
    void checkpointSelected(const QString& checkpoint);
    /// Browse Retrieval: open the selected checkpoint in the retrieval browser.
    void browseRequested(const QString& checkpoint);

private:
    void rebuild();
    void updateButtons();
    void resumeFrom(const QString& path);
    void askDelete();
    void askExportSlim();

    std::unique_ptr<run::RunFolder> m_run;
    QLabel* m_header = nullptr;
    QTableWidget* m_table = nullptr;
    QAction* m_resumeLatestAction = nullptr;
    QAction* m_resumeSelectedAction = nullptr;
    QAction* m_browseAction = nullptr;
    QAction* m_deleteAction = nullptr;
    QAction* m_slimAction = nullptr;
    QAction* m_showAction = nullptr;
    QAction* m_refreshAction = nullptr;
    QAction* m_evaluateAllAction = nullptr;
    CheckpointRecallEvaluator* m_evaluator = nullptr;
    QLabel* m_evaluationLabel = nullptr;
};

} // namespace clipwb::ui
