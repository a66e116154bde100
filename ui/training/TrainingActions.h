#pragma once
// The dashboard's actions (open, compare, start, pause, stop, save now,
// resume, fit, exports) with their shortcuts, and which of them apply in the
// current state. The menu bar shows them too, so the shortcuts work on every page.
#include <QObject>
#include <QString>

class QAction;
class QWidget;

namespace clipwb::ui {

class TrainingActions : public QObject {
    Q_OBJECT
public:
    /// The actions are added to owner (their shortcuts work while it is shown).
    explicit TrainingActions(QWidget* owner);

    struct State {
        bool training = false; ///< in this process
        bool paused = false;
        bool stopping = false;
        bool hasRun = false;
        bool trainedElsewhere = false; ///< another process trains the run shown
        QString resumable;             ///< epoch_latest.pt to resume from, or empty
    };
    void update(const State& state);

    QAction* open = nullptr;
    QAction* compare = nullptr;
    QAction* start = nullptr;
    QAction* pause = nullptr;
    QAction* stop = nullptr;
    QAction* saveNow = nullptr;
    QAction* resume = nullptr;
    QAction* fit = nullptr;
    QAction* exportPng = nullptr;
    QAction* exportPdf = nullptr;
    QAction* exportCsv = nullptr;

private:
    QWidget* m_owner;
};

} // namespace clipwb::ui
