// Element-wise binary arithmetic with NumPy broadcasting on raw buffers: y = a op b, or y += alpha*(a op b).
// Shapes: y: [d0, ..., dn-1] row-major contiguous; a and b are strided views described per output axis,
// with stride 0 on every axis where that input is broadcast (missing or of size 1). n <= 8.
// Scalar operands are a single element with every stride 0; reductions of a broadcast (the backward of
// these ops) are in kernels/reduce.h.
#pragma once
#include <cstdint>

namespace attend::kernels {

inline constexpr int kMaxBroadcastDims = 8;

enum class BinaryOp : uint8_t { Add, Sub, Mul, Div };

// Output shape and the element strides of both inputs along each output axis (0 = broadcast).
struct BroadcastGeometry {
  int ndim = 0;
  int64_t shape[kMaxBroadcastDims] = {};
  int64_t a_strides[kMaxBroadcastDims] = {};
  int64_t b_strides[kMaxBroadcastDims] = {};

  int64_t numel() const {
    int64_t n = 1;
    for (int i = 0; i < ndim; ++i) n *= shape[i];
    return n;
  }
};

struct BinaryParams {
  BinaryOp op = BinaryOp::Add;
  bool accumulate = false;  // false: y = a op b; true: y += alpha * (a op b)
  double alpha = 1.0;       // used only when accumulating
};

// Drops size-1 axes and merges neighbouring axes that both inputs walk as one, keeping element order.
// Same-shape dense inputs become 1-d, a bias row over [..., D] becomes [rows, D] with b strides {0, 1},
// a scalar becomes 1-d with stride 0. A 0-d geometry comes back as 1-d of size 1.
BroadcastGeometry coalesce(const BroadcastGeometry& g);

// y[i] = a[...] op b[...] over the geometry (or y[i] += alpha * (...)). y may alias a or b only when
// that input is dense in y's layout (element i reads position i). Threads over rows for large outputs.
template <class T>
void binary(const BinaryParams& p, const BroadcastGeometry& g, const T* a, const T* b, T* y);

}  // namespace attend::kernels
