#include "ui/config/MemoryEstimateView.h"

#include "model/MemoryEstimate.h"
#include "train/MemoryCheck.h"
#include "ui/common/BackgroundJob.h"

#include <QFontDatabase>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

#include <exception>

namespace clipwb::ui {

MemoryEstimateView::MemoryEstimateView(QWidget* parent) : QGroupBox(tr("Memory"), parent)
{
    setObjectName(QStringLiteral("memoryEstimate"));
    auto* layout = new QVBoxLayout(this);
    m_estimate = new QLabel;
    m_estimate->setObjectName(QStringLiteral("memoryEstimateText"));
    m_estimate->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_estimate->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_estimate->setWordWrap(true);
    layout->addWidget(m_estimate);
    m_find = new QPushButton(tr("Find the largest batch size"));
    m_find->setObjectName(QStringLiteral("findLargestBatch"));
    layout->addWidget(m_find, 0, Qt::AlignLeft);
    m_search = new QLabel;
    m_search->setObjectName(QStringLiteral("memorySearchText"));
    m_search->setWordWrap(true);
    m_search->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_search);
    connect(m_find, &QPushButton::clicked, this, &MemoryEstimateView::findLargestBatch);
    m_job = new BackgroundJob(this);
    // Each attempt is its own stage, so that BackgroundJob reports every one (it reports every
    // stage change); its line comes as the detail.
    connect(m_job, &BackgroundJob::progress, this, [this](const clipwb::Progress& report) {
        if (report.stage.rfind("attempt", 0) == 0)
            m_search->setText(m_search->text() + QString::fromStdString(report.detail) + QLatin1Char('\n'));
    });
    connect(this, &MemoryEstimateView::searchFinished, this, [this](qint64 largest, const QString& error) {
        m_find->setEnabled(true);
        m_search->setText(m_search->text() + (error.isEmpty()
                                                  ? tr("Largest batch_size that ran: %1").arg(largest)
                                                  : tr("Search stopped: %1").arg(error)));
    });
}

void MemoryEstimateView::setConfig(const config::TrainConfig& config)
{
    m_config = config;
    try {
        // The device query reads /proc/meminfo, or the CUDA driver's figure (fast once CUDA is up).
        const train::MemoryCheck check =
            train::checkTrainingMemory(config, train::queryDeviceMemory(config.device));
        m_estimate->setText(reportText(check));
        m_estimate->setStyleSheet(check.fits ? QString() : QStringLiteral("color: #c0392b;"));
        const bool cuda = check.device.device.rfind("cuda", 0) == 0;
        m_find->setEnabled(cuda && !m_job->isRunning());
        m_find->setToolTip(
            cuda ? tr("Runs one training step at growing batch sizes on %1 (synthetic data) and "
                      "reports the largest that does not run out of memory")
                       .arg(QString::fromStdString(check.device.device))
                 : tr("Needs a CUDA device: on the CPU allocations do not fail (the system swaps "
                      "or stops the process), so the estimate above is the answer"));
    } catch (const std::exception& e) {
        m_estimate->setText(tr("No estimate: %1").arg(QString::fromUtf8(e.what())));
        m_estimate->setStyleSheet(QString());
        m_find->setEnabled(false);
    }
}

QString MemoryEstimateView::reportText(const train::MemoryCheck& check)
{
    // The core's report() is English (clipwb-cli config check --memory prints it); the same
    // figures here go through tr() so that the Chinese interface shows no English.
    const auto bytes = [](double value) { return QString::fromStdString(model::formatBytes(value)); };
    const model::MemoryEstimate& e = check.estimate;
    const model::MemoryEstimateOptions& o = check.options;
    const QString device = QString::fromStdString(check.device.device);
    QStringList lines;
    lines << tr("memory estimate for batch_size %1, precision %2, grad_checkpointing %3, attention %4 on %5:")
                 .arg(o.batchSize)
                 .arg(QString::fromStdString(o.precision),
                      o.gradCheckpointing ? tr("on", "grad_checkpointing") : tr("off", "grad_checkpointing"),
                      o.fusedAttention ? tr("fused", "attention") : tr("plain", "attention"), device);
    lines << QStringLiteral("  ") + tr("parameters %1 (%2, %3 trainable)")
                                        .arg(bytes(e.parameterBytes))
                                        .arg(e.parameterCount)
                                        .arg(e.trainableParameterCount);
    lines << QStringLiteral("  ") + tr("gradients %1").arg(bytes(e.gradientBytes));
    lines << QStringLiteral("  ") + tr("optimizer state (AdamW) %1").arg(bytes(e.optimizerBytes));
    if (e.castWeightBytes > 0)
        lines << QStringLiteral("  ") + tr("autocast weight copies %1").arg(bytes(e.castWeightBytes));
    lines << QStringLiteral("  ") + tr("activations %1 (%2 per sample)")
                                        .arg(bytes(e.activationBytes), bytes(e.activationBytesPerSample));
    lines << QStringLiteral("  ") + tr("transient buffers %1").arg(bytes(e.workspaceBytes));
    lines << QStringLiteral("  ") + tr("total %1").arg(bytes(e.totalBytes));
    if (!check.device.known) {
        lines << tr("%1: free memory unknown").arg(device);
        return lines.join(QLatin1Char('\n'));
    }
    const int share = static_cast<int>(train::MemoryCheck::kUsableShare * 100);
    QString verdict =
        check.fits
            ? tr("fits (largest batch_size within %1% of the free memory: %2)")
                  .arg(share)
                  .arg(check.largestBatch)
            : tr("does NOT fit: largest batch_size within %1% of the free memory is %2 (raise accum_freq to "
                 "keep the global batch)")
                  .arg(share)
                  .arg(check.largestBatch);
    if (!check.fits && !o.gradCheckpointing)
        verdict += tr("; or grad_checkpointing on");
    if (!check.fits && o.precision == "fp32" && o.cuda)
        verdict += tr("; or precision amp or bf16");
    lines << tr("%1: %2 free of %3; %4")
                 .arg(device, bytes(check.device.freeBytes), bytes(check.device.totalBytes), verdict);
    return lines.join(QLatin1Char('\n'));
}

QString MemoryEstimateView::estimateText() const
{
    return m_estimate->text();
}

QString MemoryEstimateView::searchText() const
{
    return m_search->text();
}

void MemoryEstimateView::findLargestBatch()
{
    if (m_job->isRunning())
        return;
    m_find->setEnabled(false);
    m_search->setText(tr("Trying training steps on the device…") + QLatin1Char('\n'));
    const config::TrainConfig config = m_config;
    // Off the GUI thread: each attempt builds a batch and runs a full step on the GPU. Leaving the
    // page cancels the search at its next attempt (no wait on the GUI thread).
    m_job->run(
        [config](const ProgressCallback& progress) {
            return train::findLargestBatchOnDevice(config, [&progress](const train::BatchAttempt& a) {
                const QString line = a.fits
                                         ? tr("batch_size %1: ran, peak %2")
                                               .arg(a.batchSize)
                                               .arg(QString::fromStdString(model::formatBytes(a.peakBytes)))
                                         : tr("batch_size %1: out of memory").arg(a.batchSize);
                reportProgress(progress, Progress(0.0, "attempt " + std::to_string(a.batchSize), a.batchSize,
                                                  0, line.toStdString()));
            });
        },
        [this](const train::BatchSearch& search) { Q_EMIT searchFinished(search.largest, QString()); },
        [this](const QString& message) {
            Q_EMIT searchFinished(0, message.section(QLatin1Char('\n'), 0, 0));
        });
}

} // namespace clipwb::ui
