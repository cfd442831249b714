// Cross-entropy kernels: two passes per row forward (max and sum of x, then sum of exp), one pass
// backward. Rows run in parallel; float rows go through ATTEND_TARGET_CLONES entry points.
#include "kernels/cross_entropy.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/parallel_rows.h"
#include "kernels/vecmath.h"

namespace attend::kernels {
namespace {

constexpr int kLanes = 16;

// Returns the row loss (before the ignore test) and writes its log-sum-exp.
template <class T>
[[gnu::always_inline]] inline T forward_row(const T* x, int64_t n, int64_t target, T eps, T* lse_out) {
  T mx[kLanes], sx[kLanes] = {};
  for (int l = 0; l < kLanes; ++l) mx[l] = -std::numeric_limits<T>::infinity();
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) {
      mx[l] = x[i + l] > mx[l] ? x[i + l] : mx[l];
      sx[l] += x[i + l];
    }
  T m = -std::numeric_limits<T>::infinity(), sum_x = 0;
  for (int l = 0; l < kLanes; ++l) {
    m = mx[l] > m ? mx[l] : m;
    sum_x += sx[l];
  }
  for (; i < n; ++i) {
    m = x[i] > m ? x[i] : m;
    sum_x += x[i];
  }
  T se[kLanes] = {};
  i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) se[l] += vexp(x[i + l] - m);
  T sum_e = 0;
  for (int l = 0; l < kLanes; ++l) sum_e += se[l];
  for (; i < n; ++i) sum_e += vexp(x[i] - m);
  const T lse = m + std::log(sum_e);
  *lse_out = lse;
  if (target < 0 || target >= n) return 0;  // ignored row (the caller validated the rest)
  T loss = lse - (T(1) - eps) * x[target];
  if (eps != T(0)) loss -= eps * sum_x / static_cast<T>(n);
  return loss;
}

template <class T>
[[gnu::always_inline]] inline void backward_row(const T* x, int64_t n, int64_t target, T eps, T lse, T c, bool overwrite,
                                                T* dx) {
  const T uniform = eps / static_cast<T>(n);
  if (overwrite)
    for (int64_t j = 0; j < n; ++j) dx[j] = c * (vexp(x[j] - lse) - uniform);
  else
    for (int64_t j = 0; j < n; ++j) dx[j] += c * (vexp(x[j] - lse) - uniform);
  dx[target] -= c * (T(1) - eps);
}

ATTEND_TARGET_CLONES float forward_row_f32(const float* x, int64_t n, int64_t target, float eps, float* lse_out) {
  return forward_row(x, n, target, eps, lse_out);
}
ATTEND_TARGET_CLONES void backward_row_f32(const float* x, int64_t n, int64_t target, float eps, float lse, float c,
                                           bool overwrite, float* dx) {
  backward_row(x, n, target, eps, lse, c, overwrite, dx);
}

}  // namespace

template <class T, class I>
void cross_entropy_forward(const CrossEntropyShape& s, const T* logits, const I* targets, T* loss, T* lse) {
  const int64_t v = s.classes;
  const T eps = static_cast<T>(s.label_smoothing);
  parallel_rows(s.rows, v * 12, [&](int64_t first, int64_t last) {
    for (int64_t r = first; r < last; ++r) {
      int64_t t = static_cast<int64_t>(targets[r]);
      const bool ignored = t == s.ignore_index;
      if (ignored) t = -1;
      T l;
      if constexpr (sizeof(T) == 4) l = forward_row_f32(logits + r * v, v, t, eps, lse + r);
      else l = forward_row(logits + r * v, v, t, eps, lse + r);
      loss[r] = ignored ? T(0) : l;
    }
  });
}

template <class T, class I>
void cross_entropy_backward(const CrossEntropyShape& s, const T* logits, const I* targets, const T* lse,
                            const T* dloss, int64_t dloss_stride, T scale, T* dlogits) {
  const int64_t v = s.classes;
  const T eps = static_cast<T>(s.label_smoothing);
  parallel_rows(s.rows, v * 10, [&](int64_t first, int64_t last) {
    for (int64_t r = first; r < last; ++r) {
      const int64_t t = static_cast<int64_t>(targets[r]);
      if (t == s.ignore_index) {
        if (s.overwrite) std::fill_n(dlogits + r * v, v, T(0));
        continue;
      }
      const T c = scale * dloss[r * dloss_stride];
      if constexpr (sizeof(T) == 4) backward_row_f32(logits + r * v, v, t, eps, lse[r], c, s.overwrite, dlogits + r * v);
      else backward_row(logits + r * v, v, t, eps, lse[r], c, s.overwrite, dlogits + r * v);
    }
  });
}

template void cross_entropy_forward<float, int32_t>(const CrossEntropyShape&, const float*, const int32_t*, float*,
                                                    float*);
template void cross_entropy_forward<float, int64_t>(const CrossEntropyShape&, const float*, const int64_t*, float*,
                                                    float*);
template void cross_entropy_forward<double, int32_t>(const CrossEntropyShape&, const double*, const int32_t*, double*,
                                                     double*);
template void cross_entropy_forward<double, int64_t>(const CrossEntropyShape&, const double*, const int64_t*, double*,
                                                     double*);
template void cross_entropy_backward<float, int32_t>(const CrossEntropyShape&, const float*, const int32_t*,
                                                     const float*, const float*, int64_t, float, float*);
template void cross_entropy_backward<float, int64_t>(const CrossEntropyShape&, const float*, const int64_t*,
                                                     const float*, const float*, int64_t, float, float*);
template void cross_entropy_backward<double, int32_t>(const CrossEntropyShape&, const double*, const int32_t*,
                                                      const double*, const double*, int64_t, double, double*);
template void cross_entropy_backward<double, int64_t>(const CrossEntropyShape&, const double*, const int64_t*,
                                                      const double*, const double*, int64_t, double, double*);

}  // namespace attend::kernels
