// One-input-channel 1-d convolution with "same" zero padding, for location-aware attention (Chorowski et
// al. 2015: filters over the previous step's attention weights).
//   x: [N, L]   weight: [C, K] (K odd)   y: [N, L, C]
//   y[n, l, c] = sum_k weight[c, k] * x[n, l + k - K/2]   (x = 0 outside [0, L))
// Cross-correlation, as in PyTorch's Conv1d(1, C, K, padding=K/2).
#pragma once
#include <cstdint>

namespace attend::kernels {

struct Conv1dShape {
  int64_t rows = 1;      // N
  int64_t length = 1;    // L
  int64_t channels = 1;  // C
  int64_t width = 1;     // K, odd
};

void conv1d_same_forward(const Conv1dShape& s, const float* x, const float* weight, float* y);
void conv1d_same_forward(const Conv1dShape& s, const double* x, const double* weight, double* y);

// dx += d/dx and dweight += d/dweight of sum(dy * y); either output may be null (not wanted).
void conv1d_same_backward(const Conv1dShape& s, const float* x, const float* weight, const float* dy, float* dx,
                          float* dweight);
void conv1d_same_backward(const Conv1dShape& s, const double* x, const double* weight, const double* dy, double* dx,
                          double* dweight);

}  // namespace attend::kernels
