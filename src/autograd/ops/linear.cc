// linear forward/backward: y = x W^T + b as one GEMM over all leading rows (bias pre-filled, beta = 1).
#include "autograd/ops/linear.h"

#include <algorithm>

#include "autograd/ops/copy.h"
#include "autograd/registry.h"
#include "autograd/tape.h"
#include "kernels/gemm.h"
#include "kernels/parallel_rows.h"

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
      // Threaded: the output layer's fill is rows x vocabulary, a serial stretch otherwise.
      kernels::parallel_rows(rows, out_f, [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) std::copy(bp, bp + out_f, yp + r * out_f);
      });
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
          // db += column sums of G, threaded over blocks of columns; each column adds its rows in order.
          T* db = grad_buffer(bias).template data<T>();
          constexpr int64_t kColumns = 256;
          const int64_t blocks = (out_f + kColumns - 1) / kColumns;
          kernels::parallel_chunks(blocks, rows * out_f, [&](int64_t b0, int64_t b1) {
            const int64_t j0 = b0 * kColumns, j1 = std::min(out_f, b1 * kColumns);
            for (int64_t r = 0; r < rows; ++r)
              for (int64_t j = j0; j < j1; ++j) db[j] += gp[r * out_f + j];
          });
        }
      });
    });
  }
  return y;
}

}  // namespace attend
