#pragma once
// The Retrieval browser: one checkpoint on one LMDB split. Features are
// extracted in a worker thread (eval::RetrievalSession), then text queries,
// image queries and the recall table run on the cached features.
#include <QString>
#include <QWidget>

#include <memory>

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QListWidgetItem;
class QProgressBar;
class QPushButton;
class QTabWidget;
class QTableWidget;

namespace clipwb::eval {
class RetrievalSession;
struct RetrievalEvaluation;
} // namespace clipwb::eval
namespace clipwb::data {
class LmdbSplit;
}

namespace clipwb::ui {

struct TextQueryResult;
struct ImageQueryResult;
class BackgroundJob;
class RetrievalCompareView;

class RetrievalPage : public QWidget {
    Q_OBJECT
public:
    explicit RetrievalPage(QWidget* parent = nullptr);
    ~RetrievalPage() override;

    /// Where extracted features are cached; empty: RetrievalSession's default.
    void setCacheRoot(const QString& directory);
    void setSplit(const QString& splitDir);
    void setModels(const QString& visionModel, const QString& textModel);
    bool isReady() const { return m_ready; }
    /// The checkpoint chosen (empty: none yet).
    QString checkpoint() const;
    bool isExtracting() const;
    /// A text or image query is being answered in the background.
    bool isQuerying() const;

    QLineEdit* queryEdit() const { return m_queryEdit; }
    QListWidget* imageResults() const { return m_imageResults; }
    QListWidget* textResults() const { return m_textResults; }
    QTableWidget* recallTable() const { return m_recallTable; }
    QListWidget* failedQueries() const { return m_failedQueries; }
    QLabel* goldLabel() const { return m_goldLabel; }
    QLabel* statusLabel() const { return m_statusLabel; }
    /// The A/B tab: B follows openCheckpoint(), models and split follow this page's settings.
    RetrievalCompareView* compareView() const { return m_compareView; }
    void showComparison(bool show);
    /// The split's texts (valid after extraction), for tests and the screenshot.
    QStringList splitTexts() const;

public Q_SLOTS:
    /// Selects a checkpoint; models and split default from the run's config.json next to it.
    void openCheckpoint(const QString& path);
    void startExtraction();
    void cancelExtraction();
    void runTextQuery();
    void showImageTexts(QListWidgetItem* item);

Q_SIGNALS:
    void ready();
    void failed(const QString& message);
    /// The newest text query's results are shown (older ones are dropped unseen).
    void queryFinished();
    /// The clicked image's closest texts are shown.
    void imageTextsFinished();

private:
    /// error: empty on success.
    void onExtractionFinished(const QString& error);
    void fillEvaluation();
    /// Reads the checkpoint's summary in the background and says what it is, or what is wrong.
    void checkCheckpoint(const QString& path);
    void showTextQueryResult(const TextQueryResult& result);
    void showImageQueryResult(const ImageQueryResult& result);
    QString configuredModel(const QString& value) const;

    QLineEdit* m_checkpointEdit = nullptr;
    QComboBox* m_visionCombo = nullptr;
    QComboBox* m_textCombo = nullptr;
    QLineEdit* m_splitEdit = nullptr;
    QPushButton* m_extractButton = nullptr;
    QPushButton* m_cancelButton = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_statusLabel = nullptr;
    QLineEdit* m_queryEdit = nullptr;
    QLabel* m_goldLabel = nullptr;
    QListWidget* m_imageResults = nullptr;
    QListWidget* m_textResults = nullptr;
    QTableWidget* m_recallTable = nullptr;
    QListWidget* m_failedQueries = nullptr;
    QTabWidget* m_tabs = nullptr;
    RetrievalCompareView* m_compareView = nullptr;

    QString m_cacheRoot;
    bool m_ready = false;
    std::shared_ptr<eval::RetrievalSession> m_session;
    std::shared_ptr<eval::RetrievalEvaluation> m_evaluation;
    std::shared_ptr<data::LmdbSplit> m_split;
    BackgroundJob* m_checkJob = nullptr; ///< reads the chosen checkpoint's summary
    BackgroundJob* m_extractionJob = nullptr;
    BackgroundJob* m_textQueryJob = nullptr;  ///< latest wins: typing fast never shows a stale result
    BackgroundJob* m_imageQueryJob = nullptr;
};

} // namespace clipwb::ui
