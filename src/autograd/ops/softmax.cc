// softmax / log_softmax ops on kernels/softmax: x viewed as [outer, N, inner] around the axis.
#include "autograd/ops/softmax.h"

#include "autograd/registry.h"
#include "autograd/tape.h"
#include "kernels/softmax.h"

namespace attend {

ATTEND_REGISTER_OP("softmax");
ATTEND_REGISTER_OP("log_softmax");

namespace {

Tensor softmax_impl(const Tensor& x, int axis, bool log) {
  const char* op = log ? "log_softmax" : "softmax";
  ATTEND_CHECK(x.defined(), "{}: undefined input", op);
  const int ax = x.shape().axis(axis, op);
  kernels::SoftmaxShape s;
  s.log = log;
  s.dim = x.shape()[ax];
  for (int d = 0; d < ax; ++d) s.outer *= x.shape()[d];
  for (int d = ax + 1; d < x.ndim(); ++d) s.inner *= x.shape()[d];
  const Tensor xd = x.is_contiguous() ? x : x.copy();
  Tensor y = Tensor::empty(x.shape(), x.dtype());
  dispatch_float(x.dtype(), op, [&]<class T>() { kernels::softmax_forward(s, xd.data<T>(), y.data<T>()); });
  if (any_requires_grad({&x})) {
    y.set_requires_grad();
    // forward was y = softmax(x) along the axis, so dx = y * (dy - sum(dy * y));
    // for y = log_softmax(x) = x - logsumexp(x), dx = dy - softmax(x) * sum(dy) = dy - exp(y) * sum(dy).
    tape().record([x, y, s] {
      Tensor g = y.grad();
      if (!g.defined()) return;
      const Tensor gd = g.is_contiguous() ? g : g.copy();
      dispatch_float(x.dtype(), "softmax_backward", [&]<class T>() {
        kernels::softmax_backward(s, y.data<T>(), gd.data<T>(), grad_buffer(x).template data<T>());
      });
    });
  }
  return y;
}

}  // namespace

Tensor softmax(const Tensor& x, int axis) { return softmax_impl(x, axis, false); }
Tensor log_softmax(const Tensor& x, int axis) { return softmax_impl(x, axis, true); }

}  // namespace attend
