#pragma once
// A trainer's observer events as text lines, so that the program which started
// `clipwb-cli train` follows rank 0 as closely as an in-process observer does:
// the GUI launches a data-parallel run as separate processes and reads their
// stdout. Each event is one line "clipwb-event {json}"; other lines are left
// alone. Torch-free (nlohmann_json only).
#include "train/TrainerObserver.h"

#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

namespace clipwb::train {

/// Writes every event it observes to out (flushed per line), then passes it on to next.
class TrainerEventWriter : public TrainerObserver {
public:
    explicit TrainerEventWriter(std::FILE* out, TrainerObserver* next = nullptr) : m_out(out), m_next(next) {}

    void onStarted(const RunInfo& info) override;
    void onStep(const StepMetrics& m) override;
    void onValidation(const ValidationMetrics& m) override;
    void onCheckpointSaved(const std::filesystem::path& path, int64_t epoch, int64_t step) override;
    void onLog(LogLevel level, const std::string& text) override;
    void onFinished(bool stopped) override;
    void onFailed(const std::string& message) override;

private:
    void write(const std::string& line);

    std::mutex m_mutex; // onLog may come from the loader's threads
    std::FILE* m_out;
    TrainerObserver* m_next;
};

/// The line prefix of an event.
inline constexpr std::string_view kTrainerEventPrefix = "clipwb-event ";

/// Decodes one line and calls the matching callback of target. False when the line is
/// not an event (no prefix, broken JSON, unknown kind): the caller treats it as text.
bool readTrainerEvent(std::string_view line, TrainerObserver& target);

} // namespace clipwb::train
