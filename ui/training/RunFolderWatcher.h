#pragma once
// Tells when a run folder may have changed: a file watcher on the folder,
// metrics.jsonl, train.log and checkpoints/, plus a one-second poll (watchers
// miss appends on network mounts), coalesced so that a burst of writes is read once.
#include <QObject>
#include <QString>

class QFileSystemWatcher;
class QTimer;

namespace clipwb::ui {

class RunFolderWatcher : public QObject {
    Q_OBJECT
public:
    explicit RunFolderWatcher(QObject* parent = nullptr);

    /// Watches dir (empty: nothing).
    void watch(const QString& dir);
    /// Adds the files that appeared since watch() (metrics.jsonl and checkpoints/ come after the run starts).
    void watchNewFiles();
    /// Something else (the trainer) says the folder changed: refresh soon, once.
    void poke();

Q_SIGNALS:
    /// Time to read the folder again.
    void refreshDue();

private:
    QString m_dir;
    QFileSystemWatcher* m_watcher;
    QTimer* m_pollTimer;
    QTimer* m_coalesceTimer;
};

} // namespace clipwb::ui
