// Reference twin of kernels/softmax: plain loops accumulating in double, with std::exp.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/softmax.h"

namespace attend::kernels::ref {

template <class T>
void softmax_forward(const SoftmaxShape& s, const T* x, T* y) {
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t c = 0; c < s.inner; ++c) {
      const T* xr = x + o * s.dim * s.inner + c;
      T* yr = y + o * s.dim * s.inner + c;
      double m = -std::numeric_limits<double>::infinity();
      for (int64_t d = 0; d < s.dim; ++d) m = std::fmax(m, static_cast<double>(xr[d * s.inner]));
      if (std::isinf(m) && m < 0) m = 0;  // an all -inf row
      double sum = 0;
      for (int64_t d = 0; d < s.dim; ++d) sum += std::exp(static_cast<double>(xr[d * s.inner]) - m);
      for (int64_t d = 0; d < s.dim; ++d) {
        const double v = static_cast<double>(xr[d * s.inner]) - m;
        const double out = s.log ? (sum > 0 ? v - std::log(sum) : -std::numeric_limits<double>::infinity())
                                 : (sum > 0 ? std::exp(v) / sum : 0.0);
        yr[d * s.inner] = static_cast<T>(out);
      }
    }
}

template <class T>
void softmax_backward(const SoftmaxShape& s, const T* y, const T* dy, T* dx) {
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t c = 0; c < s.inner; ++c) {
      const int64_t base = o * s.dim * s.inner + c;
      double acc = 0;
      for (int64_t d = 0; d < s.dim; ++d) {
        const int64_t i = base + d * s.inner;
        acc += s.log ? static_cast<double>(dy[i]) : static_cast<double>(dy[i]) * static_cast<double>(y[i]);
      }
      for (int64_t d = 0; d < s.dim; ++d) {
        const int64_t i = base + d * s.inner;
        const double yi = y[i], gi = dy[i];
        dx[i] = static_cast<T>(dx[i] + (s.log ? gi - std::exp(yi) * acc : yi * (gi - acc)));
      }
    }
}

}  // namespace attend::kernels::ref
