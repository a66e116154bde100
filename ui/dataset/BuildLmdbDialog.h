#pragma once
// Builds LMDB splits from upstream's raw format ({split}_imgs.tsv and
// {split}_texts.jsonl) with the same code as `clipwb-cli build-lmdb`, in a
// worker thread with a progress bar; bad lines are reported, never fatal to the
// application.
#include <QDialog>

#include <atomic>
#include <memory>

class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QVBoxLayout;

namespace clipwb::ui {

class BackgroundJob;

class BuildLmdbDialog : public QDialog {
    Q_OBJECT
public:
    explicit BuildLmdbDialog(QWidget* parent = nullptr);
    ~BuildLmdbDialog() override;

    /// Fills in the raw data folder and ticks the splits found in it.
    void setDataDir(const QString& dir);
    void setOutputDir(const QString& dir);
    QStringList selectedSplits() const;
    QString outputDir() const;
    /// Starts building (as the Build button does); finished follows.
    void start();
    bool isRunning() const;
    /// The log shown in the dialog (tests read it).
    QString log() const;

Q_SIGNALS:
    /// The build ended; ok is false on failure or cancel. lmdbDir holds the split folders.
    void finished(bool ok, const QString& lmdbDir);

private:
    struct Outcome {
        bool ok = false;
        QString message;
    };
    void detectSplits();
    void onFinished(const Outcome& outcome);
    void appendLog(const QString& line);
    void reject() override;

    QLineEdit* m_dataDir;
    QLineEdit* m_outputDir;
    QVBoxLayout* m_splitBoxes;
    QList<QCheckBox*> m_splits;
    QLabel* m_splitsNote;
    QProgressBar* m_progress;
    QPlainTextEdit* m_log;
    QPushButton* m_build;
    QDialogButtonBox* m_buttons;
    BackgroundJob* m_job;
    QString m_runningOutput;
    QString m_lastStage;
};

} // namespace clipwb::ui
