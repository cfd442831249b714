// Splits a range of independent rows over the OpenMP team when there is enough work, so tiny tensors
// stay serial. Each thread gets one contiguous block of rows (fn(first, last)), which keeps the hot
// per-row loops inside one call that can be an ATTEND_TARGET_CLONES function.
#pragma once
#include <omp.h>

#include <cstdint>

namespace attend::kernels {

// Below this many scalar operations a parallel region costs more than it saves.
inline constexpr int64_t kParallelWork = 1 << 15;

template <class Fn>
void parallel_rows(int64_t rows, int64_t work_per_row, Fn&& fn) {
  if (rows <= 0) return;
  if (rows == 1 || rows * work_per_row < kParallelWork || omp_in_parallel() || omp_get_max_threads() == 1) {
    fn(int64_t{0}, rows);
    return;
  }
#pragma omp parallel
  {
    const int64_t nt = omp_get_num_threads();
    const int64_t t = omp_get_thread_num();
    const int64_t first = rows * t / nt;
    const int64_t last = rows * (t + 1) / nt;
    if (first < last) fn(first, last);
  }
}

}  // namespace attend::kernels
