// Softmax kernels. The per-row/per-block bodies are templates inlined into a float entry point compiled
// for AVX-512 / AVX2 / baseline (ATTEND_TARGET_CLONES) and a plain double one. Reductions keep 16
// partial lanes so GCC vectorises them without -ffast-math.
#include "kernels/softmax.h"

#include <cmath>
#include <limits>

#include "kernels/parallel_rows.h"
#include "kernels/vecmath.h"

namespace attend::kernels {
namespace {

constexpr int kLanes = 16;
constexpr int64_t kBlock = 64;  // columns per strided block (inner > 1)

template <class T>
constexpr T kNegInf = -std::numeric_limits<T>::infinity();

template <class T>
[[gnu::always_inline]] inline T row_max(const T* x, int64_t n) {
  T acc[kLanes];
  for (int l = 0; l < kLanes; ++l) acc[l] = kNegInf<T>;
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] = x[i + l] > acc[l] ? x[i + l] : acc[l];
  T m = kNegInf<T>;
  for (int l = 0; l < kLanes; ++l) m = acc[l] > m ? acc[l] : m;
  for (; i < n; ++i) m = x[i] > m ? x[i] : m;
  return m;
}

// sum(a) or, with b, sum(a * b)
template <class T, bool kProduct>
[[gnu::always_inline]] inline T row_sum(const T* a, const T* b, int64_t n) {
  T acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] += kProduct ? a[i + l] * b[i + l] : a[i + l];
  T s = 0;
  for (int l = 0; l < kLanes; ++l) s += acc[l];
  for (; i < n; ++i) s += kProduct ? a[i] * b[i] : a[i];
  return s;
}

// log(sum of exp(x - m)); +inf when the sum is 0 (all -inf) so (x - m) - it = -inf. Log-softmax is
// formed as (x - m) - log(sum), not x - (m + log(sum)), which would lose the small term next to a large m.
template <class T>
[[gnu::always_inline]] inline T log_of_sum(T sum) {
  return sum > 0 ? std::log(sum) : std::numeric_limits<T>::infinity();
}

template <class T>
[[gnu::always_inline]] inline void forward_row(const T* x, T* y, int64_t n, bool log) {
  T m = row_max(x, n);
  if (m == kNegInf<T>) m = 0;  // all -inf: every exp is 0
  for (int64_t i = 0; i < n; ++i) y[i] = vexp(x[i] - m);
  const T sum = row_sum<T, false>(y, nullptr, n);
  if (log) {
    const T ls = log_of_sum(sum);
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - m) - ls;
  } else {
    const T inv = sum > 0 ? T(1) / sum : T(0);
    for (int64_t i = 0; i < n; ++i) y[i] *= inv;
  }
}

// w (<= kBlock) columns of one [dim, inner] slice; x and y point at the first column.
template <class T>
[[gnu::always_inline]] inline void forward_block(const T* x, T* y, int64_t dim, int64_t inner, int64_t w, bool log) {
  T m[kBlock], sum[kBlock];
  for (int64_t c = 0; c < w; ++c) m[c] = kNegInf<T>;
  for (int64_t d = 0; d < dim; ++d) {
    const T* xr = x + d * inner;
    for (int64_t c = 0; c < w; ++c) m[c] = xr[c] > m[c] ? xr[c] : m[c];
  }
  for (int64_t c = 0; c < w; ++c) {
    m[c] = m[c] == kNegInf<T> ? T(0) : m[c];
    sum[c] = 0;
  }
  for (int64_t d = 0; d < dim; ++d) {
    const T* xr = x + d * inner;
    T* yr = y + d * inner;
    for (int64_t c = 0; c < w; ++c) {
      const T e = vexp(xr[c] - m[c]);
      yr[c] = e;
      sum[c] += e;
    }
  }
  if (log) {
    for (int64_t c = 0; c < w; ++c) sum[c] = log_of_sum(sum[c]);
    for (int64_t d = 0; d < dim; ++d)
      for (int64_t c = 0; c < w; ++c) y[d * inner + c] = (x[d * inner + c] - m[c]) - sum[c];
  } else {
    for (int64_t c = 0; c < w; ++c) sum[c] = sum[c] > 0 ? T(1) / sum[c] : T(0);
    for (int64_t d = 0; d < dim; ++d)
      for (int64_t c = 0; c < w; ++c) y[d * inner + c] *= sum[c];
  }
}

template <class T>
[[gnu::always_inline]] inline void backward_row(const T* y, const T* dy, T* dx, int64_t n, bool log) {
  if (log) {
    const T s = row_sum<T, false>(dy, nullptr, n);
    for (int64_t i = 0; i < n; ++i) dx[i] += dy[i] - vexp(y[i]) * s;
  } else {
    const T s = row_sum<T, true>(dy, y, n);
    for (int64_t i = 0; i < n; ++i) dx[i] += y[i] * (dy[i] - s);
  }
}

template <class T>
[[gnu::always_inline]] inline void backward_block(const T* y, const T* dy, T* dx, int64_t dim, int64_t inner,
                                                  int64_t w, bool log) {
  T s[kBlock] = {};
  for (int64_t d = 0; d < dim; ++d)
    for (int64_t c = 0; c < w; ++c) s[c] += log ? dy[d * inner + c] : dy[d * inner + c] * y[d * inner + c];
  for (int64_t d = 0; d < dim; ++d) {
    const int64_t i = d * inner;
    if (log) {
      for (int64_t c = 0; c < w; ++c) dx[i + c] += dy[i + c] - vexp(y[i + c]) * s[c];
    } else {
      for (int64_t c = 0; c < w; ++c) dx[i + c] += y[i + c] * (dy[i + c] - s[c]);
    }
  }
}

// Work units: rows when inner == 1, else (outer slice, column block) pairs.
int64_t units_of(const SoftmaxShape& s) {
  return s.inner == 1 ? s.outer : s.outer * ((s.inner + kBlock - 1) / kBlock);
}

template <class T>
[[gnu::always_inline]] inline void forward_units(const SoftmaxShape& s, const T* x, T* y, int64_t first,
                                                 int64_t last) {
  if (s.inner == 1) {
    for (int64_t r = first; r < last; ++r) forward_row(x + r * s.dim, y + r * s.dim, s.dim, s.log);
    return;
  }
  const int64_t blocks = (s.inner + kBlock - 1) / kBlock;
  for (int64_t u = first; u < last; ++u) {
    const int64_t o = u / blocks, c0 = (u % blocks) * kBlock;
    const int64_t off = o * s.dim * s.inner + c0;
    const int64_t w = s.inner - c0 < kBlock ? s.inner - c0 : kBlock;
    forward_block(x + off, y + off, s.dim, s.inner, w, s.log);
  }
}

template <class T>
[[gnu::always_inline]] inline void backward_units(const SoftmaxShape& s, const T* y, const T* dy, T* dx,
                                                  int64_t first, int64_t last) {
  if (s.inner == 1) {
    for (int64_t r = first; r < last; ++r) backward_row(y + r * s.dim, dy + r * s.dim, dx + r * s.dim, s.dim, s.log);
    return;
  }
  const int64_t blocks = (s.inner + kBlock - 1) / kBlock;
  for (int64_t u = first; u < last; ++u) {
    const int64_t o = u / blocks, c0 = (u % blocks) * kBlock;
    const int64_t off = o * s.dim * s.inner + c0;
    const int64_t w = s.inner - c0 < kBlock ? s.inner - c0 : kBlock;
    backward_block(y + off, dy + off, dx + off, s.dim, s.inner, w, s.log);
  }
}

ATTEND_TARGET_CLONES void forward_units_f32(const SoftmaxShape& s, const float* x, float* y, int64_t first,
                                            int64_t last) {
  forward_units(s, x, y, first, last);
}
ATTEND_TARGET_CLONES void backward_units_f32(const SoftmaxShape& s, const float* y, const float* dy, float* dx,
                                             int64_t first, int64_t last) {
  backward_units(s, y, dy, dx, first, last);
}

// Scalar operations per unit, for the parallel threshold (an exp counts as ~8).
int64_t work_per_unit(const SoftmaxShape& s) { return s.dim * (s.inner == 1 ? 1 : kBlock) * 10; }

}  // namespace

void softmax_forward(const SoftmaxShape& s, const float* x, float* y) {
  parallel_rows(units_of(s), work_per_unit(s),
                [&](int64_t first, int64_t last) { forward_units_f32(s, x, y, first, last); });
}
void softmax_forward(const SoftmaxShape& s, const double* x, double* y) {
  parallel_rows(units_of(s), work_per_unit(s),
                [&](int64_t first, int64_t last) { forward_units(s, x, y, first, last); });
}
void softmax_backward(const SoftmaxShape& s, const float* y, const float* dy, float* dx) {
  parallel_rows(units_of(s), work_per_unit(s),
                [&](int64_t first, int64_t last) { backward_units_f32(s, y, dy, dx, first, last); });
}
void softmax_backward(const SoftmaxShape& s, const double* y, const double* dy, double* dx) {
  parallel_rows(units_of(s), work_per_unit(s),
                [&](int64_t first, int64_t last) { backward_units(s, y, dy, dx, first, last); });
}

}  // namespace attend::kernels
