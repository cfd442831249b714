// Unary ops on kernels/unary.h. Each backward keeps only what its derivative reads: the output for
// exp, sqrt, tanh, sigmoid and relu (tanh: dx = dy * (1 - y^2)), the input for abs, log, gelu and pow.
#include "autograd/ops/unary.h"

#include "autograd/registry.h"
#include "autograd/tape.h"
#include "kernels/unary.h"

namespace attend {

ATTEND_REGISTER_OP("neg");
ATTEND_REGISTER_OP("abs");
ATTEND_REGISTER_OP("exp");
ATTEND_REGISTER_OP("log");
ATTEND_REGISTER_OP("sqrt");
ATTEND_REGISTER_OP("tanh");
ATTEND_REGISTER_OP("sigmoid");
ATTEND_REGISTER_OP("relu");
ATTEND_REGISTER_OP("gelu");
ATTEND_REGISTER_OP("pow");

namespace {

using kernels::UnaryOp;

// forward was y = f(x), so dx = f'(x) * dy, with f' written in x or in y (see kernels/unary.h).
Tensor unary_op(UnaryOp op, const char* name, const Tensor& x, double power = 0) {
  ATTEND_CHECK(x.defined(), "{}: undefined input", name);
  const Tensor xc = x.is_contiguous() ? x : x.copy();
  Tensor y = Tensor::empty(x.shape(), x.dtype());
  dispatch_float(x.dtype(), name, [&]<class T>() {
    kernels::unary_forward<T>(op, x.numel(), xc.data<T>(), y.data<T>(), power);
  });
  if (any_requires_grad({&x})) {
    y.set_requires_grad();
    // Keep the dense input only when the derivative reads it; y is kept anyway for its gradient.
    Tensor saved_x = kernels::unary_backward_reads_input(op) ? xc : Tensor();
    tape().record([op, x, y, saved_x, power] {
      Tensor dy = y.grad();
      if (!dy.defined()) return;
      Tensor& dx = grad_buffer(x);
      dispatch_float(y.dtype(), "unary_backward", [&]<class T>() {
        const T* xp = saved_x.defined() ? saved_x.data<T>() : nullptr;
        const T* yp = kernels::unary_backward_reads_output(op) ? y.data<T>() : nullptr;
        kernels::unary_backward<T>(op, y.numel(), xp, yp, dy.data<T>(), dx.data<T>(), power);
      });
    });
  }
  return y;
}

}  // namespace

Tensor neg(const Tensor& x) { return unary_op(UnaryOp::Neg, "neg", x); }
Tensor abs(const Tensor& x) { return unary_op(UnaryOp::Abs, "abs", x); }
Tensor exp(const Tensor& x) { return unary_op(UnaryOp::Exp, "exp", x); }
Tensor log(const Tensor& x) { return unary_op(UnaryOp::Log, "log", x); }
Tensor sqrt(const Tensor& x) { return unary_op(UnaryOp::Sqrt, "sqrt", x); }
Tensor tanh(const Tensor& x) { return unary_op(UnaryOp::Tanh, "tanh", x); }
Tensor sigmoid(const Tensor& x) { return unary_op(UnaryOp::Sigmoid, "sigmoid", x); }
Tensor relu(const Tensor& x) { return unary_op(UnaryOp::Relu, "relu", x); }
Tensor gelu(const Tensor& x) { return unary_op(UnaryOp::Gelu, "gelu", x); }
Tensor pow(const Tensor& x, double p) { return unary_op(UnaryOp::Pow, "pow", x, p); }

}  // namespace attend
