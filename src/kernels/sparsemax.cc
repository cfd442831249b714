// Sparsemax kernels: one templated row body (contiguous or strided, with or without a mask) inlined into a
// float entry point compiled for AVX-512 / AVX2 / baseline (ATTEND_TARGET_CLONES) and a plain double one.
#include "kernels/sparsemax.h"

#include <algorithm>
#include <limits>

#include "kernels/parallel_rows.h"
#include "kernels/vecmath.h"

namespace attend::kernels {
namespace {

template <class T>
constexpr T kNegInf = -std::numeric_limits<T>::infinity();
constexpr int kLanes = 16;

// Entries that can be in the support: tau >= max - 1 (the largest output is at most 1), so only entries above
// max - 1 are candidates. Up to kCandidates of them are copied to the stack (no scratch, no allocation) and the
// threshold iterates there; beyond that it iterates over the whole slice.
constexpr int64_t kCandidates = 256;

// Michelot's iteration over values v (shifted by the maximum) that are a superset of the support: with S the
// values above the running threshold, tau = (sum_S v - 1) / |S|; values <= tau leave S; stop when none leaves.
// From a superset of the support tau only grows (kept monotone against rounding), so S only shrinks and
// the loop ends within |S| passes.
template <class Next>
[[gnu::always_inline]] inline double michelot(double sum, int64_t k, Next&& pass) {
  double tau = (sum - 1.0) / static_cast<double>(k);
  for (;;) {
    double s2 = 0;
    int64_t k2 = 0;
    pass(tau, s2, k2);
    if (k2 >= k || k2 == 0) return tau;  // k2 == 0 is unreachable in exact arithmetic (tau < max)
    k = k2;
    tau = std::max(tau, (s2 - 1.0) / static_cast<double>(k2));
  }
}

// One slice of n entries at stride st.
template <class T, bool kMasked>
[[gnu::always_inline]] inline void forward_slice(const T* x, const T* m, T* y, int64_t n, int64_t st) {
  // The maximum of the entries taking part, in kLanes partial maxima so the loop vectorises.
  T lanes[kLanes];
  for (int l = 0; l < kLanes; ++l) lanes[l] = kNegInf<T>;
  int64_t i0 = 0;
  for (; i0 + kLanes <= n; i0 += kLanes)
    for (int l = 0; l < kLanes; ++l) {
      const int64_t i = (i0 + l) * st;
      const T v = (!kMasked || m[i] != T(0)) ? x[i] : kNegInf<T>;
      lanes[l] = v > lanes[l] ? v : lanes[l];
    }
  T top = kNegInf<T>;
  for (int l = 0; l < kLanes; ++l) top = lanes[l] > top ? lanes[l] : top;
  for (; i0 < n; ++i0) {
    const T v = (!kMasked || m[i0 * st] != T(0)) ? x[i0 * st] : kNegInf<T>;
    top = v > top ? v : top;
  }
  if (!(top > kNegInf<T>)) {  // nothing takes part
    for (int64_t i = 0; i < n; ++i) y[i * st] = T(0);
    return;
  }
  const double max = static_cast<double>(top);
  const T floor = static_cast<T>(max - 1.0);  // rounding down is fine: a superset of candidates
  double candidates[kCandidates];
  double sum = 0;
  int64_t k = 0;
  for (int64_t i = 0; i < n; ++i)
    if ((!kMasked || m[i * st] != T(0)) && x[i * st] >= floor) {
      const double v = static_cast<double>(x[i * st]) - max;
      if (k < kCandidates) candidates[k] = v;
      sum += v;
      ++k;
    }
  double tau;  // relative to max
  if (k <= kCandidates) {
    tau = michelot(sum, k, [&](double t, double& s2, int64_t& k2) {
      for (int64_t j = 0; j < k; ++j) {
        const bool in = candidates[j] > t;
        s2 += in ? candidates[j] : 0.0;
        k2 += in ? 1 : 0;
      }
    });
  } else {
    tau = michelot(sum, k, [&](double t, double& s2, int64_t& k2) {
      for (int64_t i = 0; i < n; ++i) {
        const double v = static_cast<double>(x[i * st]) - max;  // -inf and NaN fail v > t
        const bool in = (!kMasked || m[i * st] != T(0)) && v > t;
        s2 += in ? v : 0.0;
        k2 += in ? 1 : 0;
      }
    });
  }
  // y = (x - max) - tau in T: x - max is exact near the top (Sterbenz) and |tau| <= 1, so float keeps ~1e-7
  // absolute accuracy even at |x| ~ 1e4, and the loop vectorises.
  const T tau_t = static_cast<T>(tau);
  for (int64_t i = 0; i < n; ++i) {
    const T v = (x[i * st] - top) - tau_t;  // -inf stays -inf
    const bool in = (!kMasked || m[i * st] != T(0)) && v > T(0);
    y[i * st] = in ? v : T(0);
  }
}

template <class T>
[[gnu::always_inline]] inline void backward_slice(const T* y, const T* dy, T* dx, int64_t n, int64_t st) {
  double sum = 0;
  int64_t k = 0;
  for (int64_t i = 0; i < n; ++i) {
    const bool in = y[i * st] > T(0);
    sum += in ? static_cast<double>(dy[i * st]) : 0.0;
    k += in ? 1 : 0;
  }
  if (k == 0) return;
  const T mean = static_cast<T>(sum / static_cast<double>(k));
  for (int64_t i = 0; i < n; ++i)
    if (y[i * st] > T(0)) dx[i * st] += dy[i * st] - mean;
}

// Work units are slices: unit u is (outer o, column c) with u = o * inner + c.
template <class T>
[[gnu::always_inline]] inline void forward_units(const SparsemaxShape& s, const T* x, const T* m, T* y,
                                                 int64_t first, int64_t last) {
  for (int64_t u = first; u < last; ++u) {
    const int64_t off = (u / s.inner) * s.dim * s.inner + u % s.inner;
    if (s.inner == 1) {
      if (m) forward_slice<T, true>(x + off, m + off, y + off, s.dim, 1);
      else forward_slice<T, false>(x + off, nullptr, y + off, s.dim, 1);
    } else {
      if (m) forward_slice<T, true>(x + off, m + off, y + off, s.dim, s.inner);
      else forward_slice<T, false>(x + off, nullptr, y + off, s.dim, s.inner);
    }
  }
}

template <class T>
[[gnu::always_inline]] inline void backward_units(const SparsemaxShape& s, const T* y, const T* dy, T* dx,
                                                  int64_t first, int64_t last) {
  for (int64_t u = first; u < last; ++u) {
    const int64_t off = (u / s.inner) * s.dim * s.inner + u % s.inner;
    if (s.inner == 1) backward_slice(y + off, dy + off, dx + off, s.dim, 1);
    else backward_slice(y + off, dy + off, dx + off, s.dim, s.inner);
  }
}

ATTEND_TARGET_CLONES void forward_units_f32(const SparsemaxShape& s, const float* x, const float* m, float* y,
                                            int64_t first, int64_t last) {
  forward_units(s, x, m, y, first, last);
}
ATTEND_TARGET_CLONES void backward_units_f32(const SparsemaxShape& s, const float* y, const float* dy, float* dx,
                                             int64_t first, int64_t last) {
  backward_units(s, y, dy, dx, first, last);
}

// Scalar operations per slice for the parallel threshold (a few passes over the slice).
int64_t work_per_unit(const SparsemaxShape& s) { return s.dim * 8; }

}  // namespace

void sparsemax_forward(const SparsemaxShape& s, const float* x, const float* mask, float* y) {
  parallel_rows(s.outer * s.inner, work_per_unit(s),
                [&](int64_t first, int64_t last) { forward_units_f32(s, x, mask, y, first, last); });
}
void sparsemax_forward(const SparsemaxShape& s, const double* x, const double* mask, double* y) {
  parallel_rows(s.outer * s.inner, work_per_unit(s),
                [&](int64_t first, int64_t last) { forward_units(s, x, mask, y, first, last); });
}
void sparsemax_backward(const SparsemaxShape& s, const float* y, const float* dy, float* dx) {
  parallel_rows(s.outer * s.inner, work_per_unit(s),
                [&](int64_t first, int64_t last) { backward_units_f32(s, y, dy, dx, first, last); });
}
void sparsemax_backward(const SparsemaxShape& s, const double* y, const double* dy, double* dx) {
  parallel_rows(s.outer * s.inner, work_per_unit(s),
                [&](int64_t first, int64_t last) { backward_units(s, y, dy, dx, first, last); });
}

}  // namespace attend::kernels
