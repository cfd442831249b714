// Masked softmax kernels. The causal and window masks narrow each row to one key range [lo, hi), so the
// row loops touch only that range (everything outside is written 0); the key mask and the additive mask
// are read per element inside it. Float rows run in an ATTEND_TARGET_CLONES function, double rows are
// plain templates.
#include "kernels/masked_softmax.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/parallel_chunks.h"
#include "kernels/vecmath.h"

namespace attend::kernels {

template <class T>
void allowed_key_range(const MaskedSoftmaxParams<T>& p, int64_t b, int64_t i, int64_t* lo, int64_t* hi) {
  int64_t l = 0, h = p.tk;
  if (p.causal) h = std::min(h, i + (p.tk - p.tq) + 1);
  if (p.window_centres) {
    const double c = static_cast<double>(p.window_centres[b * p.centres_batch_stride + i]);
    if (!std::isfinite(c)) {
      h = 0;
    } else {
      // Clamped so that the integer arithmetic below cannot overflow; any centre this far away leaves no key.
      const double limit = 4e15;
      const int64_t centre = static_cast<int64_t>(std::floor(std::clamp(c, -limit, limit) + 0.5));
      l = std::max(l, centre - p.window_radius);
      h = std::min(h, centre + p.window_radius + 1);
    }
  }
  l = std::min(l, p.tk);  // a window beyond the last key: empty range at the end
  *lo = l;
  *hi = std::max(h, l);
}

template void allowed_key_range(const MaskedSoftmaxParams<float>&, int64_t, int64_t, int64_t*, int64_t*);
template void allowed_key_range(const MaskedSoftmaxParams<double>&, int64_t, int64_t, int64_t*, int64_t*);

namespace {

template <class T>
constexpr T kNegInf = -std::numeric_limits<T>::infinity();

constexpr int kLanes = 16;  // partial sums, so GCC vectorises the reductions without -ffast-math

// sum(a[j] * b[j]) over [0, n)
template <class T>
[[gnu::always_inline]] inline T dot_lanes(const T* a, const T* b, int64_t n) {
  T acc[kLanes] = {};
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] += a[j + l] * b[j + l];
  T s = 0;
  for (int l = 0; l < kLanes; ++l) s += acc[l];
  for (; j < n; ++j) s += a[j] * b[j];
  return s;
}

// y[j] = exp(y[j] - mx) over [0, n), returning their sum
template <class T>
[[gnu::always_inline]] inline T exp_sum_lanes(T* y, T mx, int64_t n) {
  T acc[kLanes] = {};
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
    for (int l = 0; l < kLanes; ++l) {
      const T e = vexp(y[j + l] - mx);
      y[j + l] = e;
      acc[l] += e;
    }
  T s = 0;
  for (int l = 0; l < kLanes; ++l) s += acc[l];
  for (; j < n; ++j) {
    const T e = vexp(y[j] - mx);
    y[j] = e;
    s += e;
  }
  return s;
}

// Rows [first, last) of the forward pass.
template <class T>
[[gnu::always_inline]] inline void forward_rows(const MaskedSoftmaxParams<T>& p, const T* x, T* y, int64_t first,
                                                int64_t last) {
  const int64_t tk = p.tk;
  const int64_t per_batch = p.heads * p.tq;
  for (int64_t r = first; r < last; ++r) {
    const int64_t b = r / per_batch;
    const int64_t m = (r / p.tq) % p.heads;
    const int64_t i = r % p.tq;
    const T* xr = x + r * tk;
    T* yr = y + r * tk;
    int64_t lo, hi;
    allowed_key_range(p, b, i, &lo, &hi);
    for (int64_t j = 0; j < lo; ++j) yr[j] = 0;
    for (int64_t j = hi; j < tk; ++j) yr[j] = 0;
    if (lo >= hi) continue;
    // z into y (masked keys as -inf), then the max.
    const T scale = p.scale;
    if (p.additive) {
      const T* ar = p.additive + b * p.additive_strides[0] + m * p.additive_strides[1] + i * p.additive_strides[2];
      const int64_t sk = p.additive_strides[3];
      for (int64_t j = lo; j < hi; ++j) yr[j] = scale * xr[j] + ar[j * sk];
    } else {
      for (int64_t j = lo; j < hi; ++j) yr[j] = scale * xr[j];
    }
    if (p.key_mask) {
      const T* km = p.key_mask + b * p.key_mask_batch_stride;
      for (int64_t j = lo; j < hi; ++j) yr[j] = km[j] != T(0) ? yr[j] : kNegInf<T>;
    }
    T mx = kNegInf<T>;
    for (int64_t j = lo; j < hi; ++j) mx = yr[j] > mx ? yr[j] : mx;
    if (mx == kNegInf<T>) {  // nothing to attend to
      for (int64_t j = lo; j < hi; ++j) yr[j] = 0;
      continue;
    }
    const T sum = exp_sum_lanes(yr + lo, mx, hi - lo);  // exp(-inf) = 0 exactly
    const T inv = T(1) / sum;  // sum >= 1: the maximum contributes exp(0)
    for (int64_t j = lo; j < hi; ++j) yr[j] *= inv;
  }
}

template <class T>
[[gnu::always_inline]] inline void backward_rows(int64_t tk, const T* y, const T* dy, T alpha, T* dz, int64_t first,
                                                 int64_t last) {
  for (int64_t r = first; r < last; ++r) {
    const T* yr = y + r * tk;
    const T* gr = dy + r * tk;
    T* dr = dz + r * tk;
    const T s = dot_lanes(yr, gr, tk);
    for (int64_t j = 0; j < tk; ++j) dr[j] += alpha * yr[j] * (gr[j] - s);
  }
}

template <class T>
void allowed_rows(const MaskedSoftmaxParams<T>& p, T* out, int64_t first, int64_t last) {
  const int64_t per_batch = p.heads * p.tq;
  for (int64_t r = first; r < last; ++r) {
    const int64_t b = r / per_batch, i = r % p.tq;
    T* o = out + r * p.tk;
    int64_t lo, hi;
    allowed_key_range(p, b, i, &lo, &hi);
    const T* km = p.key_mask ? p.key_mask + b * p.key_mask_batch_stride : nullptr;
    for (int64_t j = 0; j < p.tk; ++j) o[j] = (j >= lo && j < hi && (!km || km[j] != T(0))) ? T(1) : T(0);
  }
}

ATTEND_TARGET_CLONES void forward_rows_f32(const MaskedSoftmaxParams<float>& p, const float* x, float* y,
                                           int64_t first, int64_t last) {
  forward_rows(p, x, y, first, last);
}
ATTEND_TARGET_CLONES void backward_rows_f32(int64_t tk, const float* y, const float* dy, float alpha, float* dz,
                                            int64_t first, int64_t last) {
  backward_rows(tk, y, dy, alpha, dz, first, last);
}

// Scalar work per row for the threading threshold (an exp counts as ~8 operations).
int64_t forward_work(int64_t tk) { return tk * 12; }

}  // namespace

void masked_softmax_forward(const MaskedSoftmaxParams<float>& p, const float* x, float* y) {
  if (p.tk == 0) return;
  parallel_chunks(p.rows(), p.rows() * forward_work(p.tk),
                  [&](int64_t first, int64_t last) { forward_rows_f32(p, x, y, first, last); });
}
void masked_softmax_forward(const MaskedSoftmaxParams<double>& p, const double* x, double* y) {
  if (p.tk == 0) return;
  parallel_chunks(p.rows(), p.rows() * forward_work(p.tk),
                  [&](int64_t first, int64_t last) { forward_rows(p, x, y, first, last); });
}
void masked_softmax_backward(const MaskedSoftmaxParams<float>& p, const float* y, const float* dy, float alpha,
                             float* dz) {
  if (p.tk == 0) return;
  parallel_chunks(p.rows(), p.rows() * p.tk * 4,
                  [&](int64_t first, int64_t last) { backward_rows_f32(p.tk, y, dy, alpha, dz, first, last); });
}
void masked_softmax_backward(const MaskedSoftmaxParams<double>& p, const double* y, const double* dy, double alpha,
                             double* dz) {
  if (p.tk == 0) return;
  parallel_chunks(p.rows(), p.rows() * p.tk * 4,
                  [&](int64_t first, int64_t last) { backward_rows(p.tk, y, dy, alpha, dz, first, last); });
}
void masked_softmax_allowed(const MaskedSoftmaxParams<float>& p, float* out) {
  if (p.tk == 0) return;
  parallel_chunks(p.rows(), p.rows() * p.tk, [&](int64_t first, int64_t last) { allowed_rows(p, out, first, last); });
}
void masked_softmax_allowed(const MaskedSoftmaxParams<double>& p, double* out) {
  if (p.tk == 0) return;
  parallel_chunks(p.rows(), p.rows() * p.tk, [&](int64_t first, int64_t last) { allowed_rows(p, out, first, last); });
}

}  // namespace attend::kernels
