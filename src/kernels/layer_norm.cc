// Layer norm kernels: rows in parallel for the forward and dx; dgamma/dbeta in parallel over column
// blocks (each thread sums all rows for its columns in double), so there are no races and no scratch.
// Float entry points are compiled per ISA (ATTEND_TARGET_CLONES); reductions keep 16 partial lanes.
#include "kernels/layer_norm.h"

#include <cmath>

#include "kernels/parallel_rows.h"
#include "kernels/vecmath.h"

namespace attend::kernels {
namespace {

constexpr int kLanes = 16;
constexpr int64_t kColumnBlock = 64;

template <class T>
[[gnu::always_inline]] inline T lane_sum(const T (&acc)[kLanes]) {
  T s = 0;
  for (int l = 0; l < kLanes; ++l) s += acc[l];
  return s;
}

template <class T>
[[gnu::always_inline]] inline void forward_rows(const LayerNormShape& s, const T* x, const T* gamma, const T* beta,
                                                T* y, T* mean, T* rstd, int64_t first, int64_t last) {
  const int64_t n = s.dim;
  for (int64_t r = first; r < last; ++r) {
    const T* xr = x + r * n;
    T* yr = y + r * n;
    T acc[kLanes] = {};
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
      for (int l = 0; l < kLanes; ++l) acc[l] += xr[i + l];
    T sum = lane_sum(acc);
    for (; i < n; ++i) sum += xr[i];
    const T mu = sum / static_cast<T>(n);
    T acc2[kLanes] = {};
    i = 0;
    for (; i + kLanes <= n; i += kLanes)
      for (int l = 0; l < kLanes; ++l) acc2[l] += (xr[i + l] - mu) * (xr[i + l] - mu);
    T sq = lane_sum(acc2);
    for (; i < n; ++i) sq += (xr[i] - mu) * (xr[i] - mu);
    const T rs = T(1) / std::sqrt(sq / static_cast<T>(n) + static_cast<T>(s.eps));
    mean[r] = mu;
    rstd[r] = rs;
    if (gamma && beta) {
      for (int64_t j = 0; j < n; ++j) yr[j] = (xr[j] - mu) * rs * gamma[j] + beta[j];
    } else if (gamma) {
      for (int64_t j = 0; j < n; ++j) yr[j] = (xr[j] - mu) * rs * gamma[j];
    } else if (beta) {
      for (int64_t j = 0; j < n; ++j) yr[j] = (xr[j] - mu) * rs + beta[j];
    } else {
      for (int64_t j = 0; j < n; ++j) yr[j] = (xr[j] - mu) * rs;
    }
  }
}

template <class T>
[[gnu::always_inline]] inline void dx_rows(const LayerNormShape& s, const T* x, const T* gamma, const T* mean,
                                           const T* rstd, const T* dy, T* dx, int64_t first, int64_t last) {
  const int64_t n = s.dim;
  for (int64_t r = first; r < last; ++r) {
    const T* xr = x + r * n;
    const T* gr = dy + r * n;
    T* dr = dx + r * n;
    const T mu = mean[r], rs = rstd[r];
    T acc_g[kLanes] = {}, acc_gx[kLanes] = {};
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
      for (int l = 0; l < kLanes; ++l) {
        const T g = gamma ? gr[i + l] * gamma[i + l] : gr[i + l];
        acc_g[l] += g;
        acc_gx[l] += g * (xr[i + l] - mu) * rs;
      }
    T sg = lane_sum(acc_g), sgx = lane_sum(acc_gx);
    for (; i < n; ++i) {
      const T g = gamma ? gr[i] * gamma[i] : gr[i];
      sg += g;
      sgx += g * (xr[i] - mu) * rs;
    }
    const T mg = sg / static_cast<T>(n), mgx = sgx / static_cast<T>(n);
    for (int64_t j = 0; j < n; ++j) {
      const T g = gamma ? gr[j] * gamma[j] : gr[j];
      dr[j] += rs * (g - mg - (xr[j] - mu) * rs * mgx);
    }
  }
}

// Column blocks [first, last) of dgamma / dbeta, summing every row.
template <class T>
[[gnu::always_inline]] inline void param_grad_blocks(const LayerNormShape& s, const T* x, const T* mean,
                                                     const T* rstd, const T* dy, T* dgamma, T* dbeta, int64_t first,
                                                     int64_t last) {
  for (int64_t b = first; b < last; ++b) {
    const int64_t c0 = b * kColumnBlock;
    const int64_t w = s.dim - c0 < kColumnBlock ? s.dim - c0 : kColumnBlock;
    double acc_g[kColumnBlock] = {}, acc_b[kColumnBlock] = {};
    for (int64_t r = 0; r < s.rows; ++r) {
      const T* xr = x + r * s.dim + c0;
      const T* gr = dy + r * s.dim + c0;
      const T mu = mean[r], rs = rstd[r];
      for (int64_t c = 0; c < w; ++c) {
        acc_g[c] += static_cast<double>(gr[c] * (xr[c] - mu) * rs);
        acc_b[c] += static_cast<double>(gr[c]);
      }
    }
    for (int64_t c = 0; c < w; ++c) {
      if (dgamma) dgamma[c0 + c] += static_cast<T>(acc_g[c]);
      if (dbeta) dbeta[c0 + c] += static_cast<T>(acc_b[c]);
    }
  }
}

ATTEND_TARGET_CLONES void forward_rows_f32(const LayerNormShape& s, const float* x, const float* gamma,
                                           const float* beta, float* y, float* mean, float* rstd, int64_t first,
                                           int64_t last) {
  forward_rows(s, x, gamma, beta, y, mean, rstd, first, last);
}
ATTEND_TARGET_CLONES void dx_rows_f32(const LayerNormShape& s, const float* x, const float* gamma, const float* mean,
                                      const float* rstd, const float* dy, float* dx, int64_t first, int64_t last) {
  dx_rows(s, x, gamma, mean, rstd, dy, dx, first, last);
}
ATTEND_TARGET_CLONES void param_grad_blocks_f32(const LayerNormShape& s, const float* x, const float* mean,
                                                const float* rstd, const float* dy, float* dgamma, float* dbeta,
                                                int64_t first, int64_t last) {
  param_grad_blocks(s, x, mean, rstd, dy, dgamma, dbeta, first, last);
}

template <class T>
void forward_any(const LayerNormShape& s, const T* x, const T* gamma, const T* beta, T* y, T* mean, T* rstd) {
  parallel_rows(s.rows, s.dim * 5, [&](int64_t first, int64_t last) {
    if constexpr (sizeof(T) == 4) forward_rows_f32(s, x, gamma, beta, y, mean, rstd, first, last);
    else forward_rows(s, x, gamma, beta, y, mean, rstd, first, last);
  });
}

template <class T>
void backward_any(const LayerNormShape& s, const T* x, const T* gamma, const T* mean, const T* rstd, const T* dy,
                  T* dx, T* dgamma, T* dbeta) {
  if (dx) {
    parallel_rows(s.rows, s.dim * 8, [&](int64_t first, int64_t last) {
      if constexpr (sizeof(T) == 4) dx_rows_f32(s, x, gamma, mean, rstd, dy, dx, first, last);
      else dx_rows(s, x, gamma, mean, rstd, dy, dx, first, last);
    });
  }
  if (dgamma || dbeta) {
    const int64_t blocks = (s.dim + kColumnBlock - 1) / kColumnBlock;
    parallel_rows(blocks, s.rows * kColumnBlock * 5, [&](int64_t first, int64_t last) {
      if constexpr (sizeof(T) == 4) param_grad_blocks_f32(s, x, mean, rstd, dy, dgamma, dbeta, first, last);
      else param_grad_blocks(s, x, mean, rstd, dy, dgamma, dbeta, first, last);
    });
  }
}

}  // namespace

void layer_norm_forward(const LayerNormShape& s, const float* x, const float* gamma, const float* beta, float* y,
                        float* mean, float* rstd) {
  forward_any(s, x, gamma, beta, y, mean, rstd);
}
void layer_norm_forward(const LayerNormShape& s, const double* x, const double* gamma, const double* beta, double* y,
                        double* mean, double* rstd) {
  forward_any(s, x, gamma, beta, y, mean, rstd);
}
void layer_norm_backward(const LayerNormShape& s, const float* x, const float* gamma, const float* mean,
                         const float* rstd, const float* dy, float* dx, float* dgamma, float* dbeta) {
  backward_any(s, x, gamma, mean, rstd, dy, dx, dgamma, dbeta);
}
void layer_norm_backward(const LayerNormShape& s, const double* x, const double* gamma, const double* mean,
                         const double* rstd, const double* dy, double* dx, double* dgamma, double* dbeta) {
  backward_any(s, x, gamma, mean, rstd, dy, dx, dgamma, dbeta);
}

}  // namespace attend::kernels
