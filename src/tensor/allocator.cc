// Size-class caching allocator. Size classes: multiples of 64 bytes up to 4 KiB, then four classes per
// power of two (at most 25% slack). Freed blocks go to a per-class free list and are reused.
#include "tensor/allocator.h"

#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "base/error.h"

namespace attend {
namespace {

constexpr size_t kAlign = 64;

size_t size_class(size_t bytes) {
  if (bytes == 0) bytes = kAlign;
  if (bytes <= 4096) return (bytes + kAlign - 1) / kAlign * kAlign;
  size_t p = 1;
  while (p * 2 <= bytes) p *= 2;  // p <= bytes < 2p
  size_t quarter = p / 4;
  return (bytes + quarter - 1) / quarter * quarter;
}

struct Cache {
  std::mutex mu;
  std::unordered_map<size_t, std::vector<void*>> free_lists;
  std::vector<Storage*> free_storage;
  AllocatorStats stats;
};

Cache& cache() {
  static Cache* c = new Cache();  // never destroyed: tensors may outlive static destruction order
  return *c;
}

}  // namespace

void* storage_acquire(size_t bytes, size_t* rounded_bytes) {
  size_t rounded = size_class(bytes);
  *rounded_bytes = rounded;
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mu);
    auto it = c.free_lists.find(rounded);
    if (it != c.free_lists.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      c.stats.cache_hits++;
      c.stats.bytes_cached -= rounded;
      c.stats.bytes_in_use += rounded;
      if (c.stats.bytes_in_use > c.stats.peak_bytes_in_use) c.stats.peak_bytes_in_use = c.stats.bytes_in_use;
      return p;
    }
    c.stats.system_allocs++;
    c.stats.bytes_in_use += rounded;
    if (c.stats.bytes_in_use > c.stats.peak_bytes_in_use) c.stats.peak_bytes_in_use = c.stats.bytes_in_use;
  }
  void* p = std::aligned_alloc(kAlign, rounded);
  if (!p) {
    storage_trim();
    p = std::aligned_alloc(kAlign, rounded);
  }
  ATTEND_CHECK(p != nullptr, "allocator: out of memory allocating {} bytes", rounded);
  return p;
}

void storage_release(void* p, size_t rounded_bytes) {
  if (!p) return;
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  c.free_lists[rounded_bytes].push_back(p);
  c.stats.bytes_in_use -= rounded_bytes;
  c.stats.bytes_cached += rounded_bytes;
}

void storage_trim() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  for (auto& [size, list] : c.free_lists) {
    for (void* p : list) std::free(p);
    c.stats.bytes_cached -= size * list.size();
    list.clear();
  }
}

AllocatorStats allocator_stats() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return c.stats;
}

Storage* Storage::create(size_t bytes) {
  Storage* s = nullptr;
  {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mu);
    if (!c.free_storage.empty()) {
      s = c.free_storage.back();
      c.free_storage.pop_back();
    }
  }
  if (!s) s = new Storage();
  s->data = storage_acquire(bytes, &s->bytes);
  s->refs = 1;
  return s;
}

void Storage::release() {
  if (--refs > 0) return;
  storage_release(data, bytes);
  data = nullptr;
  bytes = 0;
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  c.free_storage.push_back(this);
}

}  // namespace attend
