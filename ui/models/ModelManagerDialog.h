#pragma once
// The model manager (File → Pretrained models…): the official Chinese-CLIP
// checkpoints with their architecture, size and source; download one
// (progress, cancel, resumed after an interruption) from Hugging Face,
// ModelScope or a custom endpoint into the per-user model folder, verify it, or
// import a file downloaded otherwise. The same core (core/models, net/) as
// `clipwb-cli models`; the work runs in a BackgroundJob.
#include "common/Progress.h"
#include "models/ModelCatalog.h"

#include <QDialog>

#include <functional>
#include <vector>

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTableWidget;

namespace clipwb::ui {

class BackgroundJob;
class MessageLabel;

class ModelManagerDialog : public QDialog {
    Q_OBJECT
public:
    explicit ModelManagerDialog(QWidget* parent = nullptr);
    ~ModelManagerDialog() override;

    /// The models listed: the official ones unless set (extra entries, as `clipwb-cli models --catalog`).
    void setCatalog(std::vector<models::CatalogModel> catalog);
    QTableWidget* table() const { return m_table; }
    QComboBox* mirrorBox() const { return m_mirror; }
    QLineEdit* endpointEdit() const { return m_endpoint; }
    QLabel* statusLabel() const;
    QProgressBar* progressBar() const { return m_progress; }
    bool isBusy() const;
    /// Selects the row of a model by name.
    void selectModel(const QString& name);
    /// The status column of a model's row ("not downloaded", "downloaded, verified …", "partial: …").
    QString statusOf(const QString& name) const;

public Q_SLOTS:
    void refresh();
    void downloadSelected();
    void verifySelected();
    void importFile(const QString& file);
    /// Stops the running job (a download keeps its partial file: Download resumes it).
    void cancel();

Q_SIGNALS:
    /// A model was downloaded, imported or verified (the lists of downloaded models change).
    void modelsChanged();
    /// The current job ended (ok false for an error or a cancel; message: what happened, one line).
    void jobFinished(bool ok, const QString& message);

private:
    QString selectedName() const;
    QString mirror() const;
    /// Runs job(progress) -> message of success in the background.
    void runJob(const QString& what, std::function<QString(const ProgressCallback&)> job);
    void setBusy(bool busy);

    QTableWidget* m_table = nullptr;
    QComboBox* m_mirror = nullptr;
    QLineEdit* m_endpoint = nullptr;
    QPushButton* m_download = nullptr;
    QPushButton* m_verify = nullptr;
    QPushButton* m_import = nullptr;
    QPushButton* m_cancel = nullptr;
    QProgressBar* m_progress = nullptr;
    MessageLabel* m_status = nullptr;
    QLabel* m_folder = nullptr;
    BackgroundJob* m_job = nullptr;
    std::vector<models::CatalogModel> m_catalog;
};

} // namespace clipwb::ui
