#include "ui/training/RankProcesses.h"

#include "train/TrainerEventStream.h"
#include "train/TrainerObserver.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QProcessEnvironment>
#include <QRegularExpression>

#include <csignal>
#include <exception>

namespace clipwb::ui {

/// Notes how rank 0's run went on the way to the worker's observer.
class RankProcesses::Relay : public train::TrainerObserver {
public:
    Relay(RankProcesses& owner, train::TrainerObserver& target) : m_owner(owner), m_target(target) {}
    void onStarted(const train::RunInfo& info) override
    {
        m_owner.m_started = true;
        m_target.onStarted(info);
    }
    void onStep(const train::StepMetrics& m) override { m_target.onStep(m); }
    void onValidation(const train::ValidationMetrics& m) override { m_target.onValidation(m); }
    void onCheckpointSaved(const std::filesystem::path& path, int64_t epoch, int64_t step) override
    {
        m_target.onCheckpointSaved(path, epoch, step);
    }
    void onLog(train::LogLevel level, const std::string& text) override { m_target.onLog(level, text); }
    void onFinished(bool stopped) override
    {
        m_owner.m_reportedEnd = true;
        m_target.onFinished(stopped);
    }
    void onFailed(const std::string& message) override
    {
        m_owner.m_reportedEnd = true;
        m_owner.m_rankFailure = QString::fromStdString(message);
        m_target.onFailed(message);
    }

private:
    RankProcesses& m_owner;
    train::TrainerObserver& m_target;
};

RankProcesses::RankProcesses(train::TrainerObserver& observer, QObject* parent)
    : QObject(parent), m_relay(std::make_unique<Relay>(*this, observer))
{
    m_process.setObjectName(QStringLiteral("rankLauncher"));
    connect(&m_process, &QProcess::readyReadStandardOutput, this, &RankProcesses::readEvents);
    connect(&m_process, &QProcess::readyReadStandardError, this, &RankProcesses::readText);
    connect(&m_process, &QProcess::finished, this, &RankProcesses::onFinished);
    connect(&m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart)
            Q_EMIT ended(-1, tr("Could not start %1: %2").arg(m_process.program(), m_process.errorString()));
    });
}

RankProcesses::~RankProcesses()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    // The window goes away: the ranks stop (the launcher passes SIGTERM on; they save and end).
    m_process.disconnect(this);
    m_process.terminate();
    if (!m_process.waitForFinished(60000)) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
}

QString RankProcesses::cliProgram()
{
    const QString fromEnvironment = qEnvironmentVariable("CLIPWB_CLI");
    if (!fromEnvironment.isEmpty())
        return fromEnvironment;
    return QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("clipwb-cli"));
}

QStringList RankProcesses::commandLine(const QString& configFile, const dist::LaunchOptions& launch)
{
    QStringList args{QStringLiteral("train"), QStringLiteral("--config"), configFile,
                     QStringLiteral("--nproc-per-node"), QString::number(launch.nprocPerNode)};
    if (launch.nnodes > 1)
        args << QStringLiteral("--nnodes") << QString::number(launch.nnodes) << QStringLiteral("--node-rank")
             << QString::number(launch.nodeRank);
    if (!launch.masterAddr.empty())
        args << QStringLiteral("--master-addr") << QString::fromStdString(launch.masterAddr);
    if (launch.masterPort > 0)
        args << QStringLiteral("--master-port") << QString::number(launch.masterPort);
    return args;
}

bool RankProcesses::start(const config::TrainConfig& config, const dist::LaunchOptions& launch,
                          QString* error)
{
    const QString program = cliProgram();
    if (!QFileInfo(program).isExecutable()) {
        *error =
            tr("Cannot start the ranks: %1 is missing (set CLIPWB_CLI to clipwb-cli's path).").arg(program);
        return false;
    }
    if (!m_configDir.isValid()) {
        *error = tr("Cannot write the configuration for the ranks: %1").arg(m_configDir.errorString());
        return false;
    }
    // The ranks read the config the form shows; paths are absolute, so the copy's folder does not matter.
    const QString file = m_configDir.filePath(QStringLiteral("config.json"));
    try {
        config::saveConfigFile(config, file.toStdString());
    } catch (const std::exception& e) {
        *error = tr("Cannot write the configuration for the ranks: %1").arg(QString::fromUtf8(e.what()));
        return false;
    }
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("CLIPWB_TRAIN_EVENTS"), QStringLiteral("1"));
    m_process.setProcessEnvironment(env);
    m_process.setProgram(program);
    m_process.setArguments(commandLine(file, launch));
    m_started = m_reportedEnd = false;
    m_lastError.clear();
    m_launcherSummary.clear();
    m_rankFailure.clear();
    m_process.start(QIODevice::ReadOnly);
    return true;
}

void RankProcesses::sendSignal(int sig)
{
    const qint64 pid = m_process.processId();
    if (pid > 0)
        ::kill(static_cast<pid_t>(pid), sig);
}

void RankProcesses::readEvents()
{
    m_stdoutPartial += m_process.readAllStandardOutput();
    qsizetype newline;
    while ((newline = m_stdoutPartial.indexOf('\n')) >= 0) {
        const QByteArray line = m_stdoutPartial.left(newline);
        m_stdoutPartial.remove(0, newline + 1);
        if (!train::readTrainerEvent(std::string_view(line.constData(), size_t(line.size())), *m_relay))
            takeLine(line); // not an event: something a rank printed
    }
}

void RankProcesses::readText()
{
    m_stderrPartial += m_process.readAllStandardError();
    qsizetype newline;
    while ((newline = m_stderrPartial.indexOf('\n')) >= 0) {
        takeLine(m_stderrPartial.left(newline));
        m_stderrPartial.remove(0, newline + 1);
    }
}

void RankProcesses::takeLine(const QByteArray& raw)
{
    // A progress bar's redraws: only what follows the last carriage return counts.
    QString line = QString::fromUtf8(raw.mid(raw.lastIndexOf('\r') + 1)).trimmed();
    if (line.isEmpty())
        return;
    // The other ranks log every line rank 0 logs too (train.log shows those): only their
    // warnings and errors are news.
    static const QRegularExpression rankLine(QStringLiteral("^\\[rank \\d+\\] (INFO|WARNING|ERROR) \\| "));
    const auto match = rankLine.match(line);
    int level = 0;
    if (match.hasMatch()) {
        if (match.captured(1) == QLatin1String("INFO"))
            return;
        level = match.captured(1) == QLatin1String("WARNING") ? 1 : 2;
    } else if (line.contains(QLatin1String("error: ")) || line.contains(QLatin1String(" failed"))) {
        level = 2;
    } else if (line.contains(QLatin1String("warning: "))) {
        level = 1;
    }
    if (level == 2)
        m_lastError = line;
    // "clipwb-cli: rank 1 failed: killed by signal 9 (Killed)": the launcher's summary says it best.
    static const QRegularExpression summary(QStringLiteral("^clipwb-cli: rank \\d+ failed: "));
    if (summary.match(line).hasMatch())
        m_launcherSummary = line.mid(QStringLiteral("clipwb-cli: ").size());
    Q_EMIT textLine(level, line);
}

void RankProcesses::onFinished(int exitCode, QProcess::ExitStatus status)
{
    // What is left, a last line without its newline included.
    readEvents();
    readText();
    if (!m_stdoutPartial.isEmpty()) {
        m_stdoutPartial += '\n';
        readEvents();
    }
    if (!m_stderrPartial.isEmpty()) {
        m_stderrPartial += '\n';
        readText();
    }
    QString failure;
    if (status != QProcess::NormalExit)
        failure = tr("The rank launcher crashed (%1).").arg(m_process.errorString());
    else if (exitCode != 0)
        // The launcher names the rank that failed first (a killed rank 1, not rank 0's broken
        // connection that followed); then rank 0's own report; then any error line.
        failure = !m_launcherSummary.isEmpty() ? m_launcherSummary
                  : !m_rankFailure.isEmpty()   ? m_rankFailure
                  : !m_lastError.isEmpty()     ? m_lastError
                                               : tr("The ranks ended with exit code %1.").arg(exitCode);
    Q_EMIT ended(status == QProcess::NormalExit ? exitCode : -1, failure);
}

} // namespace clipwb::ui
