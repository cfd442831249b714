// Reference twin of kernels/conv1d: the defining sums written out with a bounds test per tap, in double.
#pragma once
#include <cstdint>

#include "kernels/conv1d.h"

namespace attend::kernels::ref {

template <class T>
void conv1d_same_forward(const Conv1dShape& s, const T* x, const T* weight, T* y) {
  const int64_t half = s.width / 2;
  for (int64_t n = 0; n < s.rows; ++n)
    for (int64_t l = 0; l < s.length; ++l)
      for (int64_t c = 0; c < s.channels; ++c) {
        double acc = 0;
        for (int64_t k = 0; k < s.width; ++k) {
          const int64_t src = l + k - half;
          if (src >= 0 && src < s.length) acc += static_cast<double>(weight[c * s.width + k]) * x[n * s.length + src];
        }
        y[(n * s.length + l) * s.channels + c] = static_cast<T>(acc);
      }
}

template <class T>
void conv1d_same_backward(const Conv1dShape& s, const T* x, const T* weight, const T* dy, T* dx, T* dweight) {
  const int64_t half = s.width / 2;
  for (int64_t n = 0; n < s.rows; ++n)
    for (int64_t l = 0; l < s.length; ++l)
      for (int64_t c = 0; c < s.channels; ++c)
        for (int64_t k = 0; k < s.width; ++k) {
          const int64_t src = l + k - half;
          if (src < 0 || src >= s.length) continue;
          const double g = dy[(n * s.length + l) * s.channels + c];
          if (dx) dx[n * s.length + src] = static_cast<T>(dx[n * s.length + src] + g * weight[c * s.width + k]);
          if (dweight)
            dweight[c * s.width + k] = static_cast<T>(dweight[c * s.width + k] + g * x[n * s.length + src]);
        }
}

}  // namespace attend::kernels::ref
