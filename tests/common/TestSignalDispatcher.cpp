// SignalDispatcher: signals reach a job on a thread of its own, so that no
// handler ever interrupts a compute thread. The reason is measured here: a storm
// of process-directed signals during oneDNN's sgemm (the model's CPU products)
// leaves every product exact and the heap intact while the dispatcher holds the
// signals; a plain handler on the computing thread corrupted the heap within
// seconds (Debian's libdnnl.so.2; see common/SignalDispatcher.h). QtTest's
// watchdog thread, started before the dispatcher, stands for OpenBLAS's threads:
// what it takes reaches the callback too. A second Ctrl-C still ends the process
// by the signal, as before.
#include "common/SignalDispatcher.h"
#include "model/CpuGemm.h"

#include <QTest>

#include <atomic>
#include <chrono>
#include <csignal>
#include <pthread.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using clipwb::SignalDispatcher;
namespace model = clipwb::model;

class TestSignalDispatcher : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // First: it forks, which is simplest before this process runs threads of its own.
    void aSecondInterruptEndsTheProcessByTheSignal()
    {
        int report[2];
        QCOMPARE(::pipe(report), 0);
        const pid_t child = ::fork();
        QVERIFY(child >= 0);
        if (child == 0) {
            ::close(report[0]);
            int interrupts = 0;
            const pthread_t waiting = pthread_self();
            SignalDispatcher signals({SIGINT}, [&](int sig) {
                if (++interrupts > 1)
                    SignalDispatcher::dieBy(sig);
                const char first = pthread_equal(pthread_self(), waiting) ? 'M' : 'D';
                (void)!::write(report[1], &first, 1);
            });
            for (int i = 0; i < 600; ++i) // at most 60 s
                ::usleep(100000);
            ::_exit(3);
        }
        ::close(report[1]);
        ::usleep(200000);
        QCOMPARE(::kill(child, SIGINT), 0);
        char first = 0;
        QCOMPARE(::read(report[0], &first, 1), ssize_t(1));
        QCOMPARE(first, 'D'); // handled on the dispatcher's thread, not on the interrupted one
        QCOMPARE(::kill(child, SIGINT), 0);
        int status = 0;
        QCOMPARE(::waitpid(child, &status, 0), child);
        ::close(report[0]);
        QVERIFY2(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT, qPrintable(QString::number(status)));
    }

    void productsStayExactWhileSignalsStorm()
    {
        if (!model::cpuGemmAvailable())
            QSKIP("oneDNN's dnnl_sgemm is not exported by this LibTorch: no oneDNN products to protect");
        at::set_num_threads(1); // every product on this thread, the one the signals would interrupt
        model::setCpuGemmMode(model::CpuGemmMode::OneDnn);
        std::atomic<long> delivered{0};
        const pthread_t self = pthread_self();
        std::atomic<long> onComputeThread{0};
        SignalDispatcher signals({SIGUSR1}, [&](int) {
            ++delivered;
            if (pthread_equal(pthread_self(), self))
                ++onComputeThread;
        });

        // The products of the Tiny models' attention and MLP, forward and backward layouts.
        torch::manual_seed(7);
        struct Case {
            torch::Tensor a, b;
        };
        std::vector<Case> cases{
            {torch::randn({8, 52, 32}), torch::randn({8, 32, 52})},
            {torch::randn({8, 52, 52}), torch::randn({8, 52, 32})},
            {torch::randn({8, 32, 52}).transpose(1, 2), torch::randn({8, 32, 64})},
            {torch::randn({200, 128}), torch::randn({384, 128}).t()},
            {torch::randn({128, 200}).t(), torch::randn({128, 384})},
            {torch::randn({32, 256}), torch::randn({64, 256}).t()},
        };
        std::vector<torch::Tensor> expected;
        for (const auto& c : cases)
            expected.push_back(model::scaledMatmul(c.a, c.b, 0.125));

        std::atomic<bool> done{false};
        std::thread storm([&] {
            while (!done.load()) {
                ::kill(::getpid(), SIGUSR1); // process-directed, as kill(1) and the launcher send them
                std::this_thread::sleep_for(std::chrono::microseconds(50));
            }
        });
        long products = 0, wrong = 0;
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(4);
        while (std::chrono::steady_clock::now() < until) {
            for (size_t i = 0; i < cases.size(); ++i) {
                const torch::Tensor got = model::scaledMatmul(cases[i].a, cases[i].b, 0.125);
                ++products;
                if (!torch::equal(got, expected[i]))
                    ++wrong;
            }
        }
        done = true;
        storm.join();
        model::setCpuGemmMode(model::CpuGemmMode::Measured);
        qInfo("%ld oneDNN products, %ld signals taken by the dispatcher during them", products,
              delivered.load());
        QCOMPARE(wrong, 0L);
        QCOMPARE(onComputeThread.load(), 0L);
        QVERIFY2(delivered.load() > 100, "the storm must really reach the process");
        QVERIFY(products > 100);
    }
};

QTEST_GUILESS_MAIN(TestSignalDispatcher)
#include "TestSignalDispatcher.moc"
