// conv1d_same op on kernels/conv1d: x flattened to [N, L] rows.
#include "autograd/ops/conv1d.h"

#include "autograd/registry.h"
#include "autograd/tape.h"
#include "kernels/conv1d.h"

namespace attend {

ATTEND_REGISTER_OP("conv1d_same");

Tensor conv1d_same(const Tensor& x, const Tensor& weight) {
  ATTEND_CHECK(x.defined() && weight.defined(), "conv1d_same: undefined input");
  ATTEND_CHECK(x.dtype() == weight.dtype(), "conv1d_same: dtypes differ: x {} {} vs weight {} {}",
               dtype_name(x.dtype()), x.shape(), dtype_name(weight.dtype()), weight.shape());
  ATTEND_CHECK(x.ndim() >= 1, "conv1d_same: x must have at least one axis, got {}", x.shape());
  ATTEND_CHECK(weight.ndim() == 2 && weight.size(1) % 2 == 1,
               "conv1d_same: weight must be [C, K] with an odd width K, got {}", weight.shape());
  kernels::Conv1dShape s;
  s.length = x.size(-1);
  s.rows = s.length == 0 ? 0 : x.numel() / s.length;
  s.channels = weight.size(0);
  s.width = weight.size(1);
  Shape out = x.shape();
  out.push_back(s.channels);
  const Tensor xd = x.is_contiguous() ? x : x.copy();
  const Tensor wd = weight.is_contiguous() ? weight : weight.copy();
  Tensor y = Tensor::empty(out, x.dtype());
  dispatch_float(x.dtype(), "conv1d_same", [&]<class T>() {
    kernels::conv1d_same_forward(s, xd.data<T>(), wd.data<T>(), y.data<T>());
  });
  if (!any_requires_grad({&x, &weight})) return y;
  y.set_requires_grad();
  // forward was y[n, l, c] = sum_k w[c, k] x[n, l + k - K/2], so
  // dx[n, m] = sum_{c, k} w[c, k] dy[n, m - k + K/2, c] and dw[c, k] = sum_{n, l} dy[n, l, c] x[n, l + k - K/2].
  tape().record([x, weight, xd, wd, y, s] {
    Tensor dy = y.grad();
    if (!dy.defined()) return;
    const Tensor g = dy.is_contiguous() ? dy : dy.copy();
    dispatch_float(x.dtype(), "conv1d_same_backward", [&]<class T>() {
      T* dx = x.requires_grad() ? grad_buffer(x).template data<T>() : nullptr;
      T* dw = weight.requires_grad() ? grad_buffer(weight).template data<T>() : nullptr;
      kernels::conv1d_same_backward(s, xd.data<T>(), wd.data<T>(), g.data<T>(), dx, dw);
    });
  });
  return y;
}

}  // namespace attend
