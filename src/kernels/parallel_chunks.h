// Splitting a loop range over OpenMP threads for memory-bound kernels; small ranges stay on the caller.
#pragma once
#include <omp.h>

#include <algorithm>
#include <cstdint>

namespace attend::kernels {

// Work (roughly: elements touched) below which a loop stays serial: starting threads costs more.
inline constexpr int64_t kParallelGrain = int64_t{1} << 15;

// Calls fn(begin, end) on contiguous pieces of [0, n), one piece per thread, when `work` is large
// enough to pay for the threads; otherwise fn(0, n) on the calling thread. fn must not throw.
template <class Fn>
void parallel_chunks(int64_t n, int64_t work, Fn&& fn) {
  if (n <= 0) return;
  int64_t threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  threads = std::min({threads, n, work / kParallelGrain});
  if (threads <= 1) {
    fn(int64_t{0}, n);
    return;
  }
#pragma omp parallel num_threads(static_cast<int>(threads))
  {
    const int64_t t = omp_get_thread_num();
    const int64_t nt = omp_get_num_threads();
    const int64_t begin = n * t / nt;
    const int64_t end = n * (t + 1) / nt;
    if (begin < end) fn(begin, end);
  }
}

}  // namespace attend::kernels
