// Reference twin of kernels/layer_norm: plain loops in double.
#pragma once
#include <cmath>
#include <cstdint>

#include "kernels/layer_norm.h"

namespace attend::kernels::ref {

template <class T>
void layer_norm_forward(const LayerNormShape& s, const T* x, const T* gamma, const T* beta, T* y, T* mean, T* rstd) {
  for (int64_t r = 0; r < s.rows; ++r) {
    const T* xr = x + r * s.dim;
    double mu = 0, var = 0;
    for (int64_t i = 0; i < s.dim; ++i) mu += xr[i];
    mu /= static_cast<double>(s.dim);
    for (int64_t i = 0; i < s.dim; ++i) var += (xr[i] - mu) * (xr[i] - mu);
    var /= static_cast<double>(s.dim);
    const double rs = 1.0 / std::sqrt(var + s.eps);
    mean[r] = static_cast<T>(mu);
    rstd[r] = static_cast<T>(rs);
    for (int64_t i = 0; i < s.dim; ++i) {
      const double v = (xr[i] - mu) * rs * (gamma ? static_cast<double>(gamma[i]) : 1.0) +
                       (beta ? static_cast<double>(beta[i]) : 0.0);
      y[r * s.dim + i] = static_cast<T>(v);
    }
  }
}

template <class T>
void layer_norm_backward(const LayerNormShape& s, const T* x, const T* gamma, const T* mean, const T* rstd,
                         const T* dy, T* dx, T* dgamma, T* dbeta) {
  for (int64_t r = 0; r < s.rows; ++r) {
    const int64_t base = r * s.dim;
    const double mu = mean[r], rs = rstd[r];
    double mg = 0, mgx = 0;
    for (int64_t i = 0; i < s.dim; ++i) {
      const double xh = (x[base + i] - mu) * rs;
      const double g = dy[base + i] * (gamma ? static_cast<double>(gamma[i]) : 1.0);
      mg += g;
      mgx += g * xh;
      if (dgamma) dgamma[i] = static_cast<T>(dgamma[i] + dy[base + i] * xh);
      if (dbeta) dbeta[i] = static_cast<T>(dbeta[i] + dy[base + i]);
    }
    mg /= static_cast<double>(s.dim);
    mgx /= static_cast<double>(s.dim);
    if (!dx) continue;
    for (int64_t i = 0; i < s.dim; ++i) {
      const double xh = (x[base + i] - mu) * rs;
      const double g = dy[base + i] * (gamma ? static_cast<double>(gamma[i]) : 1.0);
      dx[base + i] = static_cast<T>(dx[base + i] + rs * (g - mg - xh * mgx));
    }
  }
}

}  // namespace attend::kernels::ref
