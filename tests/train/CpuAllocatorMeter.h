#pragma once
// A CPU allocator for tests that counts what LibTorch allocates (current and
// peak bytes, from every thread) and can refuse allocations past a limit the
// way LibTorch's allocators do when memory runs out (c10::OutOfMemoryError).
// It wraps the default CPU allocator; install() replaces it for the rest of
// the process.
#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/util/Exception.h>
#include <torch/version.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

class CpuAllocatorMeter final : public c10::Allocator {
public:
    static CpuAllocatorMeter& install()
    {
        static CpuAllocatorMeter* meter = [] {
            auto* m = new CpuAllocatorMeter(c10::GetCPUAllocator());
            instance() = m;
            c10::SetCPUAllocator(m, /*priority=*/100);
            return m;
        }();
        return *meter;
    }

    int64_t current() const { return m_current.load(); }
    int64_t peak() const { return m_peak.load(); }
    void resetPeak() { m_peak = m_current.load(); }
    /// Allocations that would take the total past `bytes` fail; 0: no limit.
    void setLimit(int64_t bytes) { m_limit = bytes; }

    // LibTorch 2.x made allocate() non-const and added copy_data().
#if TORCH_VERSION_MAJOR >= 2
    c10::DataPtr allocate(size_t n) override
    {
        return allocateCounted(n);
    }
    void copy_data(void* dest, const void* src, std::size_t count) const override
    {
        default_copy_data(dest, src, count);
    }
#else
    c10::DataPtr allocate(size_t n) const override
    {
        return allocateCounted(n);
    }
#endif

    // LibTorch's raw_allocate() needs the context to be the data pointer: the inner allocation
    // is kept in a table by its address, and raw_deleter() frees through it.
    c10::DeleterFnPtr raw_deleter() const override
    {
        return &CpuAllocatorMeter::release;
    }

private:
    explicit CpuAllocatorMeter(c10::Allocator* inner) : m_inner(inner)
    {
    }

    struct Block {
        c10::DataPtr inner;
        int64_t bytes;
    };

    static CpuAllocatorMeter*& instance()
    {
        static CpuAllocatorMeter* meter = nullptr;
        return meter;
    }

    static void release(void* data)
    {
        CpuAllocatorMeter* meter = instance();
        Block block;
        {
            std::lock_guard<std::mutex> lock(meter->m_mutex);
            auto it = meter->m_blocks.find(data);
            if (it == meter->m_blocks.end())
                return;
            block = std::move(it->second);
            meter->m_blocks.erase(it);
        }
        meter->m_current -= block.bytes;
        // block.inner frees the memory as it goes out of scope
    }

    c10::DataPtr allocateCounted(size_t n) const
    {
        const auto bytes = static_cast<int64_t>(n);
        const int64_t limit = m_limit.load();
        if (limit > 0 && m_current.load() + bytes > limit) {
            const std::string message = "CPU out of memory (test allocator limit of " +
                                        std::to_string(limit) + " bytes): tried to allocate " +
                                        std::to_string(bytes) + " bytes";
            TORCH_CHECK_WITH(OutOfMemoryError, false, message);
        }
        c10::DataPtr inner = m_inner->allocate(n);
        void* data = inner.get();
        if (!data)
            return inner; // zero bytes
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_blocks[data] = Block{std::move(inner), bytes};
        }
        const int64_t now = (m_current += bytes);
        int64_t seen = m_peak.load();
        while (now > seen && !m_peak.compare_exchange_weak(seen, now)) {
        }
        return {data, data, &CpuAllocatorMeter::release, c10::Device(c10::DeviceType::CPU)};
    }

    c10::Allocator* m_inner;
    mutable std::atomic<int64_t> m_current{0};
    mutable std::atomic<int64_t> m_peak{0};
    mutable std::mutex m_mutex;
    mutable std::unordered_map<void*, Block> m_blocks;
    std::atomic<int64_t> m_limit{0};
};
