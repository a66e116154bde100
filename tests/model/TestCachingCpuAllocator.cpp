// model/CachingCpuAllocator.h: LibTorch's CPU tensors come from it once
// installed; a freed large block is handed out again (same address, no page
// faults on the second use), small ones stay with LibTorch's allocator; the
// cache stays under its limit (CLIPWB_CPU_CACHE_MB), can be emptied, and
// tensors compute the same through it.
#include "model/CachingCpuAllocator.h"

#include <QTest>

#include <torch/torch.h>

#include <sys/resource.h>

#include <cstdint>

using namespace clipwb;

namespace {

long minorFaults()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_minflt;
}

constexpr int64_t MiB = 1024 * 1024;

} // namespace

class TestCachingCpuAllocator : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        qputenv("CLIPWB_CPU_CACHE_MB", "256"); // read when the allocator is made
        qunsetenv("CLIPWB_CPU_ALLOCATOR");
#if defined(__SANITIZE_ADDRESS__)
        QVERIFY(!model::installCachingCpuAllocator());
        QSKIP("AddressSanitizer builds keep LibTorch's allocator, so that ASan sees tensors' memory");
#endif
        QVERIFY(model::installCachingCpuAllocator());
        QVERIFY(model::cachingCpuAllocatorInstalled());
        QVERIFY(model::installCachingCpuAllocator()); // once per process, later calls agree
    }

    void freedLargeBlocksAreReused()
    {
        model::releaseCachedCpuMemory();
        const auto before = model::cachingCpuAllocatorStats();
        const void* first = nullptr;
        {
            const auto t = torch::empty({3 * MiB / 4}, torch::kFloat); // 3 MiB
            first = t.data_ptr();
            QCOMPARE(model::cachingCpuAllocatorStats().allocatedBytes - before.allocatedBytes, 3 * MiB);
        }
        QCOMPARE(model::cachingCpuAllocatorStats().cachedBytes, 3 * MiB);
        {
            const auto again = torch::empty({3 * MiB / 4 - 1000}, torch::kFloat); // rounds to the same block
            QCOMPARE(again.data_ptr(), first);
            QCOMPARE(model::cachingCpuAllocatorStats().reuses - before.reuses, 1);
            QCOMPARE(model::cachingCpuAllocatorStats().cachedBytes, 0);
        }
        // Small tensors are LibTorch's allocator's business.
        const auto statsBefore = model::cachingCpuAllocatorStats();
        { const auto small = torch::ones({1000}); }
        QCOMPARE(model::cachingCpuAllocatorStats().fresh, statsBefore.fresh);
        QCOMPARE(model::cachingCpuAllocatorStats().reuses, statsBefore.reuses);
    }

    void hugeBlocksAreAlignedToHugePages()
    {
        const auto t = torch::zeros({40 * MiB / 4});
        QCOMPARE(reinterpret_cast<uintptr_t>(t.data_ptr()) % (2 * MiB), uintptr_t{0});
        QCOMPARE(t.sum().item<double>(), 0.0);
    }

    void repeatedStepsFaultNoPagesIn()
    {
        // The point of the cache: a step that makes and drops the same large tensors again touches
        // memory it already has. 48 MiB is past glibc's largest mmap threshold, so LibTorch's own
        // allocator maps and faults it in on every iteration (12,288 pages each).
        const auto x = torch::randn({12 * MiB}); // 48 MiB of floats
        auto once = [&] {
            auto y = x * 2.0F;
            auto z = y.sigmoid() + x;
            return z.sum().item<double>();
        };
        const double expected = once();
        const long before = minorFaults();
        for (int i = 0; i < 5; ++i)
            QCOMPARE(once(), expected);
        const long faults = minorFaults() - before;
        QVERIFY2(faults < 500, std::to_string(faults).c_str());
    }

    void cacheStaysUnderItsLimitAndEmpties()
    {
        model::releaseCachedCpuMemory();
        {
            std::vector<torch::Tensor> blocks;
            for (int i = 0; i < 10; ++i)
                blocks.push_back(torch::empty({(40 + i * 2) * MiB / 4})); // 40..58 MiB, 490 MiB in all
        }
        const auto stats = model::cachingCpuAllocatorStats();
        QVERIFY2(stats.cachedBytes <= 256 * MiB, std::to_string(stats.cachedBytes).c_str());
        QVERIFY(stats.cachedBytes > 100 * MiB);
        model::releaseCachedCpuMemory();
        QCOMPARE(model::cachingCpuAllocatorStats().cachedBytes, 0);
    }

    void tensorsComputeTheSame()
    {
        torch::manual_seed(3);
        const auto a = torch::randn({700, 513});
        const auto b = torch::randn({513, 301});
        const auto product = torch::mm(a, b);
        const auto viaDouble = torch::mm(a.to(torch::kDouble), b.to(torch::kDouble));
        QVERIFY((product.to(torch::kDouble) - viaDouble).abs().max().item<double>() < 1e-3);
        // Storage grows in place (resize_) and clones go through the allocator too.
        auto grown = torch::ones({100});
        grown.resize_({2 * MiB});
        QCOMPARE(grown.narrow(0, 0, 100).sum().item<double>(), 100.0);
        QVERIFY(torch::equal(product.clone(), product));
    }
};

QTEST_GUILESS_MAIN(TestCachingCpuAllocator)
#include "TestCachingCpuAllocator.moc"
