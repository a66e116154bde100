#pragma once
// The Check tab of the Dataset page: runs `dataset check` (data::DatasetChecker)
// over the open split in a worker thread and lists the problems it finds; a
// double-click on one jumps to the record at fault.
#include <QVector>
#include <QWidget>

#include <memory>

class QLabel;
class QProgressBar;
class QPushButton;
class QTableWidget;

namespace clipwb::data {
class LmdbSplit;
}

namespace clipwb::ui {

class BackgroundJob;

class DatasetCheckView : public QWidget {
    Q_OBJECT
public:
    /// One line of the report, as the view shows it.
    struct Problem {
        QString kind;
        qint64 pairIndex = -1; ///< the pair at fault, or -1
        qint64 imageId = -1;   ///< the image at fault, or -1
        QString message;
    };
    struct Report {
        QVector<Problem> problems;
        QString summary;
        QString error; ///< the check itself failed
    };

    explicit DatasetCheckView(QWidget* parent = nullptr);
    ~DatasetCheckView() override;

    /// Forgets the previous report; the next check runs over split.
    void setSplit(std::shared_ptr<const data::LmdbSplit> split);
    /// Starts the check (as the Run button does); checkFinished follows.
    void runCheck();
    bool isRunning() const;
    const QVector<Problem>& problems() const { return m_problems; }
    QString summaryText() const;
    QTableWidget* table() const { return m_table; }

Q_SIGNALS:
    void checkFinished(int problems);
    /// The user asked to see a pair (pairIndex >= 0) or the pairs of an image (imageId >= 0).
    void jumpRequested(qint64 pairIndex, qint64 imageId);

private:
    void showReport(const Report& report);

    std::shared_ptr<const data::LmdbSplit> m_split;
    QVector<Problem> m_problems;
    BackgroundJob* m_job;
    QPushButton* m_run;
    QProgressBar* m_progress;
    QLabel* m_summary;
    QTableWidget* m_table;
};

} // namespace clipwb::ui
