// Layer normalisation over the last axis of a dense [rows, dim] buffer:
// y = (x - mean) * rstd * gamma + beta, rstd = 1 / sqrt(var + eps), biased variance.
#pragma once
#include <cstdint>

namespace attend::kernels {

// x, y, dy, dx: [rows, dim]; gamma, beta, dgamma, dbeta: [dim]; mean, rstd: [rows].
struct LayerNormShape {
  int64_t rows = 0;
  int64_t dim = 0;
  double eps = 1e-5;
};

// Writes y, mean and rstd. gamma / beta may be null (scale 1 / shift 0).
void layer_norm_forward(const LayerNormShape& s, const float* x, const float* gamma, const float* beta, float* y,
                        float* mean, float* rstd);
void layer_norm_forward(const LayerNormShape& s, const double* x, const double* gamma, const double* beta, double* y,
                        double* mean, double* rstd);

// Adds into dx, dgamma and dbeta (each may be null to skip it), from the saved mean and rstd:
//   xhat = (x - mean) * rstd, g = dy * gamma,
//   dx += rstd * (g - mean(g) - xhat * mean(g * xhat)),  dgamma += sum_rows dy * xhat,  dbeta += sum_rows dy.
void layer_norm_backward(const LayerNormShape& s, const float* x, const float* gamma, const float* mean,
                         const float* rstd, const float* dy, float* dx, float* dgamma, float* dbeta);
void layer_norm_backward(const LayerNormShape& s, const double* x, const double* gamma, const double* mean,
                         const double* rstd, const double* dy, double* dx, double* dgamma, double* dbeta);

}  // namespace attend::kernels
