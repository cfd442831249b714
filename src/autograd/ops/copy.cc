// contiguous and cast: forward is a strided copy; backward copies the gradient back into x's layout.
#include "autograd/ops/copy.h"

#include "autograd/registry.h"
#include "autograd/tape.h"

namespace attend {

ATTEND_REGISTER_OP("contiguous");
ATTEND_REGISTER_OP("cast");

namespace {
// Adds g (contiguous, x's logical shape) into x's gradient buffer, which is always contiguous.
void add_into_grad(const Tensor& x, const Tensor& g) {
  Tensor& gx = grad_buffer(x);
  dispatch_float(gx.dtype(), "contiguous_backward", [&]<class T>() {
    Tensor gc = g.dtype() == gx.dtype() ? g : g.copy(gx.dtype());
    const T* s = gc.data<T>();
    T* d = gx.data<T>();
    for (int64_t i = 0, n = gx.numel(); i < n; ++i) d[i] += s[i];
  });
}
}  // namespace

Tensor contiguous(const Tensor& x) {
  if (x.is_contiguous()) return x;
  Tensor y = x.copy();
  if (any_requires_grad({&x})) {
    y.set_requires_grad();
    // forward was y = x laid out densely, so dx = dy element for element.
    tape().record([x, y] {
      if (Tensor g = y.grad(); g.defined()) add_into_grad(x, g);
    });
  }
  return y;
}

Tensor cast(const Tensor& x, DType dtype) {
  ATTEND_CHECK(is_floating(x.dtype()) && is_floating(dtype), "cast: only between float32 and float64, got {} -> {}",
               dtype_name(x.dtype()), dtype_name(dtype));
  Tensor y = x.copy(dtype);
  if (any_requires_grad({&x})) {
    y.set_requires_grad();
    // forward was y = (dtype) x, so dx = (x.dtype) dy.
    tape().record([x, y] {
      if (Tensor g = y.grad(); g.defined()) add_into_grad(x, g);
    });
  }
  return y;
}

}  // namespace attend
