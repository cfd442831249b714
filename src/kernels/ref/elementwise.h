// Reference twin of kernels/elementwise.h: one multi-index loop over the uncoalesced geometry,
// no threads, no special cases. Templated so tests run it in double.
#pragma once
#include <cstdint>

#include "kernels/elementwise.h"

namespace attend::kernels::ref {

template <class T>
void binary(const BinaryParams& p, const BroadcastGeometry& g, const T* a, const T* b, T* y) {
  const int64_t total = g.numel();
  for (int64_t i = 0; i < total; ++i) {
    int64_t oa = 0, ob = 0;
    for (int64_t d = g.ndim - 1, r = i; d >= 0; --d) {
      const int64_t k = r % g.shape[d];
      r /= g.shape[d];
      oa += k * g.a_strides[d];
      ob += k * g.b_strides[d];
    }
    T v;
    switch (p.op) {
      case BinaryOp::Add: v = a[oa] + b[ob]; break;
      case BinaryOp::Sub: v = a[oa] - b[ob]; break;
      case BinaryOp::Mul: v = a[oa] * b[ob]; break;
      default: v = a[oa] / b[ob]; break;
    }
    y[i] = p.accumulate ? static_cast<T>(y[i] + static_cast<T>(p.alpha) * v) : v;
  }
}

}  // namespace attend::kernels::ref
