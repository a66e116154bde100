// The trainer's events as lines (clipwb-cli train with CLIPWB_TRAIN_EVENTS=1, read
// by the GUI for runs it launches as processes): every field survives the trip,
// anything that is not an event stays text, and one event is always one line.
#include "train/TrainerEventStream.h"

#include <QTest>

#include <cstdio>
#include <string>
#include <vector>

using namespace clipwb::train;

namespace {

/// Remembers what it was told, in order.
struct Recorder : TrainerObserver {
    std::vector<std::string> calls;
    RunInfo info;
    StepMetrics step;
    ValidationMetrics validation;
    std::filesystem::path checkpoint;
    int64_t checkpointEpoch = -1, checkpointStep = -1;
    LogLevel level = LogLevel::Info;
    std::string text;
    bool stopped = false;
    std::string failure;

    void onStarted(const RunInfo& i) override { calls.push_back("started"), info = i; }
    void onStep(const StepMetrics& m) override { calls.push_back("step"), step = m; }
    void onValidation(const ValidationMetrics& m) override { calls.push_back("validation"), validation = m; }
    void onCheckpointSaved(const std::filesystem::path& p, int64_t e, int64_t s) override
    {
        calls.push_back("checkpoint"), checkpoint = p, checkpointEpoch = e, checkpointStep = s;
    }
    void onLog(LogLevel l, const std::string& t) override { calls.push_back("log"), level = l, text = t; }
    void onFinished(bool s) override { calls.push_back("finished"), stopped = s; }
    void onFailed(const std::string& m) override { calls.push_back("failed"), failure = m; }
};

/// What a writer printed, as lines.
std::vector<std::string> linesOf(std::FILE* file)
{
    std::rewind(file);
    std::vector<std::string> lines;
    std::string line;
    for (int c; (c = std::fgetc(file)) != EOF;) {
        if (c == '\n') {
            lines.push_back(line);
            line.clear();
        } else {
            line.push_back(char(c));
        }
    }
    if (!line.empty())
        lines.push_back(line);
    return lines;
}

} // namespace

class TestTrainerEventStream : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void everyEventSurvivesTheTrip()
    {
        std::FILE* file = std::tmpfile();
        QVERIFY(file);
        Recorder passedOn;
        TrainerEventWriter writer(file, &passedOn);

        RunInfo info;
        info.runDir = "/runs/ddp run";
        info.name = "ddp run";
        info.device = "cpu";
        info.precision = "fp32";
        info.maxSteps = 18;
        info.maxEpochs = 3;
        info.batchesPerEpoch = 6;
        info.stepsPerEpoch = 3;
        info.startStep = 4;
        info.startEpoch = 1;
        info.trainSamples = 96;
        info.validSamples = 32;
        info.globalBatchSize = 32;
        info.worldSize = 2;
        info.parameterCount = 123456789012;
        info.trainableParameterCount = 42;
        info.resumedFrom = "/runs/ddp run/checkpoints/epoch_latest.pt";
        writer.onStarted(info);
        StepMetrics step;
        step.step = 5;
        step.epoch = 2;
        step.maxSteps = 18;
        step.batchInEpoch = 2;
        step.batchesPerEpoch = 6;
        step.loss = 2.0794415416798357;
        step.i2t = 0.25;
        step.t2i = 0.125;
        step.lr = 3.0000000000000004e-05;
        step.logitScale = 14.285714285714286;
        step.samplesPerSecond = 17.5;
        step.lossScale = 65536;
        step.skipped = true;
        step.etaSeconds = 61.5;
        writer.onStep(step);
        ValidationMetrics validation;
        validation.step = 6;
        validation.loss = 1.5;
        validation.numSamples = 32;
        validation.hasRecall = true;
        validation.t2iR5 = 87.5;
        validation.meanRecall = 66.6;
        writer.onValidation(validation);
        writer.onCheckpointSaved("/runs/ddp run/checkpoints/epoch_2_6.pt", 2, 6);
        writer.onLog(LogLevel::Warning, "line one\nline two \"quoted\"");
        writer.onFinished(true);
        writer.onFailed("rank 1: connection reset");

        const std::vector<std::string> lines = linesOf(file);
        std::fclose(file);
        QCOMPARE(lines.size(), size_t(7)); // a newline in a log text stays inside its event
        Recorder read;
        for (const std::string& line : lines)
            QVERIFY2(readTrainerEvent(line, read), line.c_str());
        QCOMPARE(read.calls, passedOn.calls); // the writer passes every event on as well
        QCOMPARE(read.calls, (std::vector<std::string>{"started", "step", "validation", "checkpoint", "log",
                                                       "finished", "failed"}));
        QCOMPARE(read.info.runDir, info.runDir);
        QCOMPARE(read.info.name, info.name);
        QCOMPARE(read.info.maxSteps, info.maxSteps);
        QCOMPARE(read.info.startStep, info.startStep);
        QCOMPARE(read.info.worldSize, int64_t(2));
        QCOMPARE(read.info.parameterCount, info.parameterCount);
        QCOMPARE(read.info.resumedFrom, info.resumedFrom);
        QCOMPARE(read.step.step, step.step);
        QCOMPARE(read.step.loss, step.loss); // doubles round-trip exactly
        QCOMPARE(read.step.lr, step.lr);
        QCOMPARE(read.step.logitScale, step.logitScale);
        QCOMPARE(read.step.skipped, true);
        QCOMPARE(read.step.etaSeconds, step.etaSeconds);
        QCOMPARE(read.validation.numSamples, int64_t(32));
        QVERIFY(read.validation.hasRecall);
        QCOMPARE(read.validation.t2iR5, 87.5);
        QCOMPARE(read.checkpoint, std::filesystem::path("/runs/ddp run/checkpoints/epoch_2_6.pt"));
        QCOMPARE(read.checkpointEpoch, int64_t(2));
        QCOMPARE(read.checkpointStep, int64_t(6));
        QVERIFY(read.level == LogLevel::Warning);
        QCOMPARE(read.text, std::string("line one\nline two \"quoted\""));
        QVERIFY(read.stopped);
        QCOMPARE(read.failure, std::string("rank 1: connection reset"));
    }

    void otherLinesAreText()
    {
        Recorder read;
        QVERIFY(!readTrainerEvent("", read));
        QVERIFY(!readTrainerEvent("training ddp on cpu (fp32), 18 steps", read));
        QVERIFY(!readTrainerEvent("clipwb-event", read));
        QVERIFY(!readTrainerEvent("clipwb-event {\"event\":\"step\",\"step\":", read)); // cut short
        QVERIFY(!readTrainerEvent("clipwb-event [1,2]", read));
        QVERIFY(!readTrainerEvent("clipwb-event {\"event\":\"reboot\"}", read));
        QVERIFY(!readTrainerEvent("clipwb-event {\"event\":\"step\",\"step\":\"five\"}", read));
        QVERIFY(read.calls.empty());
        // Fields a writer leaves out keep their defaults (an older or newer clipwb-cli).
        QVERIFY(readTrainerEvent("clipwb-event {\"event\":\"step\",\"step\":3,\"future\":[1]}", read));
        QCOMPARE(read.step.step, int64_t(3));
        QCOMPARE(read.step.loss, 0.0);
    }

    void invalidUtf8StaysOneEvent()
    {
        std::FILE* file = std::tmpfile();
        QVERIFY(file);
        TrainerEventWriter writer(file);
        writer.onLog(LogLevel::Error, "cannot read /data/\xff\xfe.jpg");
        const std::vector<std::string> lines = linesOf(file);
        std::fclose(file);
        QCOMPARE(lines.size(), size_t(1));
        Recorder read;
        QVERIFY(readTrainerEvent(lines[0], read));
        QVERIFY(read.level == LogLevel::Error);
        QVERIFY(read.text.rfind("cannot read /data/", 0) == 0);
        QVERIFY(read.text.size() > std::string("cannot read /data/.jpg").size()); // replaced, not dropped
    }
};

QTEST_GUILESS_MAIN(TestTrainerEventStream)
#include "TestTrainerEventStream.moc"
