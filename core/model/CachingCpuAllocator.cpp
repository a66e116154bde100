#include "model/CachingCpuAllocator.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/util/Exception.h>
#include <torch/version.h>

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace clipwb::model {
namespace {

constexpr size_t KiB = 1024;
constexpr size_t MiB = 1024 * KiB;
constexpr size_t smallestCached = 256 * KiB; // below this glibc's heap serves blocks without faults
constexpr size_t hugeFrom = 16 * MiB;        // from here blocks are whole 2 MiB pages
constexpr size_t hugePage = 2 * MiB;
constexpr uint8_t installPriority = 10; // above LibTorch's default (0), below a test's meter

size_t roundedSize(size_t n)
{
    const size_t unit = n >= hugeFrom ? hugePage : 64 * KiB;
    return (n + unit - 1) / unit * unit;
}

size_t physicalMemory()
{
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long pageSize = sysconf(_SC_PAGE_SIZE);
    if (pages > 0 && pageSize > 0)
        return static_cast<size_t>(pages) * static_cast<size_t>(pageSize);
    return 16384 * MiB;
}

size_t defaultCacheLimit()
{
    if (const char* text = std::getenv("CLIPWB_CPU_CACHE_MB"); text && *text) {
        char* end = nullptr;
        const unsigned long long mib = std::strtoull(text, &end, 10);
        if (end && *end == '\0')
            return static_cast<size_t>(mib) * MiB;
    }
    return physicalMemory() / 4;
}

/// Anonymous memory of `bytes` (a multiple of 64 KiB); blocks of hugeFrom and more start on a
/// 2 MiB boundary and ask for transparent huge pages (fewer TLB misses in the matrix products).
void* mapBlock(size_t bytes)
{
    const bool huge = bytes >= hugeFrom;
    const size_t request = huge ? bytes + hugePage : bytes;
    void* raw = mmap(nullptr, request, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED)
        return nullptr;
    if (!huge)
        return raw;
    const auto start = reinterpret_cast<uintptr_t>(raw);
    const uintptr_t aligned = (start + hugePage - 1) / hugePage * hugePage;
    if (aligned > start)
        munmap(raw, aligned - start);
    const uintptr_t end = start + request;
    if (end > aligned + bytes)
        munmap(reinterpret_cast<void*>(aligned + bytes), end - (aligned + bytes));
#ifdef MADV_HUGEPAGE
    madvise(reinterpret_cast<void*>(aligned), bytes, MADV_HUGEPAGE);
#endif
    return reinterpret_cast<void*>(aligned);
}

class CachingCpuAllocator final : public c10::Allocator {
public:
    explicit CachingCpuAllocator(c10::Allocator* inner)
        : m_inner(inner), m_limit(defaultCacheLimit()), m_crowded(physicalMemory() / 4 * 3)
    {
    }

#if TORCH_VERSION_MAJOR >= 2
    c10::DataPtr allocate(size_t n) override
    {
        return allocateBlock(n);
    }
    void copy_data(void* dest, const void* src, std::size_t count) const override
    {
        default_copy_data(dest, src, count);
    }
#else
    c10::DataPtr allocate(size_t n) const override
    {
        return allocateBlock(n);
    }
#endif

    c10::DeleterFnPtr raw_deleter() const override
    {
        return &CachingCpuAllocator::freeBlock;
    }

    void releaseCached()
    {
        std::vector<std::pair<void*, size_t>> blocks;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            for (auto& [bytes, list] : m_free)
                for (void* p : list)
                    blocks.emplace_back(p, bytes);
            m_free.clear();
            m_stats.cachedBytes = 0;
        }
        for (const auto& [p, bytes] : blocks)
            munmap(p, bytes);
    }

    CachingCpuAllocatorStats stats() const
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_stats;
    }

    static CachingCpuAllocator*& instance()
    {
        static CachingCpuAllocator* allocator = nullptr;
        return allocator;
    }

private:
    c10::DataPtr allocateBlock(size_t n) const
    {
        if (n < smallestCached)
            return m_inner->allocate(n);
        size_t bytes = roundedSize(n);
        void* data = takeCached(bytes);
        if (!data) {
            // Linux overcommits: mmap does not fail when memory runs short, the OOM killer strikes
            // instead. So the cache is emptied before live and cached blocks would pass 3/4 of the RAM.
            if (wouldCrowdMemory(bytes))
                const_cast<CachingCpuAllocator*>(this)->releaseCached();
            data = mapBlock(bytes);
            if (!data) {
                // Memory is short: what the cache holds may be exactly what is missing.
                const_cast<CachingCpuAllocator*>(this)->releaseCached();
                data = mapBlock(bytes);
            }
            TORCH_CHECK_WITH(OutOfMemoryError, data, "CPU out of memory: tried to allocate ", n,
                             " bytes (", std::strerror(errno), ")");
            std::lock_guard<std::mutex> lock(m_mutex);
            ++m_stats.fresh;
        }
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_live.emplace(data, bytes);
            m_stats.allocatedBytes += static_cast<int64_t>(bytes);
        }
        return {data, data, &CachingCpuAllocator::freeBlock, c10::Device(c10::DeviceType::CPU)};
    }

    bool wouldCrowdMemory(size_t bytes) const
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_stats.cachedBytes > 0 &&
               static_cast<size_t>(m_stats.allocatedBytes + m_stats.cachedBytes) + bytes > m_crowded;
    }

    /// A free block of `bytes`, or of at most 1/8 more (then `bytes` becomes its size); null if none.
    void* takeCached(size_t& bytes) const
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        auto it = m_free.lower_bound(bytes);
        if (it == m_free.end() || it->first > bytes + bytes / 8)
            return nullptr;
        void* data = it->second.back();
        const size_t found = it->first;
        it->second.pop_back();
        if (it->second.empty())
            m_free.erase(it);
        m_stats.cachedBytes -= static_cast<int64_t>(found);
        ++m_stats.reuses;
        bytes = found; // the block keeps its real size: that is what goes back to the cache or munmap
        return data;
    }

    static void freeBlock(void* data)
    {
        CachingCpuAllocator* self = instance();
        size_t bytes = 0;
        {
            std::lock_guard<std::mutex> lock(self->m_mutex);
            auto it = self->m_live.find(data);
            if (it != self->m_live.end()) {
                bytes = it->second;
                self->m_live.erase(it);
                self->m_stats.allocatedBytes -= static_cast<int64_t>(bytes);
                if (static_cast<size_t>(self->m_stats.cachedBytes) + bytes <= self->m_limit) {
                    self->m_free[bytes].push_back(data);
                    self->m_stats.cachedBytes += static_cast<int64_t>(bytes);
                    return;
                }
            }
        }
        if (bytes > 0) {
            munmap(data, bytes);
        } else if (data) {
            if (const c10::DeleterFnPtr innerDeleter = self->m_inner->raw_deleter())
                innerDeleter(data); // a small block from raw_allocate()
        }
    }

    c10::Allocator* m_inner;
    const size_t m_limit;   // most bytes the cache keeps
    const size_t m_crowded; // live + cached bytes past which the cache is emptied before mapping more
    mutable std::mutex m_mutex;
    mutable std::map<size_t, std::vector<void*>> m_free;
    mutable std::unordered_map<void*, size_t> m_live;
    mutable CachingCpuAllocatorStats m_stats;
};

bool g_installed = false;

constexpr bool underAddressSanitizer()
{
#if defined(__SANITIZE_ADDRESS__)
    return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    return true;
#else
    return false;
#endif
#else
    return false;
#endif
}

} // namespace

bool installCachingCpuAllocator()
{
    static const bool installed = [] {
        if (const char* choice = std::getenv("CLIPWB_CPU_ALLOCATOR"); choice && std::strcmp(choice, "system") == 0)
            return false;
        if (underAddressSanitizer())
            return false;
        c10::Allocator* current = c10::GetCPUAllocator();
        auto* allocator = new CachingCpuAllocator(current); // lives as long as the tensors it made
        CachingCpuAllocator::instance() = allocator;
        c10::SetCPUAllocator(allocator, installPriority);
        g_installed = c10::GetCPUAllocator() == allocator;
        return g_installed;
    }();
    return installed;
}

bool cachingCpuAllocatorInstalled()
{
    return g_installed;
}

void releaseCachedCpuMemory()
{
    if (CachingCpuAllocator* allocator = CachingCpuAllocator::instance())
        allocator->releaseCached();
}

CachingCpuAllocatorStats cachingCpuAllocatorStats()
{
    if (CachingCpuAllocator* allocator = CachingCpuAllocator::instance())
        return allocator->stats();
    return {};
}

} // namespace clipwb::model
