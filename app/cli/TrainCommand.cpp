#include "Commands.h"
#include "ProgressBar.h"
#include "TrainConsole.h"

#include "common/Error.h"
#include "common/SignalDispatcher.h"
#include "config/TrainConfig.h"
#include "dist/DistEnv.h"
#include "dist/RankLauncher.h"
#include "train/Trainer.h"
#include "train/TrainerEventStream.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unistd.h>

namespace clipwb::cli {
namespace {

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
        std::string status = "loss " + fixed(m.loss, 4) + " lr " + formatLr(m.lr) + " i2t " +
                             fixed(m.i2t, 2) + " t2i " + fixed(m.t2i, 2) + " " +
                             fixed(m.samplesPerSecond, 1) + " samples/s";
        if (m.skipped)
            status += " (skipped: inf/NaN)";
        if (m_bar)
            m_bar->update(m.step, status);
    }
    void onValidation(const train::ValidationMetrics& v) override
    {
        printLine("validation @ step " + std::to_string(v.step) + " (epoch " + std::to_string(v.epoch) +
                  "): loss " + fixed(v.loss, 6) + ", i2t " + fixed(v.i2t * 100, 2) + "%, t2i " +
                  fixed(v.t2i * 100, 2) + "% over " + std::to_string(v.numSamples) + " pairs");
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
        if (m_bar) {
            if (stopped)
                m_bar->stopHere();
            else
                m_bar->finish();
        }
        m_bar.reset();
        printLine(stopped
                      ? "stopped; continue with the same command (epoch_latest.pt: " + m_lastCheckpoint + ")"
                      : "done; last checkpoint " + m_lastCheckpoint);
    }
    void onFailed(const std::string&) override
    {
        if (m_bar)
            m_bar->stopHere();
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
        if (stderrIsTerminal())
            std::fprintf(stderr, "\r\033[K%s\n", text.c_str());
        else
            std::fprintf(stderr, "%s\n", text.c_str());
    }
    std::unique_ptr<ProgressBar> m_bar;
    std::string m_lastCheckpoint;
};

} // namespace

/// Shared by `train` and `demo`: runs a trainer with the console progress bar and Ctrl-C handling.
void trainWithConsole(const config::TrainConfig& config, const train::DataParallelOptions& parallel)
{
    ConsoleObserver observer;
    // Ranks other than 0 draw no progress: they log to stderr with their rank.
    const bool console = !parallel.env.distributed() || parallel.env.rank == 0;
    // CLIPWB_TRAIN_EVENTS=1 (the GUI launching ranks): rank 0 reports its events as lines on
    // stdout instead of the progress bar.
    const char* events = std::getenv("CLIPWB_TRAIN_EVENTS");
    train::TrainerEventWriter eventWriter(stdout);
    train::TrainerObserver* reporter = nullptr;
    if (console)
        reporter = events && std::string(events) == "1" ? static_cast<train::TrainerObserver*>(&eventWriter)
                                                        : &observer;
    // Before the trainer starts any thread: the signals reach it only through the dispatcher's
    // own thread (see common/SignalDispatcher.h for why never as handlers).
    // Once training has ended, a late "save now" or "pause" means nothing (and their default
    // action would kill a finished run): the dispatcher restores these on the way out.
    std::signal(SIGUSR1, SIG_IGN);
    std::signal(SIGUSR2, SIG_IGN);
    std::mutex targetMutex;
    train::Trainer* target = nullptr;
    int interrupts = 0;
    SignalDispatcher signals({SIGINT, SIGTERM, SIGUSR1, SIGUSR2}, [&](int sig) {
        std::lock_guard<std::mutex> lock(targetMutex);
        if (sig == SIGUSR1 || sig == SIGUSR2) {
            // Save now; pause / continue (the launcher passes both on to its ranks, the GUI
            // sends them to a run it started).
            if (target && sig == SIGUSR1)
                target->requestSave();
            else if (target)
                target->togglePauseFromSignal();
            return;
        }
        // First Ctrl-C or SIGTERM: finish the step and save epoch_latest.pt; a second one kills,
        // and so does the first while the run is still setting up (loading, the rendezvous:
        // torchrun's SIGTERM when another rank failed), when there is nothing to save.
        if (!target || !target->isTraining() || ++interrupts > 1)
            SignalDispatcher::dieBy(sig);
        target->requestStop();
    });
    train::Trainer trainer(config, reporter);
    trainer.setDataParallel(parallel);
    {
        std::lock_guard<std::mutex> lock(targetMutex);
        target = &trainer;
    }
    struct Forget {
        std::mutex& mutex;
        train::Trainer*& target;
        ~Forget()
        {
            std::lock_guard<std::mutex> lock(mutex);
            target = nullptr;
        }
    } forget{targetMutex, target};
    trainer.run();
}

void trainWithConsole(const config::TrainConfig& config)
{
    trainWithConsole(config, train::DataParallelOptions{});
}

namespace {

int parsePositive(const std::string& flag, const std::string& value, int low, int high)
{
    size_t used = 0;
    int v = 0;
    try {
        v = std::stoi(value, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    CLIPWB_CHECK(used == value.size() && !value.empty(), flag, ": not an integer: '", value, "'");
    CLIPWB_CHECK(v >= low && v <= high, flag, ": ", v, " is out of range (", low, "..", high, ")");
    return v;
}

std::string selfExecutable()
{
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    CLIPWB_CHECK(!ec, "cannot find this program's path (/proc/self/exe): ", ec.message());
    return self.string();
}

} // namespace

int runTrain(const Args& args)
{
    std::optional<std::filesystem::path> file;
    std::vector<std::string> flags;
    // Data parallelism: the launcher's own flags (consumed here), and those every rank reads.
    std::optional<int> nprocPerNode;
    dist::LaunchOptions launch;
    std::vector<std::string> rankArgs{"train"};
    train::DataParallelOptions parallel;
    auto valueOf = [&](size_t& i, const std::string& flag) -> std::string {
        const std::string& a = args[i];
        if (a.size() > flag.size() && a.compare(0, flag.size() + 1, flag + "=") == 0)
            return a.substr(flag.size() + 1);
        CLIPWB_CHECK(i + 1 < args.size(), flag, " needs a value");
        return args[++i];
    };
    auto is = [&](size_t i, const std::string& flag) {
        return args[i] == flag || args[i].rfind(flag + "=", 0) == 0;
    };
    for (size_t i = 0; i < args.size(); ++i) {
        if (is(i, "--nproc-per-node") || is(i, "--nproc_per_node")) {
            nprocPerNode = parsePositive("--nproc-per-node", valueOf(i, "--nproc-per-node"), 1, 4096);
            continue;
        }
        if (is(i, "--nnodes")) {
            launch.nnodes = parsePositive("--nnodes", valueOf(i, "--nnodes"), 1, 65536);
            continue;
        }
        if (is(i, "--node-rank") || is(i, "--node_rank")) {
            launch.nodeRank = parsePositive("--node-rank", valueOf(i, "--node-rank"), 0, 65535);
            continue;
        }
        if (is(i, "--master-addr") || is(i, "--master_addr")) {
            launch.masterAddr = valueOf(i, "--master-addr");
            continue;
        }
        if (is(i, "--master-port") || is(i, "--master_port")) {
            launch.masterPort = parsePositive("--master-port", valueOf(i, "--master-port"), 1, 65535);
            continue;
        }
        if (is(i, "--dist-backend")) {
            parallel.backend = valueOf(i, "--dist-backend");
            CLIPWB_CHECK(parallel.backend == "gloo" || parallel.backend == "nccl" ||
                             parallel.backend == "auto",
                         "--dist-backend: '", parallel.backend, "' (gloo, nccl or auto)");
            rankArgs.push_back("--dist-backend=" + parallel.backend);
            continue;
        }
        if (is(i, "--dist-timeout")) {
            parallel.timeoutSeconds =
                parsePositive("--dist-timeout", valueOf(i, "--dist-timeout"), 1, 1 << 24);
            rankArgs.push_back("--dist-timeout=" + std::to_string(parallel.timeoutSeconds));
            continue;
        }
        if (is(i, "--rdzv-timeout")) {
            parallel.rendezvousTimeoutSeconds =
                parsePositive("--rdzv-timeout", valueOf(i, "--rdzv-timeout"), 1, 1 << 24);
            rankArgs.push_back("--rdzv-timeout=" + std::to_string(parallel.rendezvousTimeoutSeconds));
            continue;
        }
        rankArgs.push_back(args[i]);
        if (args[i] == "--config") {
            CLIPWB_CHECK(i + 1 < args.size(), "--config needs a file");
            file = args[++i];
            rankArgs.push_back(args[i]);
        } else if (args[i].rfind("--config=", 0) == 0) {
            file = args[i].substr(9);
        } else if (args[i] == "--help" || args[i] == "-h") {
            std::printf(
                "usage: clipwb-cli train [--config FILE.json] [--upstream-flag VALUE ...]\n"
                "       clipwb-cli train --nproc-per-node N [--nnodes M --node-rank R --master-addr A "
                "--master-port P]\n"
                "                        [--dist-backend gloo|nccl] [--config FILE.json] [flags]\n"
                "Flags are upstream Chinese-CLIP's training arguments (--batch-size 48, --lr 5e-5, ...);\n"
                "a flag overrides the file. Ctrl-C finishes the step and saves epoch_latest.pt;\n"
                "SIGUSR1 saves a checkpoint now, SIGUSR2 pauses and continues.\n"
                "\n"
                "Data-parallel training (batch_size is per rank; the global batch is batch_size x ranks):\n"
                "  --nproc-per-node N   start N ranks on this machine (one per GPU, or CPU processes)\n"
                "  --nnodes M           machines in the run (default 1); on each, --node-rank R (0..M-1)\n"
                "  --master-addr A      node 0's address (default 127.0.0.1 on one machine)\n"
                "  --master-port P      its rendezvous port (default: a free port on one machine)\n"
                "  --dist-backend B     gloo or nccl (default: nccl on CUDA, gloo on the CPU)\n"
                "  --dist-timeout S     seconds one collective may wait for the other ranks (1800)\n"
                "  --rdzv-timeout S     seconds a rank waits for the others to arrive (300)\n"
                "A rank started by torchrun (or by hand) reads RANK, WORLD_SIZE, LOCAL_RANK,\n"
                "MASTER_ADDR and MASTER_PORT from the environment.\n");
            return 0;
        } else {
            flags.push_back(args[i]);
        }
    }
    const config::ConfigResult result = config::resolveConfig(file, flags);
    const config::TrainConfig& config = config::requireValid(result);
    if (nprocPerNode) {
        // The launcher: this process starts the ranks and trains nothing itself.
        launch.nprocPerNode = *nprocPerNode;
        launch.program = selfExecutable();
        launch.args = rankArgs;
        const dist::LaunchResult r = dist::launchRanks(launch);
        return r.exitCode;
    }
    CLIPWB_CHECK(launch.nnodes == 1 && launch.nodeRank == 0 && launch.masterAddr.empty() &&
                     launch.masterPort == 0,
                 "--nnodes, --node-rank, --master-addr and --master-port go with --nproc-per-node N");
    parallel.env = dist::readDistEnv();
    trainWithConsole(config, parallel);
    return 0;
}

} // namespace clipwb::cli
