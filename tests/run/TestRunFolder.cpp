// RunFolder against a generated run folder that grows while it is read.
#include "common/AtomicFile.h"
#include "common/Error.h"
#include "run/MetricsLine.h"
#include "run/RunFolder.h"
#include "run/RunLock.h"

#include <nlohmann/json.hpp>

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <thread>

namespace fs = std::filesystem;
using clipwb::run::RunFolder;

namespace {

std::string trainLine(int step, int stepsPerEpoch = 10, int maxSteps = 100)
{
    char line[400];
    std::snprintf(line, sizeof line,
                  "{\"type\":\"train\",\"step\":%d,\"epoch\":%d,\"loss\":%.6f,\"i2t\":%.4f,\"t2i\":%.4f,"
                  "\"lr\":%.3e,\"logit_scale\":%.4f,\"samples_per_s\":%.2f,\"time\":%.3f,"
                  "\"step_time_s\":0.05,\"data_wait_s\":0.01,\"max_steps\":%d}",
                  step, (step - 1) / stepsPerEpoch + 1, 2.0 / std::sqrt(double(step)), step * 0.001,
                  step * 0.002, 1e-4 * step, 2.66 + step * 1e-3, 160.0 + step, 1.7e9 + step * 0.05, maxSteps);
    return line;
}

std::string valLine(int step, int epoch, double loss)
{
    return nlohmann::json{{"type", "val"}, {"step", step}, {"epoch", epoch}, {"loss", loss}, {"i2t", 0.5}, {"t2i", 0.25}}
        .dump();
}

void append(const fs::path& path, const std::string& bytes)
{
    std::ofstream out(path, std::ios::app | std::ios::binary);
    out << bytes;
}

void touch(const fs::path& path, size_t bytes)
{
    std::ofstream out(path, std::ios::binary);
    out << std::string(bytes, 'x');
}

} // namespace

class TestRunFolder : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void runLockRefusesASecondTrainer()
    {
        QTemporaryDir dir;
        const std::filesystem::path run = dir.filePath(QStringLiteral("runs/locked")).toStdString();
        std::filesystem::create_directories(run);
        QVERIFY(!clipwb::run::RunLock::isHeld(run));
        {
            clipwb::run::RunLock lock(run);
            QVERIFY(clipwb::run::RunLock::isHeld(run));
            try {
                clipwb::run::RunLock second(run);
                QFAIL("a second lock on the same folder was granted");
            } catch (const clipwb::Error& e) {
                QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("runs/locked")), e.what());
            }

            // The CLI refuses to train into it, naming the folder, and leaves it as it was.
            QProcess cli;
            cli.start(QStringLiteral(CLIPWB_BIN_DIR "/clipwb-cli"),
                      {QStringLiteral("train"), QStringLiteral("--config"),
                       QStringLiteral(CLIPWB_TEST_FIXTURES "/train/fp32_bs8/config.json"), QStringLiteral("--logs"),
                       dir.filePath(QStringLiteral("runs")), QStringLiteral("--name"), QStringLiteral("locked")});
            QVERIFY(cli.waitForFinished(120000));
            QCOMPARE(cli.exitCode(), 1);
            const QString err = QString::fromUtf8(cli.readAllStandardError());
            QVERIFY2(err.contains(QStringLiteral("being trained by another process")), qPrintable(err));
            QVERIFY(!std::filesystem::exists(run / "metrics.jsonl"));
        }
        // Released with its owner (and by the kernel when a trainer dies).
        QVERIFY(!clipwb::run::RunLock::isHeld(run));
        clipwb::run::RunLock again(run);
        QVERIFY(clipwb::run::RunLock::isHeld(run));
    }

    void parsesTheTrainersLines()
    {
        clipwb::run::MetricsLine record;
        const std::string line = trainLine(7); // the record's names point into it
        QVERIFY(clipwb::run::parseMetricsLine(line, record));
        QCOMPARE(QString::fromStdString(record.type), QStringLiteral("train"));
        QCOMPARE(record.fields.size(), size_t(12));
        QCOMPARE(record.fields[0].first, std::string_view("step"));
        QCOMPARE(record.fields[0].second, 7.0);
        QVERIFY(!clipwb::run::parseMetricsLine("{\"type\":\"train\",\"step\":3,\"lo", record));
        QVERIFY(!clipwb::run::parseMetricsLine("[1,2]", record));
        QVERIFY(!clipwb::run::parseMetricsLine("{\"step\":1} trailing", record));
        // Nested (retrieval evaluation) and escaped lines go through the generic path.
        QVERIFY(clipwb::run::parseMetricsLine(
            R"({"type":"eval","step":40,"text_to_image":{"r1":0.25,"r5":0.5},"note":"a\"b","ok":true,"x":null})",
            record));
        QCOMPARE(QString::fromStdString(record.type), QStringLiteral("eval"));
        QCOMPARE(record.fields.size(), size_t(4));
        std::map<std::string, double> byName;
        for (const auto& [name, value] : record.fields)
            byName[std::string(name)] = value;
        QCOMPARE(byName.at("step"), 40.0);
        QCOMPARE(byName.at("text_to_image.r1"), 0.25);
        QCOMPARE(byName.at("text_to_image.r5"), 0.5);
        QCOMPARE(byName.at("ok"), 1.0);
    }

    void fastPathAgreesWithNlohmann()
    {
        std::mt19937 random(5);
        std::uniform_real_distribution<double> value(-1e6, 1e6);
        for (int n = 0; n < 2000; ++n) {
            nlohmann::json j = {{"type", "train"}, {"step", n}, {"a", value(random)}, {"b", value(random) * 1e-12},
                                {"c", int64_t(value(random))}, {"flag", n % 2 == 0}};
            const std::string text = j.dump(n % 3 == 0 ? 1 : -1);
            std::string oneLine = text;
            std::replace(oneLine.begin(), oneLine.end(), '\n', ' ');
            clipwb::run::MetricsLine record;
            QVERIFY(clipwb::run::parseMetricsLine(oneLine, record));
            QCOMPARE(record.fields.size(), size_t(5));
            QCOMPARE(record.fields[1].second, j["a"].get<double>());
            QCOMPARE(record.fields[2].second, j["b"].get<double>());
            QCOMPARE(record.fields[3].second, double(j["c"].get<int64_t>()));
            QCOMPARE(record.fields[4].second, n % 2 == 0 ? 1.0 : 0.0);
        }
    }

    void emptyAndMissingFolders()
    {
        QTemporaryDir dir;
        RunFolder run(fs::path(dir.path().toStdString()) / "nothing-here");
        const auto update = run.refresh();
        QVERIFY(!update.any());
        QCOMPARE(run.train().rows(), size_t(0));
        QCOMPARE(run.maxSteps(), int64_t(0));
        QVERIFY(!RunFolder::looksLikeRunFolder(run.dir()));
    }

    void tailsMetricsAsTheyGrow()
    {
        QTemporaryDir tmp;
        const fs::path dir = tmp.path().toStdString();
        RunFolder run(dir);
        clipwb::writeFileAtomic(dir / "config.json", R"({"name":"demo","max_steps":null,"lr":0.0005})");
        QVERIFY(RunFolder::looksLikeRunFolder(dir));
        auto update = run.refresh();
        QVERIFY(update.configChanged);
        QCOMPARE(*run.configValue("name"), std::string("demo"));
        QCOMPARE(*run.configValue("lr"), std::string("0.0005"));
        QVERIFY(!run.configValue("max_steps").has_value());

        const fs::path metrics = dir / "metrics.jsonl";
        append(metrics, trainLine(1) + "\n" + trainLine(2) + "\n");
        update = run.refresh();
        QCOMPARE(update.newTrainRows, size_t(2));
        QVERIFY(!update.configChanged);
        QCOMPARE(run.maxSteps(), int64_t(100));

        // A line written in two pieces counts once, when complete.
        const std::string third = trainLine(3);
        append(metrics, third.substr(0, 25));
        update = run.refresh();
        QCOMPARE(update.newTrainRows, size_t(0));
        QVERIFY(!update.any());
        append(metrics, third.substr(25) + "\n" + valLine(3, 1, 1.5) + "\n");
        update = run.refresh();
        QCOMPARE(update.newTrainRows, size_t(1));
        QCOMPARE(update.newValRows, size_t(1));
        QCOMPARE(run.train().rows(), size_t(3));
        QCOMPARE(run.train().value("step", 2), 3.0);
        QCOMPARE(run.train().value("loss", 2), std::stod(nlohmann::json::parse(third)["loss"].dump()));
        QCOMPARE(run.validationRowAtStep(3), 0L);
        QCOMPARE(run.validation().value("loss", 0), 1.5);
        QCOMPARE(run.validationRowAtStep(2), -1L);

        // A garbage line is skipped and counted; a new key becomes a column.
        append(metrics, "not json\n{\"type\":\"train\",\"step\":4,\"epoch\":1,\"loss\":0.9,\"cuda_memory_mb\":812}\n");
        update = run.refresh();
        QCOMPARE(update.malformedLines, size_t(1));
        QCOMPARE(run.train().rows(), size_t(4));
        QVERIFY(std::isnan(run.train().value("cuda_memory_mb", 2)));
        QCOMPARE(run.train().value("cuda_memory_mb", 3), 812.0);
        QVERIFY(std::isnan(run.train().value("lr", 3)));

        // A resumed run rewrites metrics.jsonl atomically (new file, fewer lines): read it again.
        clipwb::writeFileAtomic(metrics, trainLine(1) + "\n" + trainLine(2) + "\n");
        update = run.refresh();
        QVERIFY(update.reset);
        QCOMPARE(run.train().rows(), size_t(2));
        QCOMPARE(run.validation().rows(), size_t(0));
        QCOMPARE(run.malformedLines(), size_t(0));
    }

    void readsLogAndCheckpoints()
    {
        QTemporaryDir tmp;
        const fs::path dir = tmp.path().toStdString();
        RunFolder run(dir);
        append(dir / "metrics.jsonl", trainLine(9) + "\n" + trainLine(10) + "\n" + trainLine(11) + "\n");
        append(dir / "train.log", "2026-11-27 18:00:00 | INFO | started\n2026-11-27 18:00:01 | WARNING | slow disk\n"
                                  "plain line\n2026-11-27 18:00:02 | ERROR | boom");
        fs::create_directories(dir / "checkpoints");
        touch(dir / "checkpoints" / "epoch1.pt", 100);
        touch(dir / "checkpoints" / "epoch_1_5.pt", 200);
        touch(dir / "checkpoints" / "epoch_latest.pt", 300);
        touch(dir / "checkpoints" / "notes.txt", 3);
        auto update = run.refresh();
        QVERIFY(update.checkpointsChanged);
        QCOMPARE(update.newLogLines, size_t(3)); // the last line has no newline yet
        QCOMPARE(QString::fromStdString(run.log()[1].level), QStringLiteral("WARNING"));
        QCOMPARE(QString::fromStdString(run.log()[1].text), QStringLiteral("slow disk"));
        QCOMPARE(QString::fromStdString(run.log()[1].time), QStringLiteral("2026-11-27 18:00:01"));
        QCOMPARE(QString::fromStdString(run.log()[2].text), QStringLiteral("plain line"));
        append(dir / "train.log", "\n");
        QCOMPARE(run.refresh().newLogLines, size_t(1));
        QCOMPARE(QString::fromStdString(run.log()[3].level), QStringLiteral("ERROR"));

        const auto& list = run.checkpoints();
        QCOMPARE(list.size(), size_t(3));
        QVERIFY(list[0].isLatest);
        QCOMPARE(list[0].sizeBytes, int64_t(300));
        QCOMPARE(QString::fromStdString(list[1].fileName), QStringLiteral("epoch1.pt"));
        QCOMPARE(*list[1].epoch, int64_t(1));
        QCOMPARE(*list[1].step, int64_t(10)); // the last step of epoch 1 in the metrics
        QCOMPARE(*list[2].step, int64_t(5));
        QVERIFY(!run.refresh().checkpointsChanged);
        fs::remove(dir / "checkpoints" / "epoch_1_5.pt");
        QVERIFY(run.refresh().checkpointsChanged);
        QCOMPARE(run.checkpoints().size(), size_t(2));
    }

    void followsAWriterThread()
    {
        QTemporaryDir tmp;
        const fs::path dir = tmp.path().toStdString();
        RunFolder run(dir);
        constexpr int kSteps = 20000;
        std::atomic<bool> done{false};
        std::thread writer([&] {
            std::mt19937 random(1);
            std::FILE* file = std::fopen((dir / "metrics.jsonl").c_str(), "ab");
            std::string pending;
            for (int step = 1; step <= kSteps; ++step) {
                pending += trainLine(step, 1000, kSteps) + "\n";
                if (step % 500 == 0)
                    pending += valLine(step, step / 1000 + 1, 1.0 / step) + "\n";
                // Flush arbitrary pieces, often splitting a line.
                if (random() % 7 == 0) {
                    const size_t cut = random() % pending.size();
                    std::fwrite(pending.data(), 1, cut, file);
                    std::fflush(file);
                    pending.erase(0, cut);
                }
            }
            std::fwrite(pending.data(), 1, pending.size(), file);
            std::fclose(file);
            done = true;
        });
        size_t polls = 0;
        while (!done) {
            run.refresh();
            ++polls;
            const auto* steps = run.train().column("step");
            if (steps)
                for (size_t i = 0; i < steps->size(); ++i)
                    if ((*steps)[i] != double(i + 1))
                        QFAIL("steps out of order while tailing");
        }
        writer.join();
        run.refresh();
        QVERIFY(polls > 1);
        QCOMPARE(run.train().rows(), size_t(kSteps));
        QCOMPARE(run.validation().rows(), size_t(kSteps / 500));
        QCOMPARE(run.malformedLines(), size_t(0));
        const auto* steps = run.train().column("step");
        for (int i = 0; i < kSteps; ++i)
            QCOMPARE((*steps)[i], double(i + 1));
        QCOMPARE(run.train().value("max_steps", kSteps - 1), double(kSteps));
    }

    // How fast this is, against parsing each line with nlohmann::json, is
    // tests/bench/BenchRunFolder.cpp; here only that a large file reads whole.
    void readsALargeFileWhole()
    {
        constexpr int kSteps = 200000;
        QTemporaryDir tmp;
        const fs::path dir = tmp.path().toStdString();
        {
            std::string bytes;
            for (int step = 1; step <= kSteps; ++step)
                (bytes += trainLine(step, 10000, kSteps)) += '\n';
            append(dir / "metrics.jsonl", bytes);
        }
        RunFolder run(dir);
        run.refresh();
        QCOMPARE(run.train().rows(), size_t(kSteps));
        QCOMPARE(run.malformedLines(), size_t(0));
        QCOMPARE(run.train().value("step", kSteps - 1), double(kSteps));
    }
};

QTEST_GUILESS_MAIN(TestRunFolder)
#include "TestRunFolder.moc"
