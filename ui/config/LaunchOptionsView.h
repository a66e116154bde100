#pragma once
// How Start runs the configuration: the number of processes on this machine
// (data-parallel ranks: one per GPU, or CPU processes) and, for a run over
// several machines, node 0's rendezvous address and the command line each other
// machine runs. Not part of the config file: like torchrun's flags upstream, it
// belongs to the launch, and it is remembered in the settings.
#include "dist/RankLauncher.h"

#include <QWidget>

class QLabel;
class QLineEdit;
class QSpinBox;

namespace clipwb::ui {

class LaunchOptionsView : public QWidget {
    Q_OBJECT
public:
    explicit LaunchOptionsView(QWidget* parent = nullptr);

    /// What Start launches on this machine (node 0 of launch.nnodes).
    dist::LaunchOptions launchOptions() const;
    void setProcesses(int processes);
    void setMachines(int machines);
    /// The config file the other machines' command lines name (empty: not saved yet).
    void setConfigFile(const QString& path);
    /// The commands for machines 1..n-1, one a line (empty on one machine).
    QString otherMachinesCommands() const;

Q_SIGNALS:
    void changed();

private:
    void update();

    QSpinBox* m_processes;
    QSpinBox* m_machines;
    QLineEdit* m_address;
    QSpinBox* m_port;
    QLabel* m_hint;
    QLabel* m_commands;
    QWidget* m_multiNode;
    QString m_configFile;
};

} // namespace clipwb::ui
