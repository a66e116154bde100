#include "train/RunRecorder.h"

#include <cmath>
#include <sstream>

namespace clipwb::train {

void RunRecorder::open(int64_t keepUpToStep)
{
    if (!s.writesRunFolder())
        return;
    m_metrics = std::make_unique<MetricsWriter>(s.runDir / "metrics.jsonl", keepUpToStep);
}

void RunRecorder::step(const StepMetrics& m, int64_t samplesInEpoch, int64_t globalBatch)
{
    if (m_metrics)
        m_metrics->writeStep(m);
    if (s.events.observer())
        s.events.observer()->onStep(m);
    if (m.skipped) // amp: GradScaler's skip, said for every step, not only at log_interval
        s.events.log(LogLevel::Warning, "step " + std::to_string(m.step) +
                                            " skipped: inf/NaN gradients under amp; loss scale lowered to " +
                                            formatFixed(m.lossScale, 1));
    // As upstream, rank 0 alone logs the step.
    if (!s.writesRunFolder() || s.cfg.log_interval <= 0 || m.step % s.cfg.log_interval != 0)
        return;
    const int64_t stepInEpoch = (m.batchInEpoch - 1) / s.cfg.accum_freq + 1;
    std::ostringstream line;
    line << "Global Steps: " << m.step << "/" << m.maxSteps << " | Train Epoch: " << m.epoch << " ["
         << samplesInEpoch << "/" << s.trainLoader->numSamples() << " ("
         << static_cast<int>(std::lround(100.0 * stepInEpoch / s.stepsPerEpoch))
         << "%)] | Loss: " << formatFixed(m.loss) << " | ";
    if (s.cfg.report_training_batch_acc)
        line << "Image2Text Acc: " << formatFixed(m.i2t * 100, 2)
             << " | Text2Image Acc: " << formatFixed(m.t2i * 100, 2) << " | ";
    line << "Data Time: " << formatFixed(m.dataWaitSeconds, 3)
         << "s | Batch Time: " << formatFixed(m.stepTimeSeconds, 3) << "s | LR: " << formatFixed(m.lr)
         << " | logit_scale: " << formatFixed(m.logitScale, 3) << " | Global Batch Size: " << globalBatch;
    if (m.skipped)
        line << " | skipped (inf/NaN gradients, loss scale " << m.lossScale << ")";
    s.events.log(LogLevel::Info, line.str());
}

void RunRecorder::validation(const ValidationMetrics& v)
{
    if (m_metrics)
        m_metrics->writeValidation(v);
    if (s.events.observer())
        s.events.observer()->onValidation(v);
}

} // namespace clipwb::train
