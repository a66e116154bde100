#include "ui/config/LaunchOptionsView.h"

#include "model/CudaDevices.h"
#include "ui/training/RankProcesses.h"

#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSettings>
#include <QSpinBox>
#include <QThread>

#include <algorithm>

namespace clipwb::ui {
namespace {

QString shellQuote(const QString& word)
{
    static const QString safe = QStringLiteral("-_./=:@%+,");
    const bool plain = !word.isEmpty() && std::all_of(word.begin(), word.end(), [](QChar c) {
        return c.isLetterOrNumber() || safe.contains(c);
    });
    if (plain)
        return word;
    QString quoted = word;
    quoted.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

} // namespace

LaunchOptionsView::LaunchOptionsView(QWidget* parent) : QWidget(parent)
{
    auto* form = new QFormLayout(this);
    form->setContentsMargins(0, 4, 0, 0);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);

    m_processes = new QSpinBox;
    m_processes->setObjectName(QStringLiteral("processesSpin"));
    m_processes->setRange(1, 256);
    const int gpus = model::cudaDeviceCount();
    m_processes->setToolTip(tr(
        "Data-parallel ranks Start launches on this machine (clipwb-cli train --nproc-per-node N): one per "
        "GPU, or CPU processes. batch_size is per rank; the global batch is batch_size × ranks."));
    auto* processLabel = new QLabel(tr("Processes"));
    processLabel->setMinimumWidth(170); // lines up with the option editors above
    processLabel->setBuddy(m_processes);
    m_hint = new QLabel;
    m_hint->setObjectName(QStringLiteral("processesHint"));
    m_hint->setStyleSheet(QStringLiteral("color: palette(mid);"));
    auto* processRow = new QHBoxLayout;
    processRow->addWidget(m_processes);
    processRow->addWidget(m_hint, 1);
    form->addRow(processLabel, processRow);
    m_hint->setText(gpus > 0
                        ? tr("%n GPU(s) on this machine", nullptr, gpus)
                        : tr("no GPU: CPU processes (%n core(s))", nullptr, QThread::idealThreadCount()));

    m_machines = new QSpinBox;
    m_machines->setObjectName(QStringLiteral("machinesSpin"));
    m_machines->setRange(1, 1024);
    m_machines->setToolTip(tr("Machines in the run. This one is node 0 and hosts the rendezvous; each other "
                              "machine runs the command shown below."));
    auto* machinesLabel = new QLabel(tr("Machines"));
    machinesLabel->setBuddy(m_machines);
    form->addRow(machinesLabel, m_machines);

    m_multiNode = new QWidget;
    auto* multi = new QFormLayout(m_multiNode);
    multi->setContentsMargins(0, 0, 0, 0);
    m_address = new QLineEdit;
    m_address->setObjectName(QStringLiteral("masterAddress"));
    m_address->setPlaceholderText(tr("this machine's address, as the others reach it"));
    m_port = new QSpinBox;
    m_port->setObjectName(QStringLiteral("masterPort"));
    m_port->setRange(1, 65535);
    m_port->setValue(29500);
    auto* addressRow = new QHBoxLayout;
    addressRow->addWidget(m_address, 1);
    addressRow->addWidget(new QLabel(tr("port")));
    addressRow->addWidget(m_port);
    multi->addRow(tr("Rendezvous"), addressRow);
    m_commands = new QLabel;
    m_commands->setObjectName(QStringLiteral("otherMachinesCommands"));
    m_commands->setWordWrap(true);
    m_commands->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_commands->setStyleSheet(QStringLiteral("font-family: monospace;"));
    multi->addRow(m_commands);
    form->addRow(m_multiNode);

    QSettings settings;
    m_processes->setValue(settings.value(QStringLiteral("launch/processes"), 1).toInt());
    m_machines->setValue(settings.value(QStringLiteral("launch/machines"), 1).toInt());
    m_address->setText(settings.value(QStringLiteral("launch/masterAddress")).toString());
    m_port->setValue(settings.value(QStringLiteral("launch/masterPort"), 29500).toInt());

    for (QSpinBox* spin : {m_processes, m_machines, m_port})
        connect(spin, &QSpinBox::valueChanged, this, &LaunchOptionsView::update);
    connect(m_address, &QLineEdit::textChanged, this, &LaunchOptionsView::update);
    update();
}

dist::LaunchOptions LaunchOptionsView::launchOptions() const
{
    dist::LaunchOptions launch;
    launch.nprocPerNode = m_processes->value();
    launch.nnodes = m_machines->value();
    if (launch.nnodes > 1) {
        launch.masterAddr = m_address->text().trimmed().toStdString();
        launch.masterPort = m_port->value();
    }
    return launch;
}

void LaunchOptionsView::setProcesses(int processes)
{
    m_processes->setValue(processes);
}

void LaunchOptionsView::setMachines(int machines)
{
    m_machines->setValue(machines);
}

void LaunchOptionsView::setConfigFile(const QString& path)
{
    m_configFile = path;
    update();
}

QString LaunchOptionsView::otherMachinesCommands() const
{
    QStringList lines;
    dist::LaunchOptions launch = launchOptions();
    if (launch.masterAddr.empty())
        launch.masterAddr = "NODE0_ADDRESS";
    const QString config = m_configFile.isEmpty() ? QStringLiteral("CONFIG.json") : m_configFile;
    for (int node = 1; node < launch.nnodes; ++node) {
        launch.nodeRank = node;
        QStringList words{QStringLiteral("clipwb-cli")};
        words += RankProcesses::commandLine(config, launch);
        for (QString& word : words)
            word = shellQuote(word);
        lines << words.join(QLatin1Char(' '));
    }
    return lines.join(QLatin1Char('\n'));
}

void LaunchOptionsView::update()
{
    const bool several = m_machines->value() > 1;
    m_multiNode->setVisible(several);
    if (several)
        m_commands->setText(tr("On each other machine (same config and data paths there):") +
                            QLatin1Char('\n') + otherMachinesCommands() +
                            (m_configFile.isEmpty()
                                 ? QLatin1Char('\n') + tr("Save the configuration to name its file.")
                                 : QString()));
    QSettings settings;
    settings.setValue(QStringLiteral("launch/processes"), m_processes->value());
    settings.setValue(QStringLiteral("launch/machines"), m_machines->value());
    settings.setValue(QStringLiteral("launch/masterAddress"), m_address->text());
    settings.setValue(QStringLiteral("launch/masterPort"), m_port->value());
    Q_EMIT changed();
}

} // namespace clipwb::ui
