#pragma once
// The one progress-and-cancel convention of the core's long jobs (building an
// LMDB, checking, searching or summarising a split, drawing the demo dataset,
// extracting features): the job calls a ProgressCallback now and then from its
// own thread; returning false asks it to stop, and it then throws Cancelled.
// A caller treats Cancelled as "stopped on request", never as a failure to
// report. The GUI runs such jobs with ui/common/BackgroundJob; the CLI draws the
// same reports as a progress bar.
#include "common/Error.h"

#include <cstdint>
#include <functional>
#include <string>
#include <utility>

namespace clipwb {

struct Progress {
    Progress() = default;
    /// A report as the jobs write it: {fraction, stage, done, total}, detail when there is one.
    Progress(double fraction, std::string stage, std::int64_t done = 0, std::int64_t total = 0,
             std::string detail = {})
        : fraction(fraction), stage(std::move(stage)), done(done), total(total), detail(std::move(detail))
    {
    }

    double fraction = 0;   ///< of the whole job, in [0, 1]
    std::string stage;     ///< what the job does now, in words ("images", "train pairs")
    std::int64_t done = 0; ///< units of this stage done so far, of total (both 0 when it is not counted)
    std::int64_t total = 0;
    std::string detail; ///< an optional count in words ("1200 pairs")
};

/// Called from the job's thread; returns false to ask the job to stop.
using ProgressCallback = std::function<bool(const Progress&)>;

/// Thrown by a job whose ProgressCallback asked it to stop; it leaves nothing half-written.
class Cancelled : public Error {
public:
    Cancelled() : Error("cancelled") {}
};

/// Hands report to progress when there is one; throws Cancelled when it asks to stop.
inline void reportProgress(const ProgressCallback& progress, const Progress& report)
{
    if (progress && !progress(report))
        throw Cancelled();
}

/// The callback for one part of a job, the part running from start to start + share of the whole:
/// it passes the part's reports on with their fraction (of the part) mapped into the job's.
inline ProgressCallback progressWithin(ProgressCallback progress, double start, double share)
{
    if (!progress)
        return {};
    return [progress = std::move(progress), start, share](const Progress& part) {
        Progress job = part;
        job.fraction = start + share * part.fraction;
        return progress(job);
    };
}

} // namespace clipwb
