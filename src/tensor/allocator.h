// Caching allocator for tensor storage: 64-byte aligned blocks, recycled by size class so that a
// steady-state training step (same shapes every step) does no heap allocation.
#pragma once
#include <cstddef>
#include <cstdint>

namespace attend {

struct AllocatorStats {
  uint64_t system_allocs = 0;  // blocks obtained from the system (cache misses)
  uint64_t cache_hits = 0;     // blocks served from the cache
  uint64_t bytes_in_use = 0;
  uint64_t bytes_cached = 0;
  uint64_t peak_bytes_in_use = 0;
};

// Raw aligned blocks. `bytes` is rounded up to the size class; the same rounded size must be
// passed back to release (Storage keeps it).
void* storage_acquire(size_t bytes, size_t* rounded_bytes);
void storage_release(void* p, size_t rounded_bytes);
// Returns every cached block to the system.
void storage_trim();
AllocatorStats allocator_stats();

// A refcounted block of tensor memory. Objects are pooled as well.
struct Storage {
  void* data = nullptr;
  size_t bytes = 0;
  int32_t refs = 0;

  static Storage* create(size_t bytes);
  void retain() { ++refs; }
  void release();
};

}  // namespace attend
