// add, sub, mul, div with broadcasting and their scalar forms, on kernels::binary. Backward passes
// reduce each gradient over the axes its input was broadcast along (accumulate_sum_to_shape); when an
// input already has the output's shape, the product goes straight into its gradient buffer.
#include "autograd/ops/binary.h"

#include <algorithm>

#include "autograd/ops/reduce.h"
#include "autograd/ops/unary.h"
#include "autograd/registry.h"
#include "autograd/tape.h"
#include "kernels/elementwise.h"

namespace attend {

ATTEND_REGISTER_OP("add");
ATTEND_REGISTER_OP("sub");
ATTEND_REGISTER_OP("mul");
ATTEND_REGISTER_OP("div");
ATTEND_REGISTER_OP("add_scalar");   // x + s (and x - s)
ATTEND_REGISTER_OP("rsub_scalar");  // s - x
ATTEND_REGISTER_OP("mul_scalar");   // x * s
ATTEND_REGISTER_OP("div_scalar");   // x / s
ATTEND_REGISTER_OP("rdiv_scalar");  // s / x

namespace {

using kernels::BinaryOp;

// Element strides of a tensor (shape, strides) along each axis of `out`: 0 where it is broadcast.
void fill_strides(const Shape& shape, const Shape& strides, const Shape& out, int64_t* dst) {
  const int lead = out.ndim() - shape.ndim();
  for (int i = 0; i < out.ndim(); ++i) {
    const int j = i - lead;
    dst[i] = (j < 0 || shape[j] == 1) ? 0 : strides[j];
  }
}

// dst (dense, shape out) = p op q, or += alpha * (p op q); a null operand stands for `scalar`.
template <class T>
void run(const kernels::BinaryParams& params, const Shape& out, const Tensor* p, const Tensor* q, T scalar, T* dst) {
  kernels::BroadcastGeometry g;
  g.ndim = out.ndim();
  for (int i = 0; i < g.ndim; ++i) g.shape[i] = out[i];
  if (p) fill_strides(p->shape(), p->strides(), out, g.a_strides);
  if (q) fill_strides(q->shape(), q->strides(), out, g.b_strides);
  kernels::binary<T>(params, g, p ? p->data<T>() : &scalar, q ? q->data<T>() : &scalar, dst);
}

// grad(t) += alpha * sum_to_shape(p op q), with p and q broadcast over `out` (a null q is `scalar`).
template <class T>
void accumulate_product_grad(const Tensor& t, BinaryOp op, const Tensor& p, const Tensor* q, T scalar,
                             const Shape& out, double alpha) {
  Tensor& gt = grad_buffer(t);
  if (t.shape() == out) {
    run<T>({op, true, alpha}, out, &p, q, scalar, gt.data<T>());
    return;
  }
  Tensor tmp = Tensor::empty(out, t.dtype());
  run<T>({op}, out, &p, q, scalar, tmp.data<T>());
  accumulate_sum_to_shape(tmp, gt, alpha);
}

Tensor binary_op(BinaryOp op, const char* name, const Tensor& a, const Tensor& b) {
  ATTEND_CHECK(a.defined() && b.defined(), "{}: undefined input", name);
  ATTEND_CHECK(a.dtype() == b.dtype(), "{}: dtypes differ: {} {} vs {} {}", name, dtype_name(a.dtype()), a.shape(),
               dtype_name(b.dtype()), b.shape());
  const Shape out = broadcast_shapes(a.shape(), b.shape(), name);
  Tensor y = Tensor::empty(out, a.dtype());
  dispatch_float(a.dtype(), name, [&]<class T>() { run<T>({op}, out, &a, &b, T(0), y.data<T>()); });
  if (!any_requires_grad({&a, &b})) return y;
  y.set_requires_grad();
  switch (op) {
    case BinaryOp::Add:
    case BinaryOp::Sub:
      // forward was y = a + b (or a - b), so da = sum_to_shape(dy) and db = +-sum_to_shape(dy).
      tape().record([a, b, y, sign = op == BinaryOp::Sub ? -1.0 : 1.0] {
        Tensor dy = y.grad();
        if (!dy.defined()) return;
        if (a.requires_grad()) accumulate_sum_to_shape(dy, grad_buffer(a), 1.0);
        if (b.requires_grad()) accumulate_sum_to_shape(dy, grad_buffer(b), sign);
      });
      break;
    case BinaryOp::Mul:
      // forward was y = a * b, so da = sum_to_shape(dy * b) and db = sum_to_shape(dy * a).
      tape().record([a, b, y] {
        Tensor dy = y.grad();
        if (!dy.defined()) return;
        dispatch_float(y.dtype(), "mul_backward", [&]<class T>() {
          if (a.requires_grad()) accumulate_product_grad<T>(a, BinaryOp::Mul, dy, &b, T(0), y.shape(), 1.0);
          if (b.requires_grad()) accumulate_product_grad<T>(b, BinaryOp::Mul, dy, &a, T(0), y.shape(), 1.0);
        });
      });
      break;
    case BinaryOp::Div:
      // forward was y = a / b, so da = sum_to_shape(dy / b) and
      // db = sum_to_shape(-dy * a / b^2) = -sum_to_shape((dy * y) / b).
      tape().record([a, b, y] {
        Tensor dy = y.grad();
        if (!dy.defined()) return;
        dispatch_float(y.dtype(), "div_backward", [&]<class T>() {
          if (a.requires_grad()) accumulate_product_grad<T>(a, BinaryOp::Div, dy, &b, T(0), y.shape(), 1.0);
          if (b.requires_grad()) {
            Tensor dy_y = Tensor::empty(y.shape(), y.dtype());
            run<T>({BinaryOp::Mul}, y.shape(), &dy, &y, T(0), dy_y.data<T>());
            accumulate_product_grad<T>(b, BinaryOp::Div, dy_y, &b, T(0), y.shape(), -1.0);
          }
        });
      });
      break;
  }
  return y;
}

// y = x op s (or s op x when scalar_first), no recording.
Tensor scalar_forward(BinaryOp op, bool scalar_first, const char* name, const Tensor& x, double s) {
  ATTEND_CHECK(x.defined(), "{}: undefined input", name);
  Tensor y = Tensor::empty(x.shape(), x.dtype());
  dispatch_float(x.dtype(), name, [&]<class T>() {
    if (scalar_first) run<T>({op}, x.shape(), nullptr, &x, static_cast<T>(s), y.data<T>());
    else run<T>({op}, x.shape(), &x, nullptr, static_cast<T>(s), y.data<T>());
  });
  return y;
}

}  // namespace

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const int nd = std::max(a.ndim(), b.ndim());
  Shape out;
  out.resize(nd);
  for (int i = 0; i < nd; ++i) {
    const int ia = i - (nd - a.ndim()), ib = i - (nd - b.ndim());
    const int64_t da = ia < 0 ? 1 : a[ia];
    const int64_t db = ib < 0 ? 1 : b[ib];
    ATTEND_CHECK(da == db || da == 1 || db == 1, "{}: shapes do not broadcast: {} vs {}", op, a, b);
    out[i] = da == 1 ? db : da;
  }
  return out;
}

void accumulate_broadcast(const Tensor& g, const Tensor& dst, double alpha) {
  ATTEND_CHECK(g.dtype() == dst.dtype(), "broadcast: dtypes differ: {} vs {}", dtype_name(g.dtype()),
               dtype_name(dst.dtype()));
  ATTEND_CHECK(dst.is_contiguous(), "broadcast: destination {} is not contiguous", dst.shape());
  ATTEND_CHECK(broadcast_shapes(g.shape(), dst.shape(), "broadcast") == dst.shape(),
               "broadcast: {} does not broadcast to {}", g.shape(), dst.shape());
  dispatch_float(dst.dtype(), "broadcast", [&]<class T>() {
    run<T>({BinaryOp::Mul, true, alpha}, dst.shape(), &g, nullptr, T(1), dst.data<T>());
  });
}

Tensor add(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Add, "add", a, b); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Sub, "sub", a, b); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Mul, "mul", a, b); }
Tensor div(const Tensor& a, const Tensor& b) { return binary_op(BinaryOp::Div, "div", a, b); }

Tensor add(const Tensor& x, double s) {
  Tensor y = scalar_forward(BinaryOp::Add, false, "add", x, s);
  if (any_requires_grad({&x})) {
    y.set_requires_grad();
    // forward was y = x + s, so dx = dy.
    tape().record([x, y] {
      if (Tensor dy = y.grad(); dy.defined()) accumulate_broadcast(dy, grad_buffer(x), 1.0);
    });
  }
  return y;
}

Tensor sub(const Tensor& x, double s) { return add(x, -s); }

Tensor sub(double s, const Tensor& x) {
  Tensor y = scalar_forward(BinaryOp::Sub, true, "sub", x, s);
  if (any_requires_grad({&x})) {
    y.set_requires_grad();
    // forward was y = s - x, so dx = -dy.
    tape().record([x, y] {
      if (Tensor dy = y.grad(); dy.defined()) accumulate_broadcast(dy, grad_buffer(x), -1.0);
    });
  }
  return y;
}

Tensor mul(const Tensor& x, double s) {
  Tensor y = scalar_forward(BinaryOp::Mul, false, "mul", x, s);
  if (any_requires_grad({&x})) {
    y.set_requires_grad();
    // forward was y = x * s, so dx = s * dy.
    tape().record([x, y, s] {
      if (Tensor dy = y.grad(); dy.defined()) accumulate_broadcast(dy, grad_buffer(x), s);
    });
  }
  return y;
}

Tensor div(const Tensor& x, double s) {
  Tensor y = scalar_forward(BinaryOp::Div, false, "div", x, s);
  if (any_requires_grad({&x})) {
    y.set_requires_grad();
    // forward was y = x / s, so dx = dy / s.
    tape().record([x, y, s] {
      Tensor dy = y.grad();
      if (!dy.defined()) return;
      dispatch_float(y.dtype(), "div_backward", [&]<class T>() {
        accumulate_product_grad<T>(x, BinaryOp::Div, dy, nullptr, static_cast<T>(s), y.shape(), 1.0);
      });
    });
  }
  return y;
}

Tensor div(double s, const Tensor& x) {
  Tensor y = scalar_forward(BinaryOp::Div, true, "div", x, s);
  if (any_requires_grad({&x})) {
    y.set_requires_grad();
    // forward was y = s / x, so dx = -s / x^2 * dy = -(dy * y) / x.
    tape().record([x, y] {
      Tensor dy = y.grad();
      if (!dy.defined()) return;
      dispatch_float(y.dtype(), "div_backward", [&]<class T>() {
        Tensor dy_y = Tensor::empty(y.shape(), y.dtype());
        run<T>({BinaryOp::Mul}, y.shape(), &dy, &y, T(0), dy_y.data<T>());
        accumulate_product_grad<T>(x, BinaryOp::Div, dy_y, &x, T(0), y.shape(), -1.0);
      });
    });
  }
  return y;
}

Tensor operator-(const Tensor& x) { return neg(x); }

}  // namespace attend
