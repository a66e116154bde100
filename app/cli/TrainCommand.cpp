#include "Commands.h"
#include "ProgressBar.h"
#include "TrainConsole.h"

#include "common/Error.h"
#include "config/TrainConfig.h"
#include "train/Trainer.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>
#include <unistd.h>

namespace clipwb::cli {
namespace {

std::atomic<train::Trainer*> g_interruptTarget{nullptr};

extern "C" void onInterrupt(int)
{
    // First Ctrl-C: finish the step and save epoch_latest.pt; a second one kills.
    if (train::Trainer* trainer = g_interruptTarget.exchange(nullptr)) {
        trainer->requestStop();
        std::signal(SIGINT, SIG_DFL);
        std::signal(SIGTERM, SIG_DFL);
    }
}

std::string fixed(double v, int digits)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    return buf;
}

class ConsoleObserver : public train::TrainerObserver {
public:
    void onStarted(const train::RunInfo& info) override
    {
        printLine("training " + info.name + " on " + info.device + " (" + info.precision + "), " +
                  std::to_string(info.maxSteps) + " steps, run folder " + info.runDir.string() +
                  (info.resumedFrom.empty() ? "" : ", resumed from " + info.resumedFrom));
        m_bar = std::make_unique<ProgressBar>("train", info.maxSteps);
        m_bar->update(info.startStep);
    }
    void onStep(const train::StepMetrics& m) override
    {
        std::string status = "loss " + fixed(m.loss, 4) + " lr " + formatLr(m.lr) + " i2t " + fixed(m.i2t, 2) +
                             " t2i " + fixed(m.t2i, 2) + " " + fixed(m.samplesPerSecond, 1) + " samples/s";
        if (m.skipped)
            status += " (skipped: inf/NaN)";
        if (m_bar)
            m_bar->update(m.step, status);
    }
    void onValidation(const train::ValidationMetrics& v) override
    {
        printLine("validation @ step " + std::to_string(v.step) + " (epoch " + std::to_string(v.epoch) + "): loss " +
                  fixed(v.loss, 6) + ", i2t " + fixed(v.i2t * 100, 2) + "%, t2i " + fixed(v.t2i * 100, 2) + "% over " +
                  std::to_string(v.numSamples) + " pairs");
    }
    void onCheckpointSaved(const std::filesystem::path& path, int64_t, int64_t step) override
    {
        m_lastCheckpoint = path.string();
    }
    void onLog(train::LogLevel level, const std::string& text) override
    {
        if (level != train::LogLevel::Info)
            printLine(std::string(level == train::LogLevel::Warning ? "warning: " : "error: ") + text);
    }
    void onFinished(bool stopped) override
    {
        if (m_bar)
            m_bar->finish();
        m_bar.reset();
        printLine(stopped ? "stopped; continue with the same command (epoch_latest.pt: " + m_lastCheckpoint + ")"
                          : "done; last checkpoint " + m_lastCheckpoint);
    }
    void onFailed(const std::string&) override
    {
        if (m_bar)
            m_bar->finish();
        m_bar.reset();
    }

private:
    static std::string formatLr(double lr)
    {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.3g", lr);
        return buf;
    }
    void printLine(const std::string& text)
    {
        if (::isatty(STDERR_FILENO) == 1)
            std::fprintf(stderr, "\r\033[K%s\n", text.c_str());
        else
            std::fprintf(stderr, "%s\n", text.c_str());
    }
    std::unique_ptr<ProgressBar> m_bar;
    std::string m_lastCheckpoint;
};

} // namespace

/// Shared by `train` and `demo`: runs a trainer with the console progress bar and Ctrl-C handling.
void trainWithConsole(const config::TrainConfig& config)
{
    ConsoleObserver observer;
    train::Trainer trainer(config, &observer);
    g_interruptTarget = &trainer;
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
    struct Restore {
        ~Restore()
        {
            g_interruptTarget = nullptr;
            std::signal(SIGINT, SIG_DFL);
            std::signal(SIGTERM, SIG_DFL);
        }
    } restore;
    trainer.run();
}

int runTrain(const Args& args)
{
    std::optional<std::filesystem::path> file;
    std::vector<std::string> flags;
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--config") {
            CLIPWB_CHECK(i + 1 < args.size(), "--config needs a file");
            file = args[++i];
        } else if (args[i].rfind("--config=", 0) == 0) {
            file = args[i].substr(9);
        } else if (args[i] == "--help" || args[i] == "-h") {
            std::printf("usage: clipwb-cli train [--config FILE.json] [--upstream-flag VALUE ...]\n"
                        "Flags are upstream Chinese-CLIP's training arguments (--batch-size 48, --lr 5e-5, ...);\n"
                        "a flag overrides the file. Ctrl-C finishes the step and saves epoch_latest.pt.\n");
            return 0;
        } else {
            flags.push_back(args[i]);
        }
    }
    const config::ConfigResult result = config::resolveConfig(file, flags);
    trainWithConsole(config::requireValid(result));
    return 0;
}

} // namespace clipwb::cli
