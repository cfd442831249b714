// Broadcast binary kernels: geometry coalescing, row loops specialised for dense and broadcast-scalar
// operands (so the compiler vectorises them), and the run-time ISA choice around the row loops.
#include "kernels/elementwise.h"

#include "kernels/parallel_chunks.h"
#include "kernels/vecmath.h"

namespace attend::kernels {
namespace detail {

template <BinaryOp OP, class T>
[[gnu::always_inline]] inline T apply(T a, T b) {
  if constexpr (OP == BinaryOp::Add) return a + b;
  else if constexpr (OP == BinaryOp::Sub) return a - b;
  else if constexpr (OP == BinaryOp::Mul) return a * b;
  else return a / b;
}

template <bool ACC, class T>
[[gnu::always_inline]] inline void put(T& dst, T v, T alpha) {
  if constexpr (ACC) dst += alpha * v;
  else dst = v;
}

// One output row of n elements. Unit and zero inner strides get their own loops: those are the
// same-shape, bias-row and scalar cases, and each vectorises.
template <BinaryOp OP, bool ACC, class T>
[[gnu::always_inline]] inline void row(int64_t n, const T* a, int64_t sa, const T* b, int64_t sb, T* y, T alpha) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; ++i) put<ACC>(y[i], apply<OP>(a[i], b[i]), alpha);
  } else if (sa == 1 && sb == 0) {
    const T bv = *b;
    for (int64_t i = 0; i < n; ++i) put<ACC>(y[i], apply<OP>(a[i], bv), alpha);
  } else if (sa == 0 && sb == 1) {
    const T av = *a;
    for (int64_t i = 0; i < n; ++i) put<ACC>(y[i], apply<OP>(av, b[i]), alpha);
  } else {
    for (int64_t i = 0; i < n; ++i) put<ACC>(y[i], apply<OP>(a[i * sa], b[i * sb]), alpha);
  }
}

// Rows [r0, r1) of a coalesced geometry; a row is the last axis, the outer axes are walked by a
// multi-index kept in step with the input offsets.
template <BinaryOp OP, bool ACC, class T>
[[gnu::always_inline]] inline void rows(const BroadcastGeometry& g, int64_t r0, int64_t r1, const T* a, const T* b,
                                        T* y, T alpha) {
  const int nd = g.ndim;
  const int64_t n = g.shape[nd - 1];
  int64_t idx[kMaxBroadcastDims] = {};
  int64_t oa = 0, ob = 0;
  for (int64_t d = nd - 2, r = r0; d >= 0; --d) {
    idx[d] = r % g.shape[d];
    r /= g.shape[d];
    oa += idx[d] * g.a_strides[d];
    ob += idx[d] * g.b_strides[d];
  }
  for (int64_t r = r0; r < r1; ++r) {
    row<OP, ACC>(n, a + oa, g.a_strides[nd - 1], b + ob, g.b_strides[nd - 1], y + r * n, alpha);
    for (int d = nd - 2; d >= 0; --d) {
      ++idx[d];
      oa += g.a_strides[d];
      ob += g.b_strides[d];
      if (idx[d] < g.shape[d]) break;
      oa -= g.a_strides[d] * g.shape[d];
      ob -= g.b_strides[d] * g.shape[d];
      idx[d] = 0;
    }
  }
}

template <class T>
ATTEND_TARGET_CLONES void binary_rows(const BinaryParams& p, const BroadcastGeometry& g, int64_t r0, int64_t r1,
                                      const T* a, const T* b, T* y) {
  const T alpha = static_cast<T>(p.alpha);
  switch (p.op) {
    case BinaryOp::Add:
      p.accumulate ? rows<BinaryOp::Add, true>(g, r0, r1, a, b, y, alpha)
                   : rows<BinaryOp::Add, false>(g, r0, r1, a, b, y, alpha);
      break;
    case BinaryOp::Sub:
      p.accumulate ? rows<BinaryOp::Sub, true>(g, r0, r1, a, b, y, alpha)
                   : rows<BinaryOp::Sub, false>(g, r0, r1, a, b, y, alpha);
      break;
    case BinaryOp::Mul:
      p.accumulate ? rows<BinaryOp::Mul, true>(g, r0, r1, a, b, y, alpha)
                   : rows<BinaryOp::Mul, false>(g, r0, r1, a, b, y, alpha);
      break;
    case BinaryOp::Div:
      p.accumulate ? rows<BinaryOp::Div, true>(g, r0, r1, a, b, y, alpha)
                   : rows<BinaryOp::Div, false>(g, r0, r1, a, b, y, alpha);
      break;
  }
}

}  // namespace detail

BroadcastGeometry coalesce(const BroadcastGeometry& g) {
  BroadcastGeometry c;
  for (int i = 0; i < g.ndim; ++i) {
    if (g.shape[i] == 1) continue;  // a size-1 axis moves no pointer
    if (g.shape[i] == 0) {
      c = BroadcastGeometry{};
      c.ndim = 1;
      return c;  // empty output: one axis of size 0
    }
    if (c.ndim > 0) {
      // Axis i is inner to the last kept axis j: merge when stepping j equals stepping i shape[i] times.
      const int j = c.ndim - 1;
      if (c.a_strides[j] == g.a_strides[i] * g.shape[i] && c.b_strides[j] == g.b_strides[i] * g.shape[i]) {
        c.shape[j] *= g.shape[i];
        c.a_strides[j] = g.a_strides[i];
        c.b_strides[j] = g.b_strides[i];
        continue;
      }
    }
    c.shape[c.ndim] = g.shape[i];
    c.a_strides[c.ndim] = g.a_strides[i];
    c.b_strides[c.ndim] = g.b_strides[i];
    ++c.ndim;
  }
  if (c.ndim == 0) {
    c.ndim = 1;
    c.shape[0] = 1;
  }
  return c;
}

template <class T>
void binary(const BinaryParams& p, const BroadcastGeometry& geometry, const T* a, const T* b, T* y) {
  const BroadcastGeometry g = coalesce(geometry);
  const int64_t total = g.numel();
  if (total == 0) return;
  if (g.ndim == 1) {
    // One dense or scalar-broadcast run: split it across threads by element ranges.
    parallel_chunks(total, total, [&](int64_t lo, int64_t hi) {
      BroadcastGeometry piece = g;
      piece.shape[0] = hi - lo;
      detail::binary_rows(p, piece, 0, 1, a + lo * g.a_strides[0], b + lo * g.b_strides[0], y + lo);
    });
    return;
  }
  const int64_t n = g.shape[g.ndim - 1];
  parallel_chunks(total / n, total, [&](int64_t r0, int64_t r1) { detail::binary_rows(p, g, r0, r1, a, b, y); });
}

template void binary<float>(const BinaryParams&, const BroadcastGeometry&, const float*, const float*, float*);
template void binary<double>(const BinaryParams&, const BroadcastGeometry&, const double*, const double*, double*);

}  // namespace attend::kernels
