#pragma once
// A/B retrieval: the same query on two checkpoints side by side (A: the
// baseline, B: the compared one) over one split. Text to image and image to
// text; B's results show how far each moved since A (up/down by N, new in the
// top k), A's show what dropped out of B's top k; the ground truth is marked
// on both sides. Features of each checkpoint are extracted in the background
// and cached (eval::RetrievalSession); queries run on the thread pool, the
// newest query wins.
#include <QString>
#include <QWidget>

#include <memory>

class QLabel;
class QLineEdit;
class QListWidget;
class QListWidgetItem;
class QProgressBar;
class QPushButton;

namespace clipwb::eval {
class RetrievalSession;
}
namespace clipwb::data {
class LmdbSplit;
}

namespace clipwb::ui {

struct TextQueryResult;
struct ImageQueryResult;
class BackgroundJob;

class RetrievalCompareView : public QWidget {
    Q_OBJECT
public:
    enum Side { A = 0, B = 1 };
    /// Item data of result entries: the id (image or text) and the eval::RankChange::Kind as int.
    static constexpr int IdRole = Qt::UserRole + 1;
    static constexpr int ChangeRole = Qt::UserRole + 2;
    static constexpr int OtherRankRole = Qt::UserRole + 3;
    static constexpr int GoldRole = Qt::UserRole + 4;

    explicit RetrievalCompareView(QWidget* parent = nullptr);
    ~RetrievalCompareView() override;

    void setCacheRoot(const QString& directory) { m_cacheRoot = directory; }
    void setCheckpoint(Side side, const QString& path);
    QString checkpoint(Side side) const;
    void setModels(const QString& visionModel, const QString& textModel);
    void setSplit(const QString& splitDir) { m_splitDir = splitDir; }

    bool isReady() const { return m_ready; }
    bool isExtracting() const;
    bool isQuerying() const;
    QStringList splitTexts() const;

    QLineEdit* queryEdit() const { return m_queryEdit; }
    QListWidget* imageResults(Side side) const { return m_imageLists[side]; }
    QListWidget* textResults(Side side) const { return m_textLists[side]; }
    QLabel* goldLabel(Side side) const { return m_goldLabels[side]; }
    QLabel* summaryLabel() const { return m_summaryLabel; }
    QLabel* statusLabel() const { return m_statusLabel; }
    /// 1-based rank of the ground truth for the last text query on a side (0: none).
    int goldRank(Side side) const { return m_goldRanks[side]; }
    /// The same for the last image query (its best-ranked describing text).
    int imageGoldRank(Side side) const { return m_imageGoldRanks[side]; }

public Q_SLOTS:
    void startExtraction();
    void cancelExtraction();
    void runTextQuery();
    void runImageQuery(qint64 imageId);

Q_SIGNALS:
    void ready();
    void failed(const QString& message);
    void queryFinished();
    void imageQueryFinished();

private:
    void showTextResults(const TextQueryResult& a, const TextQueryResult& b);
    void showImageResults(const ImageQueryResult& a, const ImageQueryResult& b);
    void onImageClicked(QListWidgetItem* item);
    /// The extraction ended: error is empty on success.
    void endExtraction(const QString& error);

    QLineEdit* m_checkpointEdits[2] = {};
    QPushButton* m_extractButton = nullptr;
    QPushButton* m_cancelButton = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_statusLabel = nullptr;
    QLineEdit* m_queryEdit = nullptr;
    QLabel* m_summaryLabel = nullptr;
    QLabel* m_titles[2] = {};
    QLabel* m_goldLabels[2] = {};
    QListWidget* m_imageLists[2] = {};
    QLabel* m_imageSummary = nullptr;
    QListWidget* m_textLists[2] = {};

    QString m_cacheRoot;
    QString m_visionModel = QStringLiteral("Tiny-ViT");
    QString m_textModel = QStringLiteral("Tiny-BERT");
    QString m_splitDir;
    bool m_ready = false;
    int m_goldRanks[2] = {0, 0};
    int m_imageGoldRanks[2] = {0, 0};
    std::shared_ptr<eval::RetrievalSession> m_sessions[2];
    std::shared_ptr<data::LmdbSplit> m_split;
    BackgroundJob* m_extractionJob = nullptr;
    BackgroundJob* m_textQueryJob = nullptr;
    BackgroundJob* m_imageQueryJob = nullptr;
};

} // namespace clipwb::ui
