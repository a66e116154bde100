#include "ui/training/RunFolderWatcher.h"

#include "run/RunFolder.h"

#include <QFileSystemWatcher>
#include <QTimer>

#include <filesystem>

namespace clipwb::ui {

RunFolderWatcher::RunFolderWatcher(QObject* parent) : QObject(parent)
{
    m_watcher = new QFileSystemWatcher(this);
    m_coalesceTimer = new QTimer(this);
    m_coalesceTimer->setSingleShot(true);
    m_coalesceTimer->setInterval(150);
    connect(m_coalesceTimer, &QTimer::timeout, this, &RunFolderWatcher::refreshDue);
    connect(m_watcher, &QFileSystemWatcher::fileChanged, this, &RunFolderWatcher::poke);
    connect(m_watcher, &QFileSystemWatcher::directoryChanged, this, &RunFolderWatcher::poke);
    m_pollTimer = new QTimer(this);
    m_pollTimer->setInterval(1000);
    connect(m_pollTimer, &QTimer::timeout, this, &RunFolderWatcher::refreshDue);
    m_pollTimer->start();
}

void RunFolderWatcher::poke()
{
    if (!m_coalesceTimer->isActive())
        m_coalesceTimer->start();
}

void RunFolderWatcher::watch(const QString& dir)
{
    m_dir = dir;
    if (!m_watcher->files().isEmpty())
        m_watcher->removePaths(m_watcher->files());
    if (!m_watcher->directories().isEmpty())
        m_watcher->removePaths(m_watcher->directories());
    if (dir.isEmpty())
        return;
    const run::RunFolder folder(dir.toStdString());
    QStringList paths = {dir};
    for (const auto& file : {folder.metricsPath(), folder.logPath(), folder.checkpointsDir()})
        if (std::filesystem::exists(file))
            paths << QString::fromStdString(file.string());
    m_watcher->addPaths(paths);
}

void RunFolderWatcher::watchNewFiles()
{
    if (!m_dir.isEmpty() && m_watcher->files().size() + m_watcher->directories().size() < 4)
        watch(m_dir);
}

} // namespace clipwb::ui
