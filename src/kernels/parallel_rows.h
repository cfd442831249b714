// Splits a range of independent rows over the OpenMP team when there is enough work, so tiny tensors
// stay serial. Each thread gets one contiguous block of rows (fn(first, last)), which keeps the hot
// per-row loops inside one call that can be an ATTEND_TARGET_CLONES function. A row-shaped front end to
// parallel_chunks, which holds the one threading policy (threshold, thread count, no per-call team).
#pragma once
#include <cstdint>

#include "kernels/parallel_chunks.h"

namespace attend::kernels {

// Below this much work a parallel region costs more than it saves.
inline constexpr int64_t kParallelWork = kParallelGrain;

template <class Fn>
void parallel_rows(int64_t rows, int64_t work_per_row, Fn&& fn) {
  parallel_chunks(rows, rows * work_per_row, fn);
}

}  // namespace attend::kernels
