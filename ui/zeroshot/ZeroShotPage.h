#pragma once
// The Zero-shot page: classify an image folder (ELEVATER layout: one sub-folder
// per class, label_cn.txt beside it) with one checkpoint, or two side by side
// (a fine-tuned one against the pretrained one), as upstream's
// zeroshot_evaluation.py does, and show what upstream does not: top-5,
// per-class accuracy, the confusion matrix, the misclassified images with their
// top-5 labels. The labels and prompt templates are editable; running again
// reuses the features cached per checkpoint (ZeroShotRunner), in the background
// with progress and cancel.
#include <QString>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QListWidget;
class QTableWidget;

namespace clipwb::ui {

class MessageLabel;
class ModelPathBox;
class ZeroShotResultView;
class ZeroShotRunner;

class ZeroShotPage : public QWidget {
    Q_OBJECT
public:
    explicit ZeroShotPage(QWidget* parent = nullptr);
    ~ZeroShotPage() override;

    /// An image folder (class sub-folders); fills the labels from label_cn.txt beside it (or in it).
    void setDataset(const QString& folder);
    QString dataset() const;
    /// Checkpoint A (B: the comparison, empty for none): a path or a downloaded model's name.
    void setCheckpoint(const QString& checkpoint);
    void setCompareCheckpoint(const QString& checkpoint);
    /// The prompt template set by upstream's --dataset name (unknown names: "openai").
    void setTemplateSet(const QString& datasetName);

    bool isRunning() const;
    ZeroShotRunner* runner() const { return m_runner; }
    ZeroShotResultView* resultView() const { return m_results; }
    ModelPathBox* checkpointBox() const { return m_checkpointA; }
    ModelPathBox* compareBox() const { return m_checkpointB; }
    QPlainTextEdit* labelsEdit() const { return m_labels; }
    QPlainTextEdit* templatesEdit() const { return m_templates; }
    QLabel* statusLabel() const;
    QPushButton* runButton() const { return m_runButton; }
    QProgressBar* progressBar() const { return m_progress; }
    // the result view's parts
    QLabel* summaryLabel() const;
    QTableWidget* perClassTable() const;
    QTableWidget* confusionTable() const;
    QListWidget* misclassifiedList() const;

public Q_SLOTS:
    void run();
    void cancel();
    /// Offers the downloaded models by name in the checkpoint boxes (called when they change).
    void refreshDownloadedModels();

Q_SIGNALS:
    void finished();
    void failed(const QString& message);

private:
    void onFinished();
    void setRunning(bool running);

    QLineEdit* m_datasetEdit = nullptr;
    ModelPathBox* m_checkpointA = nullptr;
    ModelPathBox* m_checkpointB = nullptr;
    QComboBox* m_templateSet = nullptr;
    QComboBox* m_device = nullptr;
    QPushButton* m_runButton = nullptr;
    QPushButton* m_cancelButton = nullptr;
    QProgressBar* m_progress = nullptr;
    MessageLabel* m_status = nullptr;
    QPlainTextEdit* m_labels = nullptr;
    QPlainTextEdit* m_templates = nullptr;
    ZeroShotResultView* m_results = nullptr;
    ZeroShotRunner* m_runner = nullptr;
    QStringList m_runNames;  ///< the class names of the running job
    QStringList m_runModels; ///< "A: name", "B: name"
};

} // namespace clipwb::ui
