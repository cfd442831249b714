// dropout: draws a keep mask (values 0 or 1/(1-p)) serially from the Rng, multiplies, and keeps the
// mask for the backward.
#include "autograd/ops/dropout.h"

#include <cmath>

#include "autograd/registry.h"
#include "autograd/tape.h"
#include "kernels/parallel_rows.h"

namespace attend {

ATTEND_REGISTER_OP("dropout");

namespace {

// out[i] = a[i] * b[i] (or out[i] += ... when accumulating), split over threads for large tensors.
template <class T, bool kAccumulate>
void multiply(const T* a, const T* b, T* out, int64_t n) {
  constexpr int64_t kChunk = 4096;
  kernels::parallel_rows((n + kChunk - 1) / kChunk, kChunk, [&](int64_t first, int64_t last) {
    const int64_t lo = first * kChunk, hi = last * kChunk < n ? last * kChunk : n;
    for (int64_t i = lo; i < hi; ++i) {
      if constexpr (kAccumulate) out[i] += a[i] * b[i];
      else out[i] = a[i] * b[i];
    }
  });
}

}  // namespace

Tensor dropout(const Tensor& x, double p, Rng& rng, bool training) {
  ATTEND_CHECK(x.defined(), "dropout: undefined input");
  ATTEND_CHECK(p >= 0.0 && p < 1.0, "dropout: p must be in [0, 1), got {}", p);
  if (!training || p == 0.0) return x;
  const Tensor xd = x.is_contiguous() ? x : x.copy();
  const int64_t n = x.numel();
  Tensor mask = Tensor::empty(x.shape(), x.dtype());
  Tensor y = Tensor::empty(x.shape(), x.dtype());
  // drop when a uniform 32-bit draw u < p * 2^32, i.e. with probability p (to within 2^-32)
  const uint64_t threshold = static_cast<uint64_t>(std::ldexp(p, 32));
  dispatch_float(x.dtype(), "dropout", [&]<class T>() {
    T* m = mask.data<T>();
    const T keep = static_cast<T>(1.0 / (1.0 - p));
    int64_t i = 0;
    for (; i + 1 < n; i += 2) {  // two draws per 64-bit word
      const uint64_t w = rng.next_u64();
      m[i] = (w >> 32) < threshold ? T(0) : keep;
      m[i + 1] = (w & 0xffffffffu) < threshold ? T(0) : keep;
    }
    if (i < n) m[i] = (rng.next_u64() >> 32) < threshold ? T(0) : keep;
    multiply<T, false>(xd.data<T>(), m, y.data<T>(), n);
  });
  if (any_requires_grad({&x})) {
    y.set_requires_grad();
    // forward was y = x * mask, so dx = dy * mask.
    tape().record([x, y, mask, n] {
      Tensor g = y.grad();
      if (!g.defined()) return;
      const Tensor gd = g.is_contiguous() ? g : g.copy();
      dispatch_float(x.dtype(), "dropout_backward", [&]<class T>() {
        multiply<T, true>(gd.data<T>(), mask.data<T>(), grad_buffer(x).template data<T>(), n);
      });
    });
  }
  return y;
}

}  // namespace attend
