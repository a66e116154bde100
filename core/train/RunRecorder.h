#pragma once
// Where a run's progress goes: metrics.jsonl, the observer, and upstream's
// "Global Steps: ..." log line every log_interval steps. One place, so that
// another sink (TensorBoard events) or a rank that records nothing plugs in here.
#include "train/MetricsWriter.h"
#include "train/TrainSession.h"

#include <memory>

namespace clipwb::train {

class RunRecorder {
public:
    explicit RunRecorder(TrainSession& session) : s(session) {}

    /// Opens {run}/metrics.jsonl, dropping records after keepUpToStep (a resumed run
    /// repeats the steps done after its checkpoint).
    void open(int64_t keepUpToStep);
    /// samplesInEpoch: pairs of this epoch trained so far; globalBatch: pairs of one step.
    void step(const StepMetrics& m, int64_t samplesInEpoch, int64_t globalBatch);
    void validation(const ValidationMetrics& v);

private:
    TrainSession& s;
    std::unique_ptr<MetricsWriter> m_metrics;
};

} // namespace clipwb::train
