// CPU training speed: `clipwb-cli train` against the upstream-equivalent
// PyTorch step (upstream_train_step.py, Debian's python3-torch), same data
// (the reference LMDB), model (Tiny-ViT + Tiny-BERT), batch and thread count,
// measured in the same run. Time per step without start-up (median after
// warm-up steps), and the share of the step spent waiting for data. The two
// alternate for several rounds (CLIPWB_BENCH_ROUNDS, default 5) on the shared
// machine; the figures are the medians over the rounds of each run's median.
#include "common/AtomicFile.h"

#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <sstream>

namespace {

constexpr int kBatch = 32;
constexpr int kSteps = 24;
constexpr int kWarmupSteps = 3;

QProcessEnvironment benchEnvironment(int threads)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("OMP_NUM_THREADS"), QString::number(threads));
    env.insert(QStringLiteral("MKL_NUM_THREADS"), QString::number(threads));
    return env;
}

struct Timing {
    double stepSeconds = 0;
    double dataWaitSeconds = 0;
};

std::optional<Timing> runPython(int threads, int workers)
{
    const QString fixtures = QStringLiteral(CLIPWB_TEST_FIXTURES);
    QProcess python;
    python.setProcessEnvironment(benchEnvironment(threads));
    python.start(QStringLiteral("/usr/bin/python3"),
                 {QStringLiteral(CLIPWB_SOURCE_DIR "/tests/bench/upstream_train_step.py"), QStringLiteral("--train-data"),
                  fixtures + QStringLiteral("/lmdb/lmdb/train"), QStringLiteral("--vision-model"),
                  fixtures + QStringLiteral("/model_configs/Tiny-ViT.json"), QStringLiteral("--text-model"),
                  fixtures + QStringLiteral("/model_configs/Tiny-BERT.json"), QStringLiteral("--vocab"),
                  QStringLiteral(CLIPWB_SOURCE_DIR "/resources/vocab.txt"), QStringLiteral("--batch-size"),
                  QString::number(kBatch), QStringLiteral("--steps"), QString::number(kSteps - kWarmupSteps),
                  QStringLiteral("--warmup-steps"), QString::number(kWarmupSteps), QStringLiteral("--num-workers"),
                  QString::number(workers)});
    if (!python.waitForFinished(900000) || python.exitCode() != 0) {
        qWarning("python baseline failed: %s", python.readAllStandardError().constData());
        return std::nullopt;
    }
    const auto j = nlohmann::json::parse(python.readAllStandardOutput().toStdString(), nullptr, false);
    if (j.is_discarded())
        return std::nullopt;
    return Timing{j["median_step_s"].get<double>(), j["mean_data_wait_s"].get<double>()};
}

std::optional<Timing> runClipwb(int threads, int workers, const QString& logs)
{
    const QString fixtures = QStringLiteral(CLIPWB_TEST_FIXTURES);
    QProcess cli;
    cli.setProcessEnvironment(benchEnvironment(threads));
    cli.start(QStringLiteral(CLIPWB_BIN_DIR "/clipwb-cli"),
              {QStringLiteral("train"), QStringLiteral("--train-data"), fixtures + QStringLiteral("/lmdb/lmdb/train"),
               QStringLiteral("--vision-model"), fixtures + QStringLiteral("/model_configs/Tiny-ViT.json"),
               QStringLiteral("--text-model"), fixtures + QStringLiteral("/model_configs/Tiny-BERT.json"),
               QStringLiteral("--batch-size"), QString::number(kBatch), QStringLiteral("--max-steps"),
               QString::number(kSteps), QStringLiteral("--warmup"), QStringLiteral("10"), QStringLiteral("--lr"),
               QStringLiteral("5e-4"), QStringLiteral("--precision"), QStringLiteral("fp32"),
               QStringLiteral("--num-workers"), QString::number(workers), QStringLiteral("--device"),
               QStringLiteral("cpu"), QStringLiteral("--logs"), logs, QStringLiteral("--name"), QStringLiteral("bench"),
               QStringLiteral("--log-interval"), QStringLiteral("1"), QStringLiteral("--report-training-batch-acc"),
               QStringLiteral("--save-epoch-frequency"), QStringLiteral("0")});
    if (!cli.waitForFinished(900000) || cli.exitCode() != 0) {
        qWarning("clipwb-cli train failed: %s", cli.readAllStandardError().constData());
        return std::nullopt;
    }
    std::istringstream in(clipwb::readFile((logs + QStringLiteral("/bench/metrics.jsonl")).toStdString()));
    std::vector<double> steps;
    double wait = 0;
    std::string line;
    while (std::getline(in, line)) {
        const auto j = nlohmann::json::parse(line);
        if (j["type"] != "train" || j["step"].get<int>() <= kWarmupSteps)
            continue;
        steps.push_back(j["step_time_s"].get<double>());
        wait += j["data_wait_s"].get<double>();
    }
    if (steps.empty())
        return std::nullopt;
    const double mean = wait / static_cast<double>(steps.size());
    std::sort(steps.begin(), steps.end());
    return Timing{steps[steps.size() / 2], mean};
}

} // namespace

class BenchTrain : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void cpuStepAgainstUpstreamPython_data()
    {
        QTest::addColumn<int>("threads");
        QTest::addColumn<int>("workers");
        // One compute thread each: the shared 2-core build machine makes more threads measure
        // the neighbours rather than the code.
        QTest::newRow("1 thread, 1 loader worker") << 1 << 1;
    }

    void cpuStepAgainstUpstreamPython()
    {
        QFETCH(int, threads);
        QFETCH(int, workers);
        QTemporaryDir dir;
        // Alternate the two (the machine is shared: its load changes from minute to minute)
        // and report the median over the rounds; each round's ratio too.
        const int rounds = qEnvironmentVariableIntValue("CLIPWB_BENCH_ROUNDS") > 0
                               ? qEnvironmentVariableIntValue("CLIPWB_BENCH_ROUNDS")
                               : 5;
        std::vector<Timing> pythonRuns, clipwbRuns;
        std::vector<double> ratios;
        for (int round = 0; round < rounds; ++round) {
            const auto python = runPython(threads, workers);
            if (!python)
                QSKIP("/usr/bin/python3 with torch, torchvision, lmdb and PIL is not available");
            const auto clipwb = runClipwb(threads, workers, dir.filePath(QStringLiteral("run%1").arg(round)));
            QVERIFY(clipwb.has_value());
            pythonRuns.push_back(*python);
            clipwbRuns.push_back(*clipwb);
            ratios.push_back(python->stepSeconds / clipwb->stepSeconds);
            qInfo("round %d: clipwb %.1f ms, PyTorch %.1f ms, %.2fx", round + 1, clipwb->stepSeconds * 1e3,
                  python->stepSeconds * 1e3, ratios.back());
        }
        const auto median = [](std::vector<double> v) {
            std::sort(v.begin(), v.end());
            return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
        };
        const auto medianOf = [&](const std::vector<Timing>& runs, double Timing::*field) {
            std::vector<double> v;
            for (const auto& t : runs)
                v.push_back(t.*field);
            return median(v);
        };
        const double ours = medianOf(clipwbRuns, &Timing::stepSeconds);
        const double oursWait = medianOf(clipwbRuns, &Timing::dataWaitSeconds);
        const double theirs = medianOf(pythonRuns, &Timing::stepSeconds);
        const double theirsWait = medianOf(pythonRuns, &Timing::dataWaitSeconds);
        qInfo("train step, Tiny-ViT + Tiny-BERT, batch %d, %d thread(s), %d loader worker(s), median of %d "
              "alternating rounds: clipwb %.1f ms (data wait %.1f ms = %.1f%%), upstream-equivalent PyTorch %.1f ms "
              "(data wait %.1f ms = %.1f%%): %.2fx faster (median of the rounds' ratios %.2fx, range %.2f-%.2fx)",
              kBatch, threads, workers, rounds, ours * 1e3, oursWait * 1e3, 100 * oursWait / ours, theirs * 1e3,
              theirsWait * 1e3, 100 * theirsWait / theirs, theirs / ours, median(ratios),
              *std::min_element(ratios.begin(), ratios.end()), *std::max_element(ratios.begin(), ratios.end()));
        QVERIFY(ours > 0 && theirs > 0);
    }
};

QTEST_GUILESS_MAIN(BenchTrain)
#include "BenchTrain.moc"
