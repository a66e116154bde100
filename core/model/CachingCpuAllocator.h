#pragma once
// LibTorch's CPU allocator with a cache of large blocks, for training steps
// that allocate and free the same activation and gradient sizes every step.
//
// LibTorch's default CPU allocator goes to glibc's malloc, which serves large
// blocks with fresh mmap()s (or trims them back to the kernel): every step then
// page-faults its activations in again, zero-filled by the kernel. For
// ViT-B-16 + RoBERTa-base at batch 8 that was ~190,000 faults and ~2 s of
// system time per step, and elementwise ops writing fresh outputs ran ~10x
// slower than into memory they had written before. This allocator keeps freed
// blocks of 256 KiB and more by their (rounded) size and hands them out again;
// smaller ones go to the allocator it replaced.
//
// Cached memory is bounded (CLIPWB_CPU_CACHE_MB, default a quarter of the
// physical memory) and emptied before a new block would take live and cached
// blocks past three quarters of it (Linux overcommits: running short shows as
// the OOM killer, not as a failed mmap), and when an allocation fails (then
// retried once before LibTorch's out-of-memory error). Builds with
// AddressSanitizer keep LibTorch's allocator, so that ASan sees every tensor's
// memory; so does CLIPWB_CPU_ALLOCATOR=system. The allocator lives for the
// whole process: a tensor may outlive every owner of it.
#include <cstddef>
#include <cstdint>

namespace clipwb::model {

struct CachingCpuAllocatorStats {
    int64_t allocatedBytes = 0; ///< held by live tensors (large blocks only)
    int64_t cachedBytes = 0;    ///< freed blocks kept for reuse
    int64_t reuses = 0;         ///< allocations served from the cache
    int64_t fresh = 0;          ///< allocations that mapped new memory
};

/// Makes the caching allocator LibTorch's CPU allocator, once per process (later calls do nothing).
/// Returns whether it is in use: false when CLIPWB_CPU_ALLOCATOR=system, under AddressSanitizer, or
/// when another allocator was installed with a higher priority first (a test's meter).
bool installCachingCpuAllocator();

/// Whether installCachingCpuAllocator() made it LibTorch's CPU allocator.
bool cachingCpuAllocatorInstalled();

/// Gives every cached (free) block back to the system, e.g. when a training run ends in a
/// long-lived process such as the GUI. Blocks in use are untouched.
void releaseCachedCpuMemory();

CachingCpuAllocatorStats cachingCpuAllocatorStats();

} // namespace clipwb::model
