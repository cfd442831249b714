// sparsemax op on kernels/sparsemax: x viewed as [outer, N, inner] around the axis; a broadcast mask is
// materialised in x's shape and dtype first.
#include "autograd/ops/sparsemax.h"

#include "autograd/ops/binary.h"
#include "autograd/registry.h"
#include "autograd/tape.h"
#include "kernels/sparsemax.h"

namespace attend {

ATTEND_REGISTER_OP("sparsemax");

namespace {

// The mask as a dense tensor of x's shape and dtype (a no-copy pass-through when it already is one).
Tensor dense_mask(const Tensor& mask, const Tensor& x) {
  ATTEND_CHECK(broadcast_shapes(mask.shape(), x.shape(), "sparsemax") == x.shape(),
               "sparsemax: mask {} does not broadcast to the input {}", mask.shape(), x.shape());
  if (mask.shape() == x.shape() && mask.dtype() == x.dtype() && mask.is_contiguous()) return mask.detach();
  Tensor m = Tensor::zeros(x.shape(), x.dtype());
  accumulate_broadcast(mask.dtype() == x.dtype() ? mask.detach() : mask.copy(x.dtype()), m);
  return m;
}

}  // namespace

Tensor sparsemax(const Tensor& x, int axis, const Tensor& mask) {
  ATTEND_CHECK(x.defined(), "sparsemax: undefined input");
  ATTEND_CHECK(is_floating(x.dtype()), "sparsemax: expected a floating-point tensor, got {}", dtype_name(x.dtype()));
  const int ax = x.shape().axis(axis, "sparsemax");
  kernels::SparsemaxShape s;
  s.dim = x.shape()[ax];
  for (int d = 0; d < ax; ++d) s.outer *= x.shape()[d];
  for (int d = ax + 1; d < x.ndim(); ++d) s.inner *= x.shape()[d];
  const Tensor xd = x.is_contiguous() ? x : x.copy();
  const Tensor md = mask.defined() ? dense_mask(mask, x) : Tensor();
  Tensor y = Tensor::empty(x.shape(), x.dtype());
  dispatch_float(x.dtype(), "sparsemax", [&]<class T>() {
    kernels::sparsemax_forward(s, xd.data<T>(), md.defined() ? md.data<T>() : nullptr, y.data<T>());
  });
  if (any_requires_grad({&x})) {
    y.set_requires_grad();
    // forward was y = max(x - tau(x), 0) with sum(y) = 1. On the support S, y_i = x_i - tau and
    // tau = (sum_S x - 1) / |S|, so dy_j/dx_i = [i, j in S] (delta_ij - 1/|S|) and
    // dx = [y > 0] * (dy - sum_S(dy) / |S|); entries off the support (and masked ones) get 0.
    tape().record([x, y, s] {
      Tensor g = y.grad();
      if (!g.defined()) return;
      const Tensor gd = g.is_contiguous() ? g : g.copy();
      dispatch_float(x.dtype(), "sparsemax_backward", [&]<class T>() {
        kernels::sparsemax_backward(s, y.data<T>(), gd.data<T>(), grad_buffer(x).template data<T>());
      });
    });
  }
  return y;
}

}  // namespace attend
