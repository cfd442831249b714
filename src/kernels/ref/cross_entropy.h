// Reference twin of kernels/cross_entropy: an explicit log-softmax and target distribution, in double.
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/cross_entropy.h"

namespace attend::kernels::ref {

template <class T, class I>
void cross_entropy_forward(const CrossEntropyShape& s, const T* logits, const I* targets, T* loss, T* lse) {
  const int64_t v = s.classes;
  const double eps = s.label_smoothing;
  for (int64_t r = 0; r < s.rows; ++r) {
    const T* x = logits + r * v;
    double m = -INFINITY;
    for (int64_t j = 0; j < v; ++j) m = std::fmax(m, static_cast<double>(x[j]));
    double sum = 0;
    for (int64_t j = 0; j < v; ++j) sum += std::exp(x[j] - m);
    const double l = m + std::log(sum);
    lse[r] = static_cast<T>(l);
    const int64_t t = static_cast<int64_t>(targets[r]);
    if (t == s.ignore_index) {
      loss[r] = 0;
      continue;
    }
    double acc = 0;  // - sum_j q_j log p_j
    for (int64_t j = 0; j < v; ++j) {
      const double q = (j == t ? 1.0 - eps : 0.0) + eps / static_cast<double>(v);
      acc -= q * (x[j] - l);
    }
    loss[r] = static_cast<T>(acc);
  }
}

template <class T, class I>
void cross_entropy_backward(const CrossEntropyShape& s, const T* logits, const I* targets, const T* lse,
                            const T* dloss, int64_t dloss_stride, T scale, T* dlogits) {
  const int64_t v = s.classes;
  const double eps = s.label_smoothing;
  for (int64_t r = 0; r < s.rows; ++r) {
    const int64_t t = static_cast<int64_t>(targets[r]);
    if (t == s.ignore_index) {
      if (s.overwrite)
        for (int64_t j = 0; j < v; ++j) dlogits[r * v + j] = 0;
      continue;
    }
    const double c = static_cast<double>(scale) * static_cast<double>(dloss[r * dloss_stride]);
    for (int64_t j = 0; j < v; ++j) {
      const double p = std::exp(static_cast<double>(logits[r * v + j]) - static_cast<double>(lse[r]));
      const double q = (j == t ? 1.0 - eps : 0.0) + eps / static_cast<double>(v);
      const double before = s.overwrite ? 0.0 : static_cast<double>(dlogits[r * v + j]);
      dlogits[r * v + j] = static_cast<T>(before + c * (p - q));
    }
  }
}

}  // namespace attend::kernels::ref
