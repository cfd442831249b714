// Reference twins of kernels/reduce.h: plain loops over every element, accumulating in double.
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/reduce.h"

namespace attend::kernels::ref {

template <class T>
void reduce_sum(const ReduceGeometry& g, const T* x, T* y, double alpha, bool accumulate) {
  int64_t total = 1, outputs = 1;
  for (int i = 0; i < g.ndim; ++i) {
    total *= g.shape[i];
    if (!g.reduced[i]) outputs *= g.shape[i];
  }
  std::vector<double> acc(static_cast<size_t>(outputs), 0.0);
  for (int64_t i = 0; i < total; ++i) {
    // output index: the kept coordinates of element i, row-major
    int64_t out = 0, scale = 1;
    for (int64_t d = g.ndim - 1, r = i; d >= 0; --d) {
      const int64_t k = r % g.shape[d];
      r /= g.shape[d];
      if (!g.reduced[d]) {
        out += k * scale;
        scale *= g.shape[d];
      }
    }
    acc[static_cast<size_t>(out)] += static_cast<double>(x[i]);
  }
  for (int64_t o = 0; o < outputs; ++o) {
    const double v = alpha * acc[static_cast<size_t>(o)];
    y[o] = accumulate ? static_cast<T>(y[o] + v) : static_cast<T>(v);
  }
}

template <class T>
void max_forward(int64_t outer, int64_t n, int64_t inner, const T* x, T* y, int64_t* argmax) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < inner; ++j) {
      int64_t at = 0;
      for (int64_t r = 1; r < n; ++r) {
        const T v = x[(o * n + r) * inner + j], best = x[(o * n + at) * inner + j];
        if (v > best || (v != v && best == best)) at = r;
      }
      y[o * inner + j] = x[(o * n + at) * inner + j];
      argmax[o * inner + j] = at;
    }
}

template <class T>
void max_backward(int64_t outer, int64_t n, int64_t inner, const int64_t* argmax, const T* dy, T* dx) {
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < inner; ++j) dx[(o * n + argmax[o * inner + j]) * inner + j] += dy[o * inner + j];
}

}  // namespace attend::kernels::ref
