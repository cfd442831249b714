// layer_norm op on kernels/layer_norm; the forward saves per-row mean and rstd for the backward.
#include "autograd/ops/layer_norm.h"

#include "autograd/ops/dense_input.h"
#include "autograd/registry.h"
#include "autograd/tape.h"
#include "kernels/layer_norm.h"

namespace attend {

ATTEND_REGISTER_OP("layer_norm");

Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps) {
  ATTEND_CHECK(x.defined(), "layer_norm: undefined input");
  ATTEND_CHECK(x.ndim() >= 1, "layer_norm: input must have at least one axis, got {}", x.shape());
  const int64_t dim = x.shape()[x.ndim() - 1];
  for (const Tensor* p : {&gamma, &beta}) {
    if (!p->defined()) continue;
    const char* name = p == &gamma ? "gamma" : "beta";
    ATTEND_CHECK(p->ndim() == 1 && p->shape()[0] == dim, "layer_norm: {} must be [{}] for input {}, got {}", name,
                 dim, x.shape(), p->shape());
    ATTEND_CHECK(p->dtype() == x.dtype(), "layer_norm: {} is {} but the input is {}", name, dtype_name(p->dtype()),
                 dtype_name(x.dtype()));
  }
  ATTEND_CHECK(eps >= 0, "layer_norm: eps must be >= 0, got {}", eps);
  ATTEND_CHECK(dim > 0, "layer_norm: the last axis of {} is empty", x.shape());
  const kernels::LayerNormShape s{x.numel() / dim, dim, eps};
  const Tensor xd = dense(x), gd = dense(gamma), bd = dense(beta);
  Tensor y = Tensor::empty(x.shape(), x.dtype());
  Tensor mean = Tensor::empty({s.rows}, x.dtype());
  Tensor rstd = Tensor::empty({s.rows}, x.dtype());
  dispatch_float(x.dtype(), "layer_norm", [&]<class T>() {
    kernels::layer_norm_forward(s, xd.data<T>(), data_or_null<T>(gd), data_or_null<T>(bd), y.data<T>(),
                                mean.data<T>(), rstd.data<T>());
  });
  if (any_requires_grad({&x, &gamma, &beta})) {
    y.set_requires_grad();
    // forward was y = xhat * gamma + beta with xhat = (x - mean) * rstd, so with g = dy * gamma:
    //   dgamma = sum_rows dy * xhat, dbeta = sum_rows dy,
    //   dx = rstd * (g - mean(g) - xhat * mean(g * xhat))   (mean and rstd depend on x too).
    tape().record([x, gamma, beta, xd, gd, y, mean, rstd, s] {
      Tensor g = y.grad();
      if (!g.defined()) return;
      const Tensor dy = dense(g);
      dispatch_float(x.dtype(), "layer_norm_backward", [&]<class T>() {
        T* dx = x.requires_grad() ? grad_buffer(x).template data<T>() : nullptr;
        T* dgamma = gamma.requires_grad() ? grad_buffer(gamma).template data<T>() : nullptr;
        T* dbeta = beta.requires_grad() ? grad_buffer(beta).template data<T>() : nullptr;
        kernels::layer_norm_backward(s, xd.data<T>(), data_or_null<T>(gd), mean.data<T>(), rstd.data<T>(),
                                     dy.data<T>(), dx, dgamma, dbeta);
      });
    });
  }
  return y;
}

}  // namespace attend
