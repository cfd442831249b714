// malloc interposition (glibc): the executable's malloc/calloc/realloc/memalign family forward to the
// __libc_* implementations and bump a counter. Because the executable defines them, calls from shared
// libraries resolve here too. operator new goes through malloc, so it is counted as well.
#include "support/alloc_counter.h"

#include "kernels/gemm.h"

#include <atomic>
#include <cerrno>
#include <cstddef>

extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void __libc_free(void*);
}

namespace {
std::atomic<uint64_t> g_allocations{0};
std::atomic<uint64_t> g_in_sgemm{0};
inline void count() {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (attend::kernels::sgemm_running()) g_in_sgemm.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

extern "C" {
void* malloc(size_t n) {
  count();
  return __libc_malloc(n);
}
void* calloc(size_t a, size_t b) {
  count();
  return __libc_calloc(a, b);
}
void* realloc(void* p, size_t n) {
  count();
  return __libc_realloc(p, n);
}
void* memalign(size_t align, size_t n) {
  count();
  return __libc_memalign(align, n);
}
void* aligned_alloc(size_t align, size_t n) {
  count();
  return __libc_memalign(align, n);
}
int posix_memalign(void** out, size_t align, size_t n) {
  count();
  void* p = __libc_memalign(align, n);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}
void free(void* p) { __libc_free(p); }
}

namespace attend::testing {
uint64_t heap_allocations() { return g_allocations.load(std::memory_order_relaxed); }
uint64_t heap_allocations_in_sgemm() { return g_in_sgemm.load(std::memory_order_relaxed); }
}  // namespace attend::testing
