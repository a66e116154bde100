#pragma once
// The dashboard's log pane: the run's train.log as it grows, filtered by level,
// plus the messages the trainer gave this window that train.log lacks (a failure
// before the run folder existed).
#include <QStringList>
#include <QWidget>

#include <cstddef>

class QComboBox;
class QPlainTextEdit;

namespace clipwb::ui {

class RunData;

class RunLogPane : public QWidget {
    Q_OBJECT
public:
    explicit RunLogPane(QWidget* parent = nullptr);

    /// Forgets what was shown (another run).
    void clear();
    /// Appends run's new log lines (all of them again when rebuild).
    void showRun(const RunData& run, bool rebuild);
    /// One line of this window's own (a "Resumed after step" note, a hint).
    void append(const QString& time, const QString& level, const QString& text);
    /// An error of the trainer that train.log may lack; it stays when the pane is rebuilt.
    void addError(const QString& message);
    void clearErrors() { m_errors.clear(); }
    QString text() const;

private:
    const RunData* m_run = nullptr;
    std::size_t m_shown = 0;
    QStringList m_errors;
    QComboBox* m_levelCombo;
    QPlainTextEdit* m_view;
};

} // namespace clipwb::ui
