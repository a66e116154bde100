#include "ui/training/TrainingActions.h"

#include <QAction>
#include <QKeySequence>
#include <QStyle>
#include <QWidget>

namespace clipwb::ui {

TrainingActions::TrainingActions(QWidget* owner) : QObject(owner), m_owner(owner)
{
    const auto make = [owner](const QString& text, QStyle::StandardPixmap icon, const QKeySequence& key,
                              const QString& tip) {
        auto* action = new QAction(owner->style()->standardIcon(icon), text, owner);
        action->setShortcut(key);
        action->setToolTip(QStringLiteral("%1 (%2)").arg(tip, key.toString(QKeySequence::NativeText)));
        owner->addAction(action);
        return action;
    };
    open = make(tr("&Open run folder…"), QStyle::SP_DirOpenIcon, QKeySequence(tr("Ctrl+R")),
                tr("Open a run folder, live or finished"));
    compare = make(tr("&Compare with…"), QStyle::SP_FileDialogListView, QKeySequence(tr("Ctrl+Shift+R")),
                   tr("Overlay another run's curves"));
    start = make(tr("&Start"), QStyle::SP_MediaPlay, QKeySequence(tr("F5")),
                 tr("Train with the configuration page's settings"));
    pause = make(tr("&Pause"), QStyle::SP_MediaPause, QKeySequence(tr("F6")),
                 tr("Pause training after the current step, or continue"));
    stop = make(tr("S&top"), QStyle::SP_MediaStop, QKeySequence(tr("Shift+F5")),
                tr("Stop after the current step and save a checkpoint to resume from"));
    saveNow = make(tr("Save &now"), QStyle::SP_DialogSaveButton, QKeySequence(tr("Ctrl+Alt+S")),
                   tr("Save a checkpoint after the current step"));
    resume = make(tr("&Resume"), QStyle::SP_MediaSeekForward, QKeySequence(tr("Ctrl+F5")),
                  tr("Continue this run exactly where its epoch_latest.pt left it"));
    fit = make(tr("Fit"), QStyle::SP_BrowserReload, QKeySequence(tr("Ctrl+0")),
               tr("Show all data and follow new steps"));
    exportPng = make(tr("Charts as PNG…"), QStyle::SP_DialogSaveButton, QKeySequence(tr("Ctrl+E")),
                     tr("Export the charts as a PNG image"));
    exportPdf = make(tr("Charts as PDF…"), QStyle::SP_DialogSaveButton, QKeySequence(tr("Ctrl+Shift+E")),
                     tr("Export the charts as a PDF document"));
    exportCsv = make(tr("Metrics as CSV…"), QStyle::SP_DialogSaveButton, QKeySequence(tr("Ctrl+Alt+E")),
                     tr("Export every metric record as CSV"));
    open->setObjectName(QStringLiteral("openRunAction"));
    start->setObjectName(QStringLiteral("startAction"));
    stop->setObjectName(QStringLiteral("stopAction"));
    pause->setObjectName(QStringLiteral("pauseAction"));
    saveNow->setObjectName(QStringLiteral("saveNowAction"));
    resume->setObjectName(QStringLiteral("resumeAction"));
}

void TrainingActions::update(const State& state)
{
    start->setEnabled(!state.training);
    pause->setEnabled(state.training && !state.stopping);
    pause->setText(state.paused ? tr("&Continue") : tr("&Pause"));
    pause->setIcon(
        m_owner->style()->standardIcon(state.paused ? QStyle::SP_MediaPlay : QStyle::SP_MediaPause));
    stop->setEnabled(state.training && !state.stopping);
    saveNow->setEnabled(state.training && !state.stopping);
    resume->setEnabled(!state.training && !state.trainedElsewhere && !state.resumable.isEmpty());
    const QString key = resume->shortcut().toString(QKeySequence::NativeText);
    if (state.training)
        resume->setToolTip(tr("Training is running (%1)").arg(key));
    else if (state.trainedElsewhere)
        resume->setToolTip(
            tr("Another process is training this run now: the dashboard follows it (%1)").arg(key));
    else if (!state.hasRun)
        resume->setToolTip(
            tr("Open or train a run first: Resume continues its epoch_latest.pt (%1)").arg(key));
    else if (state.resumable.isEmpty())
        resume->setToolTip(
            tr("Nothing to resume: this run has no epoch_latest.pt or it has finished (%1)").arg(key));
    else
        resume->setToolTip(tr("Continue this run exactly where %1 left it (%2)").arg(state.resumable, key));
}

} // namespace clipwb::ui
