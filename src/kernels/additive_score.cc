// Fused additive score, forward and backward; batches are split over threads (each owns its rows of dwq,
// dwk, dloc and dv_rows).
#include "kernels/additive_score.h"

#include <cmath>
#include <algorithm>
#include <type_traits>

#include "kernels/parallel_rows.h"
#include "kernels/vecmath.h"

namespace attend::kernels {
namespace {

[[gnu::always_inline]] inline float tanh_of(float x) { return tanh_rational_f32(x); }
inline double tanh_of(double x) { return std::tanh(x); }

// Everything below is inlined into the ATTEND_TARGET_CLONES entry points, so it is compiled for each ISA.

// One (query, key) pair: sum_h v_h tanh(a_h + b_h (+ c_h)).
template <class T>
[[gnu::always_inline]] inline T pair_score(const T* a, const T* b, const T* c, const T* v, int64_t h) {
  T acc = 0;
  if (c) {
#pragma omp simd reduction(+ : acc)
    for (int64_t i = 0; i < h; ++i) acc += v[i] * tanh_of(a[i] + b[i] + c[i]);
  } else {
#pragma omp simd reduction(+ : acc)
    for (int64_t i = 0; i < h; ++i) acc += v[i] * tanh_of(a[i] + b[i]);
  }
  return acc;
}

// d = g v_h (1 - t^2) into da, db (and dc); g t into dv.
template <class T>
[[gnu::always_inline]] inline void pair_backward(const T* a, const T* b, const T* c, const T* v, T g, int64_t h, T* da, T* db, T* dc, T* dv) {
  if (c == nullptr) {  // the common case, without a location term: no per-element branches in the loop
#pragma omp simd
    for (int64_t i = 0; i < h; ++i) {
      const T t = tanh_of(a[i] + b[i]);
      const T d = g * v[i] * (T(1) - t * t);
      da[i] += d;
      db[i] += d;
      dv[i] += g * t;
    }
    return;
  }
#pragma omp simd
  for (int64_t i = 0; i < h; ++i) {
    const T t = tanh_of(a[i] + b[i] + c[i]);
    const T d = g * v[i] * (T(1) - t * t);
    da[i] += d;
    db[i] += d;
    if (dc) dc[i] += d;
    dv[i] += g * t;
  }
}

template <class T>
[[gnu::always_inline]] inline void forward_rows(const AdditiveScoreShape& s, const T* wq, const T* wk, const T* loc, const T* v, T* scores,
                  int64_t b0, int64_t b1) {
  const int64_t h = s.hidden;
  for (int64_t b = b0; b < b1; ++b)
    for (int64_t q = 0; q < s.queries; ++q) {
      const T* a = wq + (b * s.queries + q) * h;
      T* out = scores + (b * s.queries + q) * s.keys;
      for (int64_t k = 0; k < s.keys; ++k)
        out[k] = pair_score(a, wk + (b * s.keys + k) * h, loc ? loc + ((b * s.queries + q) * s.keys + k) * h : nullptr,
                            v, h);
    }
}

template <class T>
[[gnu::always_inline]] inline void backward_rows(const AdditiveScoreShape& s, const T* wq, const T* wk, const T* loc, const T* v, const T* g, T* dwq,
                   T* dwk, T* dloc, T* dv_rows, int64_t b0, int64_t b1) {
  const int64_t h = s.hidden;
  for (int64_t b = b0; b < b1; ++b) {
    T* dv = dv_rows + b * h;
    std::fill(dv, dv + h, T(0));
    for (int64_t q = 0; q < s.queries; ++q) {
      const int64_t row = b * s.queries + q;
      for (int64_t k = 0; k < s.keys; ++k) {
        const T gs = g[row * s.keys + k];
        if (gs == T(0)) continue;  // masked keys: nothing flows
        const int64_t pair = row * s.keys + k;
        pair_backward(wq + row * h, wk + (b * s.keys + k) * h, loc ? loc + pair * h : nullptr, v, gs, h, dwq + row * h,
                      dwk + (b * s.keys + k) * h, dloc ? dloc + pair * h : nullptr, dv);
      }
    }
  }
}

ATTEND_TARGET_CLONES void forward_rows_f32(const AdditiveScoreShape& s, const float* wq, const float* wk,
                                           const float* loc, const float* v, float* scores, int64_t b0, int64_t b1) {
  forward_rows(s, wq, wk, loc, v, scores, b0, b1);
}

ATTEND_TARGET_CLONES void backward_rows_f32(const AdditiveScoreShape& s, const float* wq, const float* wk,
                                            const float* loc, const float* v, const float* g, float* dwq, float* dwk,
                                            float* dloc, float* dv_rows, int64_t b0, int64_t b1) {
  backward_rows(s, wq, wk, loc, v, g, dwq, dwk, dloc, dv_rows, b0, b1);
}

}  // namespace

template <class T>
void additive_score_forward(const AdditiveScoreShape& s, const T* wq, const T* wk, const T* loc, const T* v, T* scores) {
  parallel_rows(s.batch, s.queries * s.keys * s.hidden, [&](int64_t b0, int64_t b1) {
    if constexpr (std::is_same_v<T, float>) forward_rows_f32(s, wq, wk, loc, v, scores, b0, b1);
    else forward_rows(s, wq, wk, loc, v, scores, b0, b1);
  });
}

template <class T>
void additive_score_backward(const AdditiveScoreShape& s, const T* wq, const T* wk, const T* loc, const T* v,
                             const T* g, T* dwq, T* dwk, T* dloc, T* dv_rows) {
  parallel_rows(s.batch, 2 * s.queries * s.keys * s.hidden, [&](int64_t b0, int64_t b1) {
    if constexpr (std::is_same_v<T, float>) backward_rows_f32(s, wq, wk, loc, v, g, dwq, dwk, dloc, dv_rows, b0, b1);
    else backward_rows(s, wq, wk, loc, v, g, dwq, dwk, dloc, dv_rows, b0, b1);
  });
}

template void additive_score_forward<float>(const AdditiveScoreShape&, const float*, const float*, const float*,
                                            const float*, float*);
template void additive_score_forward<double>(const AdditiveScoreShape&, const double*, const double*, const double*,
                                             const double*, double*);
template void additive_score_backward<float>(const AdditiveScoreShape&, const float*, const float*, const float*,
                                             const float*, const float*, float*, float*, float*, float*);
template void additive_score_backward<double>(const AdditiveScoreShape&, const double*, const double*, const double*,
                                              const double*, const double*, double*, double*, double*, double*);

}  // namespace attend::kernels
