// ui/common/BackgroundJob: results on the GUI thread, latest wins, cancel drops,
// stop lets the job end and says so, errors arrive as messages, progress is reported.
#include "common/Error.h"
#include "ui/common/BackgroundJob.h"

#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <atomic>
#include <chrono>
#include <thread>

using clipwb::ui::BackgroundJob;

namespace {

/// Waits (off the GUI thread) until release is set, reporting progress; a stop request ends it.
int waitFor(const std::atomic<bool>& release, const clipwb::ProgressCallback& progress, int value)
{
    for (int i = 0; !release; ++i) {
        clipwb::reportProgress(progress, {0.5, "waiting", i, 0, {}});
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return value;
}

} // namespace

class TestBackgroundJob : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void deliversTheResultOnTheGuiThread()
    {
        BackgroundJob job;
        std::atomic<bool> offGuiThread{false};
        int result = 0;
        bool onGuiThread = false;
        job.run(
            [&](const clipwb::ProgressCallback&) {
                offGuiThread = QThread::currentThread() != qApp->thread();
                return 42;
            },
            [&](int value) {
                result = value;
                onGuiThread = QThread::currentThread() == qApp->thread();
            });
        QVERIFY(job.isRunning());
        QTRY_COMPARE(result, 42);
        QVERIFY(offGuiThread);
        QVERIFY(onGuiThread);
        QVERIFY(!job.isRunning());
    }

    void theLatestJobWins()
    {
        BackgroundJob job;
        std::atomic<bool> releaseFirst{false};
        QList<int> delivered;
        job.run([&](const clipwb::ProgressCallback& progress) { return waitFor(releaseFirst, progress, 1); },
                [&](int value) { delivered << value; });
        job.run([](const clipwb::ProgressCallback&) { return 2; }, [&](int value) { delivered << value; });
        QTRY_COMPARE(delivered, QList<int>{2});
        releaseFirst = true; // the first one was superseded: its progress says stop, nothing arrives
        QTest::qWait(100);
        QCOMPARE(delivered, QList<int>{2});
    }

    void cancelDropsTheResult()
    {
        BackgroundJob job;
        std::atomic<bool> release{false};
        std::atomic<bool> started{false};
        std::atomic<bool> sawStop{false};
        bool called = false;
        job.run(
            [&](const clipwb::ProgressCallback& progress) {
                started = true;
                try {
                    return waitFor(release, progress, 1);
                } catch (const clipwb::Cancelled&) {
                    sawStop = true;
                    throw;
                }
            },
            [&](int) { called = true; }, [&](const QString&) { called = true; });
        QTRY_VERIFY(started.load());
        job.cancel();
        QVERIFY(!job.isRunning());
        QTRY_VERIFY(sawStop.load());
        QTest::qWait(50);
        QVERIFY(!called);
    }

    void stopLetsTheJobEndAndSaysSo()
    {
        BackgroundJob job;
        QSignalSpy stopped(&job, &BackgroundJob::stopped);
        std::atomic<bool> release{false};
        bool called = false;
        job.run([&](const clipwb::ProgressCallback& progress) { return waitFor(release, progress, 1); },
                [&](int) { called = true; });
        job.stop();
        QVERIFY(job.isRunning()); // until the job has actually ended
        QTRY_COMPARE(stopped.count(), 1);
        QVERIFY(!job.isRunning());
        QVERIFY(!called);
    }

    void errorsArriveAsMessages()
    {
        BackgroundJob job;
        QString message;
        job.run(
            [](const clipwb::ProgressCallback&) -> int { throw clipwb::Error("broken.lmdb: bad record 7"); },
            [](int) {}, [&](const QString& text) { message = text; });
        QTRY_COMPARE(message, QStringLiteral("broken.lmdb: bad record 7"));
    }

    void reportsProgress()
    {
        BackgroundJob job;
        QList<double> fractions;
        connect(&job, &BackgroundJob::progress, this,
                [&](const clipwb::Progress& report) { fractions << report.fraction; });
        bool done = false;
        job.run(
            [](const clipwb::ProgressCallback& progress) {
                clipwb::reportProgress(progress, {0.25, "first", 1, 4, {}});
                std::this_thread::sleep_for(std::chrono::milliseconds(80));
                clipwb::reportProgress(progress, {1.0, "first", 4, 4, {}});
            },
            [&] { done = true; });
        QTRY_VERIFY(done);
        QCOMPARE(fractions, (QList<double>{0.25, 1.0}));
    }
};

QTEST_MAIN(TestBackgroundJob)
#include "TestBackgroundJob.moc"
