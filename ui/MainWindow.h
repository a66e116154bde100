#pragma once
// The workbench window: a navigation list on the left and one page per part
// of the workflow (Configuration, Dataset, Training, Checkpoints, Retrieval,
// Zero-shot), and the pretrained-model manager (File → Pretrained models…).
#include <QMainWindow>

class QListWidget;
class QMenu;
class QStackedWidget;

namespace clipwb::ui {

class ConfigPage;
class DatasetPage;
class TrainingPage;
class CheckpointsPage;
class RetrievalCompareView;
class RetrievalPage;
class ZeroShotPage;
class ModelManagerDialog;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    /// Page names as used by --page: configuration, dataset, training, checkpoints, retrieval, zeroshot.
    static QStringList pageNames();
    /// Shows the named page; false when there is no such page.
    bool showPage(const QString& name);
    QString currentPageName() const;

    ConfigPage* configPage() const { return m_configPage; }
    TrainingPage* trainingPage() const { return m_trainingPage; }
    CheckpointsPage* checkpointsPage() const { return m_checkpointsPage; }
    RetrievalPage* retrievalPage() const { return m_retrievalPage; }
    ZeroShotPage* zeroShotPage() const { return m_zeroShotPage; }
    /// The model manager (made on first use).
    ModelManagerDialog* modelManager();
    RetrievalCompareView* retrievalCompareView() const;

    /// What the command line opens (clipwb --dataset, --run, --checkpoint [--compare]).
    void openDataset(const QString& path);
    /// False and error when dir is no run folder.
    bool openRun(const QString& dir, QString* error);
    /// The checkpoint on the Retrieval page; with compareWith, in the A/B view against it.
    void openCheckpoint(const QString& checkpoint, const QString& compareWith = QString());
    /// Extracts the features of what openCheckpoint() opened (both sides when comparison).
    void extractRetrievalFeatures(bool comparison);

public Q_SLOTS:
    /// File → Pretrained models… (also the "Models" buttons beside checkpoint fields).
    void showModelManager();
    /// Training > Start: trains what the Configuration page shows, on the dashboard.
    void startTraining();
    /// Opens the Retrieval browser on the run's checkpoint nearest to step and extracts its features.
    void browseCheckpointAtStep(qint64 step);
    /// Continues a run: its own config (runConfig, when it exists) on the
    /// Configuration page with checkpoint as resume, then Start.
    void resumeTraining(const QString& checkpoint, const QString& runConfig);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void createMenus();
    /// Puts the dashboard run's latest checkpoint on the Retrieval page unless the user chose one.
    void offerLatestCheckpoint();
    QMenu* createLanguageMenu();
    /// Asks about unsaved configuration changes: false cancels the close.
    bool confirmConfigClose();
    void restoreLayout();
    void saveLayout();

    QListWidget* m_navigation = nullptr;
    QStackedWidget* m_pages = nullptr;
    ConfigPage* m_configPage = nullptr;
    DatasetPage* m_datasetPage = nullptr;
    TrainingPage* m_trainingPage = nullptr;
    CheckpointsPage* m_checkpointsPage = nullptr;
    RetrievalPage* m_retrievalPage = nullptr;
    ZeroShotPage* m_zeroShotPage = nullptr;
    ModelManagerDialog* m_modelManager = nullptr;
    QString m_offeredCheckpoint; ///< what offerLatestCheckpoint() put on the Retrieval page
};

} // namespace clipwb::ui
