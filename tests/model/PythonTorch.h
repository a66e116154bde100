#pragma once
// Runs snippets under Debian's /usr/bin/python3 (with torch 1.13) for cross-checks.
#include <QProcess>
#include <QString>
#include <QStringList>

namespace clipwb::test {

inline bool pythonTorchAvailable()
{
    static const bool available = [] {
        QProcess process;
        process.start(QStringLiteral("/usr/bin/python3"),
                      {QStringLiteral("-c"), QStringLiteral("import torch")});
        return process.waitForFinished(120000) && process.exitStatus() == QProcess::NormalExit &&
               process.exitCode() == 0;
    }();
    return available;
}

/// Runs a Python script with arguments; returns stdout, or a null string on failure (stderr in *error).
inline QString runPython(const QString& script, const QStringList& args = {}, QString* error = nullptr)
{
    QProcess process;
    process.start(QStringLiteral("/usr/bin/python3"), QStringList{QStringLiteral("-c"), script} + args);
    if (!process.waitForFinished(300000) || process.exitStatus() != QProcess::NormalExit ||
        process.exitCode() != 0) {
        if (error)
            *error = QString::fromUtf8(process.readAllStandardError());
        return {};
    }
    return QString::fromUtf8(process.readAllStandardOutput());
}

} // namespace clipwb::test
