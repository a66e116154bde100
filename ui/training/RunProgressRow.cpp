#include "ui/training/RunProgressRow.h"

#include "run/RunLock.h"
#include "ui/training/MemoryUsage.h"
#include "ui/training/RunData.h"
#include "ui/training/TrainingWorker.h"

#include <QDir>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>

namespace clipwb::ui {
namespace {

QString formatDuration(double seconds)
{
    if (!std::isfinite(seconds) || seconds < 0)
        return QStringLiteral("—");
    const qint64 s = static_cast<qint64>(seconds + 0.5);
    if (s >= 3600)
        return QStringLiteral("%1:%2:%3")
            .arg(s / 3600)
            .arg(s / 60 % 60, 2, 10, QLatin1Char('0'))
            .arg(s % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}

// Mean of the last `count` finite values of a column.
double recentMean(const std::vector<double>* column, size_t count)
{
    if (!column)
        return NAN;
    double sum = 0;
    size_t n = 0;
    for (size_t i = column->size(); i-- > 0 && n < count;)
        if (std::isfinite((*column)[i])) {
            sum += (*column)[i];
            ++n;
        }
    return n ? sum / n : NAN;
}

/// Whether file was modified less than seconds ago.
bool writtenWithin(const std::filesystem::path& file, double seconds)
{
    std::error_code error;
    const auto written = std::filesystem::last_write_time(file, error);
    if (error)
        return false;
    const auto age = std::filesystem::file_time_type::clock::now() - written;
    return std::chrono::duration<double>(age).count() < (std::isfinite(seconds) ? seconds : 120.0);
}

double recentSum(const std::vector<double>* column, size_t count)
{
    const double mean = recentMean(column, count);
    return std::isfinite(mean) ? mean * std::min(count, column->size()) : NAN;
}

} // namespace

RunProgressRow::RunProgressRow(QWidget* parent) : QWidget(parent)
{
    m_progress = new QProgressBar;
    m_progress->setObjectName(QStringLiteral("stepProgress"));
    m_progress->setFormat(tr("step %v of %m"));
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setMinimumWidth(200);
    const auto makeLabel = [](const char* name) {
        auto* label = new QLabel(QStringLiteral("—"));
        label->setObjectName(QLatin1String(name));
        label->setMinimumWidth(80);
        return label;
    };
    m_stateLabel = makeLabel("stateLabel");
    m_epochLabel = makeLabel("epochLabel");
    m_etaLabel = makeLabel("etaLabel");
    m_speedLabel = makeLabel("speedLabel");
    m_waitLabel = makeLabel("dataWaitLabel");
    m_memoryLabel = makeLabel("memoryLabel");
    m_stateLabel->setText(tr("Idle"));
    // The memory figures may be longer than the room left: cut here, whole in the tooltip,
    // rather than widen the window.
    m_memoryLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    auto* row = new QHBoxLayout(this);
    row->setContentsMargins(0, 0, 0, 0);
    row->addWidget(m_stateLabel);
    row->addWidget(m_progress, 2);
    row->addWidget(m_epochLabel);
    row->addWidget(m_etaLabel);
    row->addWidget(m_speedLabel);
    row->addWidget(m_waitLabel);
    row->addWidget(m_memoryLabel, 1);
}

void RunProgressRow::setState(const QString& text, const QString& toolTip)
{
    m_stateLabel->setText(text);
    m_stateLabel->setToolTip(toolTip);
}

QString RunProgressRow::state() const
{
    return m_stateLabel->text();
}

void RunProgressRow::showRun(const RunData& run, const TrainingWorker& worker)
{
    const auto& folder = run.folder();
    const auto& train = folder.train();
    const bool trainingHere = worker.isRunning();
    const size_t rows = train.rows();
    int64_t maxSteps = folder.maxSteps();
    const double step = rows ? train.value("step", rows - 1) : 0;
    int64_t lastStep = std::isfinite(step) ? static_cast<int64_t>(step) : 0;
    // The trainer's own report is ahead of metrics.jsonl (written after it).
    const TrainingWorker::StepReport& live = worker.lastStep();
    const bool liveAhead = trainingHere && live.step >= lastStep && live.maxSteps > 0;
    if (liveAhead) {
        lastStep = live.step;
        maxSteps = live.maxSteps;
    }
    m_progress->setRange(0, static_cast<int>(std::max<int64_t>(1, std::max(maxSteps, lastStep))));
    m_progress->setValue(static_cast<int>(lastStep));
    m_progress->setFormat(maxSteps > 0 ? tr("step %1 of %2").arg(lastStep).arg(maxSteps)
                                       : tr("step %1").arg(lastStep));
    const double epoch = rows ? train.value("epoch", rows - 1) : NAN;
    m_epochLabel->setText(std::isfinite(epoch) ? tr("epoch %1").arg(static_cast<qint64>(epoch))
                                               : tr("epoch —"));

    constexpr size_t kWindow = 50;
    const double samples = recentMean(train.column("samples_per_s"), 20);
    m_speedLabel->setText(std::isfinite(samples) ? tr("%1 samples/s").arg(samples, 0, 'f', 1)
                                                 : tr("— samples/s"));

    // Seconds per step over the recent window, from wall time when recorded.
    double secondsPerStep = NAN;
    const auto* times = train.column("time");
    const auto* steps = train.column("step");
    if (times && steps && rows >= 2) {
        const size_t first = rows - std::min(rows, kWindow + 1);
        const double dt = (*times)[rows - 1] - (*times)[first];
        const double ds = (*steps)[rows - 1] - (*steps)[first];
        if (std::isfinite(dt) && ds > 0)
            secondsPerStep = dt / ds;
    }
    if (!std::isfinite(secondsPerStep))
        secondsPerStep = recentMean(train.column("step_time_s"), kWindow);
    const bool done = maxSteps > 0 && lastStep >= maxSteps;
    // A run nobody trains now (stopped here, crashed, copied home) has no time left to estimate:
    // another process holds its lock, or (a mounted folder may not show the lock) wrote to it lately.
    const bool endedHere = !trainingHere && !worker.runDir().isEmpty() &&
                           QDir(worker.runDir()) == QDir(QString::fromStdString(folder.dir().string()));
    const bool trainedSomewhere =
        trainingHere ||
        (!endedHere && (run::RunLock::isHeld(folder.dir()) ||
                        writtenWithin(folder.metricsPath(), std::max(120.0, 20 * secondsPerStep))));
    if (done)
        m_etaLabel->setText(tr("done"));
    else if (!trainedSomewhere)
        m_etaLabel->setText(tr("ETA —"));
    else if (liveAhead && live.etaSeconds >= 0)
        m_etaLabel->setText(tr("ETA %1").arg(formatDuration(live.etaSeconds)));
    else if (maxSteps > 0 && std::isfinite(secondsPerStep))
        m_etaLabel->setText(tr("ETA %1").arg(formatDuration(secondsPerStep * double(maxSteps - lastStep))));
    else
        m_etaLabel->setText(tr("ETA —"));
    m_etaLabel->setToolTip(!done && !trainedSomewhere ? tr("No process trains this run now.") : QString());

    const double wait = recentSum(train.column("data_wait_s"), kWindow);
    const double total = recentSum(train.column("step_time_s"), kWindow);
    if (std::isfinite(wait) && std::isfinite(total) && total > 0)
        m_waitLabel->setText(tr("data wait %1%").arg(100.0 * wait / total, 0, 'f', 0));
    else
        m_waitLabel->setText(tr("data wait —"));
    m_waitLabel->setToolTip(
        tr("Share of the step time spent waiting for the data loader (last %1 steps)").arg(kWindow));

    // Live figures while this process trains; otherwise what the run recorded.
    QStringList memory;
    QStringList tips;
    const QString trainingDevice = worker.device();
    if (trainingHere) {
        if (trainingDevice.startsWith(QLatin1String("cuda"))) {
            const int index = trainingDevice.section(QLatin1Char(':'), 1).toInt();
            const DeviceMemory device = cudaDeviceMemory(index);
            if (device.available) {
                memory << tr("GPU %1 / %2 MiB").arg(device.usedBytes >> 20).arg(device.totalBytes >> 20);
                tips << tr("Memory in use on %1 (%2), by every process").arg(trainingDevice, device.name);
            } else {
                memory << tr("GPU memory unknown");
                tips << tr("The NVIDIA management library (libnvidia-ml) is not available to read %1's "
                           "memory.")
                            .arg(trainingDevice);
            }
        } else if (!trainingDevice.isEmpty()) {
            memory << tr("%1, no GPU").arg(trainingDevice.toUpper());
            tips << tr("Training runs on the CPU: the model lives in the process memory.");
        }
        const qint64 rss = processResidentBytes();
        if (rss >= 0) {
            memory << tr("process %1 MiB").arg(rss >> 20);
            tips << tr("Resident memory of clipwb (model, optimizer, data loader and the workbench)");
        }
    }
    for (const std::string& name : train.names()) {
        const QString column = QString::fromStdString(name);
        if (!column.contains(QLatin1String("mem")))
            continue;
        const double value = train.value(name, rows - 1);
        if (!std::isfinite(value))
            continue;
        QString label = column;
        label.replace(QLatin1Char('_'), QLatin1Char(' '));
        memory << QStringLiteral("%1 %2").arg(label).arg(value, 0, 'f', value < 100 ? 2 : 0);
    }
    m_memoryLabel->setText(memory.isEmpty() ? tr("memory —") : memory.join(QStringLiteral(" · ")));
    tips.prepend(m_memoryLabel->text());
    m_memoryLabel->setToolTip(memory.isEmpty() ? tr("Memory is shown while this window trains.")
                                               : tips.join(QLatin1Char('\n')));
    if (!trainingHere && rows > 0)
        m_stateLabel->setText(done ? tr("Finished") : trainedSomewhere ? tr("Following") : tr("Stopped"));
}

} // namespace clipwb::ui
