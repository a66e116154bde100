#pragma once
// A data-parallel run started from the GUI: `clipwb-cli train --nproc-per-node N`
// (the rank launcher) as a child process on a copy of the config. Rank 0 reports
// its trainer events on stdout (CLIPWB_TRAIN_EVENTS=1), which reach the given
// observer as if the trainer ran in this process; the other ranks' warnings and
// errors and the launcher's own lines come as text. Stop, pause / continue and
// save now are signals to the launcher, which passes them on to every rank
// (rank 0 then decides for all of them at the next step boundary).
#include "config/TrainConfig.h"
#include "dist/RankLauncher.h"

#include <QObject>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>

#include <memory>

namespace clipwb::train {
class TrainerObserver;
}

namespace clipwb::ui {

class RankProcesses : public QObject {
    Q_OBJECT
public:
    /// observer gets rank 0's events on the GUI thread; it must outlive this object.
    RankProcesses(train::TrainerObserver& observer, QObject* parent = nullptr);
    /// Ends the launcher (SIGTERM, then SIGKILL) if it still runs.
    ~RankProcesses() override;

    /// The clipwb-cli that launches the ranks: $CLIPWB_CLI, else the one next to this program.
    static QString cliProgram();
    /// The command line a machine of launch runs (node launch.nodeRank), for the user to copy.
    static QStringList commandLine(const QString& configFile, const dist::LaunchOptions& launch);

    /// Writes config to a temporary file and starts the launcher; false with *error when it cannot.
    bool start(const config::TrainConfig& config, const dist::LaunchOptions& launch, QString* error);
    bool isRunning() const { return m_process.state() != QProcess::NotRunning; }
    /// Sends sig (SIGINT stop, SIGUSR1 save now, SIGUSR2 pause / continue, SIGTERM end) to the launcher.
    void sendSignal(int sig);
    /// Whether rank 0 reported onStarted (its signal handlers are in place from then on).
    bool hasStarted() const { return m_started; }
    /// Rank 0 reported onFinished / onFailed.
    bool reportedEnd() const { return m_reportedEnd; }

Q_SIGNALS:
    /// A line of the other ranks or of the launcher worth showing; level 1 warning, 2 error.
    void textLine(int level, const QString& text);
    /// The launcher exited (exitCode 0: every rank succeeded); failure: the best one-line cause.
    void ended(int exitCode, const QString& failure);

private:
    void readEvents();
    void readText();
    void onFinished(int exitCode, QProcess::ExitStatus status);
    void takeLine(const QByteArray& line);

    class Relay;
    std::unique_ptr<Relay> m_relay; ///< sees rank 0's events on the way to the observer
    QProcess m_process;
    QTemporaryDir m_configDir;
    QByteArray m_stdoutPartial;
    QByteArray m_stderrPartial;
    QString m_lastError;       ///< the last error line of any rank
    QString m_launcherSummary; ///< the launcher's "rank N failed: ..." (names the first rank that failed)
    QString m_rankFailure;     ///< rank 0's onFailed message
    bool m_started = false;
    bool m_reportedEnd = false;
};

} // namespace clipwb::ui
