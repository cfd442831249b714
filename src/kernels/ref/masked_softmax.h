// Reference twin of kernels/masked_softmax: one element at a time, each mask tested on its own (no key
// ranges), accumulating in double with std::exp.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/masked_softmax.h"

namespace attend::kernels::ref {

// Whether key j is allowed to query row (b, i) by the key, causal and window masks.
template <class T>
bool masked_softmax_key_allowed(const MaskedSoftmaxParams<T>& p, int64_t b, int64_t i, int64_t j) {
  if (p.key_mask && p.key_mask[b * p.key_mask_batch_stride + j] == T(0)) return false;
  if (p.causal && j > i + (p.tk - p.tq)) return false;
  if (p.window_centres) {
    const double c = static_cast<double>(p.window_centres[b * p.centres_batch_stride + i]);
    if (!std::isfinite(c)) return false;
    const double centre = std::floor(c + 0.5);
    if (std::fabs(static_cast<double>(j) - centre) > static_cast<double>(p.window_radius)) return false;
  }
  return true;
}

template <class T>
void masked_softmax_forward(const MaskedSoftmaxParams<T>& p, const T* x, T* y) {
  const double inf = std::numeric_limits<double>::infinity();
  for (int64_t b = 0; b < p.batch; ++b)
    for (int64_t m = 0; m < p.heads; ++m)
      for (int64_t i = 0; i < p.tq; ++i) {
        const int64_t row = ((b * p.heads + m) * p.tq + i) * p.tk;
        double mx = -inf;
        for (int64_t j = 0; j < p.tk; ++j) {
          if (!masked_softmax_key_allowed(p, b, i, j)) continue;
          double z = static_cast<double>(p.scale) * static_cast<double>(x[row + j]);
          if (p.additive)
            z += static_cast<double>(p.additive[b * p.additive_strides[0] + m * p.additive_strides[1] +
                                                i * p.additive_strides[2] + j * p.additive_strides[3]]);
          mx = std::fmax(mx, z);
        }
        double sum = 0;
        for (int64_t pass = 0; pass < 2; ++pass)
          for (int64_t j = 0; j < p.tk; ++j) {
            double e = 0;
            if (mx > -inf && masked_softmax_key_allowed(p, b, i, j)) {
              double z = static_cast<double>(p.scale) * static_cast<double>(x[row + j]);
              if (p.additive)
                z += static_cast<double>(p.additive[b * p.additive_strides[0] + m * p.additive_strides[1] +
                                                    i * p.additive_strides[2] + j * p.additive_strides[3]]);
              e = std::exp(z - mx);
            }
            if (pass == 0) sum += e;
            else y[row + j] = static_cast<T>(sum > 0 ? e / sum : 0.0);
          }
      }
}

template <class T>
void masked_softmax_backward(const MaskedSoftmaxParams<T>& p, const T* y, const T* dy, T alpha, T* dz) {
  for (int64_t r = 0; r < p.rows(); ++r) {
    double s = 0;
    for (int64_t j = 0; j < p.tk; ++j) s += static_cast<double>(y[r * p.tk + j]) * dy[r * p.tk + j];
    for (int64_t j = 0; j < p.tk; ++j) {
      const int64_t k = r * p.tk + j;
      dz[k] = static_cast<T>(dz[k] + static_cast<double>(alpha) * y[k] * (dy[k] - s));
    }
  }
}

}  // namespace attend::kernels::ref
