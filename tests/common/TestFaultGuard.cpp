// FaultGuard: a fault inside a guarded call comes back as a value (SIGBUS from
// a mapped page past the end of a file, SIGSEGV from an unmapped address), on
// any thread, nested; a fault outside any guarded call still kills the process
// as before (the previous handler, here the default action, gets it).
#include "common/FaultGuard.h"

#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using clipwb::FaultGuard;

namespace {

/// A two-page file mapped four pages long: the last two pages fault with SIGBUS.
struct ShortMapping {
    explicit ShortMapping(const QString& path)
    {
        page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
        fd = ::open(path.toLocal8Bit().constData(), O_RDWR | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || ::ftruncate(fd, static_cast<off_t>(2 * page)) != 0)
            return;
        void* p = ::mmap(nullptr, 4 * page, PROT_READ, MAP_SHARED, fd, 0);
        if (p != MAP_FAILED)
            base = static_cast<const volatile char*>(p);
    }
    ~ShortMapping()
    {
        if (base)
            ::munmap(const_cast<char*>(base), 4 * page);
        if (fd >= 0)
            ::close(fd);
    }
    std::size_t page = 4096;
    int fd = -1;
    const volatile char* base = nullptr;
};

} // namespace

// The hardware division, as in uninstrumented liblmdb: UBSan (CLIPWB_SANITIZE) would stop at it first.
static __attribute__((noinline, no_sanitize_undefined)) int divideUnchecked(int dividend, int divisor)
{
    return dividend / divisor;
}

class TestFaultGuard : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { FaultGuard::ensureInstalled(); }

    void completedCallReturnsZero()
    {
        int value = 0;
        QCOMPARE(FaultGuard::run([&] { value = 42; }), 0);
        QCOMPARE(value, 42);
    }

    void pastEndOfFileIsSigbus()
    {
        QTemporaryDir dir;
        ShortMapping map(dir.filePath(QStringLiteral("short")));
        QVERIFY(map.base);
        char seen = 1;
        QCOMPARE(FaultGuard::run([&] { seen = map.base[0]; }), 0); // inside the file: zeros
        QCOMPARE(seen, char(0));
        bool after = false;
        QCOMPARE(FaultGuard::run([&] {
                     seen = map.base[3 * map.page];
                     after = true;
                 }),
                 SIGBUS);
        QVERIFY(!after); // the rest of the call did not run
        // Again: the handler stays installed and the guard is reusable.
        QCOMPARE(FaultGuard::run([&] { seen = map.base[2 * map.page + 7]; }), SIGBUS);
    }

    void unmappedAddressIsSigsegv()
    {
        // A page we map and unmap again: surely not mapped any more.
        const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
        void* p = ::mmap(nullptr, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        QVERIFY(p != MAP_FAILED);
        ::munmap(p, page);
        const volatile char* gone = static_cast<const volatile char*>(p);
        char seen = 0;
        QCOMPARE(FaultGuard::run([&] { seen = gone[1]; }), SIGSEGV);
    }

    void divisionByZeroIsSigfpe()
    {
        // What LMDB does with a page size of 0 from a damaged header (found by fuzz_lmdb_env).
        volatile int zero = 0;
        volatile int quotient = 0;
        QCOMPARE(FaultGuard::run([&] { quotient = divideUnchecked(4096, zero); }), SIGFPE);
        QVERIFY(QByteArray(FaultGuard::describe(SIGFPE)).contains("SIGFPE"));
    }

    void nestedGuardsUnwindToTheInnermost()
    {
        QTemporaryDir dir;
        ShortMapping map(dir.filePath(QStringLiteral("short")));
        QVERIFY(map.base);
        int inner = -1;
        char seen = 0;
        const int outer = FaultGuard::run([&] {
            inner = FaultGuard::run([&] { seen = map.base[3 * map.page]; });
            seen = map.base[3 * map.page]; // the outer guard catches this one
        });
        QCOMPARE(inner, SIGBUS);
        QCOMPARE(outer, SIGBUS);
    }

    void eachThreadHasItsOwnGuard()
    {
        QTemporaryDir dir;
        ShortMapping map(dir.filePath(QStringLiteral("short")));
        QVERIFY(map.base);
        std::vector<int> results(8, -1);
        std::vector<std::thread> threads;
        for (int t = 0; t < 8; ++t)
            threads.emplace_back([&, t] {
                int faults = 0;
                for (int i = 0; i < 200; ++i) {
                    char seen = 0;
                    const bool past = (i + t) % 2 == 0;
                    const int sig = FaultGuard::run([&] { seen = map.base[(past ? 3 : 1) * map.page + i]; });
                    faults += sig == SIGBUS;
                    if (!past && sig != 0)
                        faults += 1000; // a fault where none may be
                }
                results[static_cast<std::size_t>(t)] = faults;
            });
        for (auto& thread : threads)
            thread.join();
        for (const int faults : results)
            QCOMPARE(faults, 100);
    }

    void unguardedFaultStillKills()
    {
        // In a child: a fault outside any guarded call goes to the handler that was
        // there before ours (the default action here, or a sanitizer's), and the
        // process dies; ours must not swallow it or loop.
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("short"));
        const pid_t child = ::fork();
        QVERIFY(child >= 0);
        if (child == 0) {
            ShortMapping map(path);
            char seen = 0;
            FaultGuard::run([&] { seen = map.base[3 * map.page]; }); // guarded: survives
            seen = map.base[3 * map.page];                           // unguarded: dies
            ::_exit(seen == 0 ? 3 : 4);
        }
        int status = 0;
        QCOMPARE(::waitpid(child, &status, 0), child);
        // Killed by SIGBUS (default action), or exited non-zero after a sanitizer's report.
        const bool died = (WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS) ||
                          (WIFEXITED(status) && WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 3 &&
                           WEXITSTATUS(status) != 4);
        QVERIFY2(died, qPrintable(QStringLiteral("status %1").arg(status)));
    }
};

QTEST_GUILESS_MAIN(TestFaultGuard)
#include "TestFaultGuard.moc"
