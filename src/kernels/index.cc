// index_select and gather kernels. index_select copies whole inner rows; its backward lets each
// thread own a block of destination rows and scan every id, which needs no atomics and no scratch.
#include "kernels/index.h"

#include <omp.h>

#include <cstring>

#include "base/error.h"
#include "kernels/parallel_rows.h"

namespace attend::kernels {

template <class T, class I>
void index_select_forward(const IndexSelectShape& s, const T* x, const I* ids, T* y) {
  const int64_t inner = s.inner;
  parallel_rows(s.outer * s.count, inner, [&](int64_t first, int64_t last) {
    for (int64_t r = first; r < last; ++r) {
      const int64_t o = r / s.count, j = r % s.count;
      const int64_t id = static_cast<int64_t>(ids[j]);
      ATTEND_DCHECK(id >= 0 && id < s.rows, "index_select: id {} out of range {}", id, s.rows);
      std::memcpy(y + r * inner, x + (o * s.rows + id) * inner, static_cast<size_t>(inner) * sizeof(T));
    }
  });
}

template <class T, class I>
void index_select_backward(const IndexSelectShape& s, const T* dy, const I* ids, T* dx) {
  const int64_t inner = s.inner;
  auto add_rows = [&](int64_t lo, int64_t hi) {  // only destination rows in [lo, hi)
    for (int64_t o = 0; o < s.outer; ++o)
      for (int64_t j = 0; j < s.count; ++j) {
        const int64_t id = static_cast<int64_t>(ids[j]);
        if (id < lo || id >= hi) continue;
        T* d = dx + (o * s.rows + id) * inner;
        const T* g = dy + (o * s.count + j) * inner;
        for (int64_t i = 0; i < inner; ++i) d[i] += g[i];
      }
  };
  const int64_t work = s.outer * s.count * inner;
  if (work < kParallelWork || s.rows < 2 || omp_in_parallel() || omp_get_max_threads() == 1) {
    add_rows(0, s.rows);
    return;
  }
#pragma omp parallel
  {
    const int64_t nt = omp_get_num_threads(), t = omp_get_thread_num();
    add_rows(s.rows * t / nt, s.rows * (t + 1) / nt);
  }
}

namespace {

// Walks idx in row-major order, calling fn(i, x_offset) with x's flat offset for element i.
template <class I, class Fn>
void for_each_gathered(const GatherShape& s, const I* idx, Fn&& fn) {
  int64_t x_strides[8];
  int64_t acc = 1;
  for (int d = s.ndim - 1; d >= 0; --d) {
    x_strides[d] = acc;
    acc *= s.x_shape[d];
  }
  int64_t n = 1;
  for (int d = 0; d < s.ndim; ++d) n *= s.idx_shape[d];
  if (n == 0) return;
  int64_t pos[8] = {};
  int64_t base = 0;  // x offset of the current position, without the axis coordinate
  for (int64_t i = 0; i < n; ++i) {
    const int64_t id = static_cast<int64_t>(idx[i]);
    ATTEND_DCHECK(id >= 0 && id < s.x_shape[s.axis], "gather: id {} out of range", id);
    fn(i, base + id * x_strides[s.axis]);
    for (int d = s.ndim - 1; d >= 0; --d) {
      ++pos[d];
      if (d != s.axis) base += x_strides[d];
      if (pos[d] < s.idx_shape[d]) break;
      if (d != s.axis) base -= x_strides[d] * s.idx_shape[d];
      pos[d] = 0;
    }
  }
}

}  // namespace

template <class T, class I>
void gather_forward(const GatherShape& s, const T* x, const I* idx, T* y) {
  for_each_gathered(s, idx, [&](int64_t i, int64_t off) { y[i] = x[off]; });
}

template <class T, class I>
void gather_backward(const GatherShape& s, const T* dy, const I* idx, T* dx) {
  for_each_gathered(s, idx, [&](int64_t i, int64_t off) { dx[off] += dy[i]; });
}

// Forwards copy any dtype (token ids can be reordered too); backwards add, so floats only.
template void index_select_forward<float, int32_t>(const IndexSelectShape&, const float*, const int32_t*, float*);
template void gather_forward<float, int32_t>(const GatherShape&, const float*, const int32_t*, float*);
template void index_select_forward<float, int64_t>(const IndexSelectShape&, const float*, const int64_t*, float*);
template void gather_forward<float, int64_t>(const GatherShape&, const float*, const int64_t*, float*);
template void index_select_forward<double, int32_t>(const IndexSelectShape&, const double*, const int32_t*, double*);
template void gather_forward<double, int32_t>(const GatherShape&, const double*, const int32_t*, double*);
template void index_select_forward<double, int64_t>(const IndexSelectShape&, const double*, const int64_t*, double*);
template void gather_forward<double, int64_t>(const GatherShape&, const double*, const int64_t*, double*);
template void index_select_forward<int32_t, int32_t>(const IndexSelectShape&, const int32_t*, const int32_t*, int32_t*);
template void gather_forward<int32_t, int32_t>(const GatherShape&, const int32_t*, const int32_t*, int32_t*);
template void index_select_forward<int32_t, int64_t>(const IndexSelectShape&, const int32_t*, const int64_t*, int32_t*);
template void gather_forward<int32_t, int64_t>(const GatherShape&, const int32_t*, const int64_t*, int32_t*);
template void index_select_forward<int64_t, int32_t>(const IndexSelectShape&, const int64_t*, const int32_t*, int64_t*);
template void gather_forward<int64_t, int32_t>(const GatherShape&, const int64_t*, const int32_t*, int64_t*);
template void index_select_forward<int64_t, int64_t>(const IndexSelectShape&, const int64_t*, const int64_t*, int64_t*);
template void gather_forward<int64_t, int64_t>(const GatherShape&, const int64_t*, const int64_t*, int64_t*);
template void index_select_backward<float, int32_t>(const IndexSelectShape&, const float*, const int32_t*, float*);
template void gather_backward<float, int32_t>(const GatherShape&, const float*, const int32_t*, float*);
template void index_select_backward<float, int64_t>(const IndexSelectShape&, const float*, const int64_t*, float*);
template void gather_backward<float, int64_t>(const GatherShape&, const float*, const int64_t*, float*);
template void index_select_backward<double, int32_t>(const IndexSelectShape&, const double*, const int32_t*, double*);
template void gather_backward<double, int32_t>(const GatherShape&, const double*, const int32_t*, double*);
template void index_select_backward<double, int64_t>(const IndexSelectShape&, const double*, const int64_t*, double*);
template void gather_backward<double, int64_t>(const GatherShape&, const double*, const int64_t*, double*);

}  // namespace attend::kernels
