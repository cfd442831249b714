// linear forward/backward: y = x W^T + b as one GEMM over all leading rows (bias pre-filled, beta = 1).
#include "autograd/ops/linear.h"

#include "autograd/ops/copy.h"
#include "autograd/registry.h"
#include "autograd/tape.h"
#include "kernels/gemm.h"

namespace attend {

ATTEND_REGISTER_OP("linear");

Tensor linear(const Tensor& x_in, const Tensor& weight, const Tensor& bias) {
  ATTEND_CHECK(x_in.defined() && weight.defined(), "linear: undefined input or weight");
  ATTEND_CHECK(weight.ndim() == 2, "linear: weight must be [out, in], got {}", weight.shape());
  ATTEND_CHECK(x_in.ndim() >= 1 && x_in.size(-1) == weight.size(1),
               "linear: input features differ from weight: {} x {}^T", x_in.shape(), weight.shape());
  ATTEND_CHECK(x_in.dtype() == weight.dtype(), "linear: dtypes differ: {} and {}", dtype_name(x_in.dtype()),
               dtype_name(weight.dtype()));
  ATTEND_CHECK(weight.is_contiguous(), "linear: weight must be contiguous, got strides {}", weight.strides());
  const int64_t out_f = weight.size(0), in_f = weight.size(1);
  if (bias.defined()) {
    ATTEND_CHECK(bias.ndim() == 1 && bias.size(0) == out_f && bias.dtype() == weight.dtype(),
                 "linear: bias must be [{}] {}, got {} {}", out_f, dtype_name(weight.dtype()), bias.shape(),
                 dtype_name(bias.dtype()));
  }
  Tensor x = contiguous(x_in);
  const int64_t rows = x.numel() / std::max<int64_t>(in_f, 1);
  Shape out_shape = x.shape();
  out_shape[out_shape.ndim() - 1] = out_f;
  Tensor y = Tensor::empty(out_shape, x.dtype());
  dispatch_float(x.dtype(), "linear", [&]<class T>() {
    T* yp = y.data<T>();
    T beta = T(0);
    if (bias.defined()) {
      Tensor bc = contiguous(bias);
      const T* bp = bc.data<T>();
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t j = 0; j < out_f; ++j) yp[r * out_f + j] = bp[j];
      beta = T(1);
    }
    kernels::GemmShape s{false, true, rows, out_f, in_f, in_f, in_f, out_f};
    kernels::gemm(s, T(1), x.data<T>(), weight.data<T>(), beta, yp);
  });
  if (any_requires_grad({&x, &weight, &bias})) {
    y.set_requires_grad();
    // forward was y = x W^T + b over R rows, so with G = dy [R,O]:
    //   dx += G W  [R,I],   dW += G^T x  [O,I],   db += sum_r G[r,:].
    tape().record([x, weight, bias, y, rows, in_f, out_f] {
      Tensor g = y.grad();
      if (!g.defined()) return;
      dispatch_float(x.dtype(), "linear_backward", [&]<class T>() {
        const T* gp = g.data<T>();
        if (x.requires_grad()) {
          kernels::GemmShape s{false, false, rows, in_f, out_f, out_f, in_f, in_f};
          kernels::gemm(s, T(1), gp, weight.data<T>(), T(1), grad_buffer(x).template data<T>());
        }
        if (weight.requires_grad()) {
          kernels::GemmShape s{true, false, out_f, in_f, rows, out_f, in_f, in_f};
          kernels::gemm(s, T(1), gp, x.data<T>(), T(1), grad_buffer(weight).template data<T>());
        }
        if (bias.defined() && bias.requires_grad()) {
          T* db = grad_buffer(bias).template data<T>();
          for (int64_t r = 0; r < rows; ++r)
            for (int64_t j = 0; j < out_f; ++j) db[j] += gp[r * out_f + j];
        }
      });
    });
  }
  return y;
}

}  // namespace attend
