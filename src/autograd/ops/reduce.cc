// sum, mean, max, argmax and sum_to_shape on kernels/reduce.h. Backward of a sum broadcasts the
// gradient back over the reduced axes; backward of max scatters it to the saved argmax.
#include "autograd/ops/reduce.h"

#include "autograd/ops/binary.h"
#include "autograd/registry.h"
#include "autograd/tape.h"
#include "kernels/reduce.h"

namespace attend {

ATTEND_REGISTER_OP("sum");
ATTEND_REGISTER_OP("mean");
ATTEND_REGISTER_OP("max");
ATTEND_REGISTER_OP("sum_to_shape");

namespace {

// Which axes of x a reduction removes. Built from user axes with the errors naming x's shape.
struct AxisMask {
  bool reduced[Shape::kMaxDims] = {};
  int64_t count = 1;  // elements per output (the product of the reduced sizes)
};

AxisMask make_mask(const Shape& s, std::span<const int> axes, const char* op) {
  AxisMask m;
  for (int a : axes) {
    const int r = a < 0 ? a + s.ndim() : a;
    ATTEND_CHECK(r >= 0 && r < s.ndim(), "{}: axis {} out of range for shape {}", op, a, s);
    ATTEND_CHECK(!m.reduced[r], "{}: axis {} given twice for shape {}", op, a, s);
    m.reduced[r] = true;
    m.count *= s[r];
  }
  return m;
}

AxisMask all_axes(const Shape& s) {
  AxisMask m;
  for (int i = 0; i < s.ndim(); ++i) m.reduced[i] = true;
  m.count = s.numel();
  return m;
}

Shape reduced_shape(const Shape& s, const AxisMask& m, bool keepdim) {
  Shape out;
  for (int i = 0; i < s.ndim(); ++i) {
    if (!m.reduced[i]) out.push_back(s[i]);
    else if (keepdim) out.push_back(1);
  }
  return out;
}

void check_float(const Tensor& x, const char* op) {
  ATTEND_CHECK(x.defined(), "{}: undefined input", op);
  ATTEND_CHECK(is_floating(x.dtype()), "{}: expected a floating-point tensor, got {} of shape {}", op,
               dtype_name(x.dtype()), x.shape());
}

// y = scale * sum of x over the masked axes (scale = 1 for sum, 1/count for mean).
Tensor reduce_op(const Tensor& x, const AxisMask& mask, bool keepdim, double scale, const char* op) {
  check_float(x, op);
  const Tensor xc = x.is_contiguous() ? x : x.copy();
  kernels::ReduceGeometry g;
  g.ndim = x.ndim();
  for (int i = 0; i < g.ndim; ++i) {
    g.shape[i] = x.shape()[i];
    g.reduced[i] = mask.reduced[i];
  }
  Tensor y = Tensor::empty(reduced_shape(x.shape(), mask, keepdim), x.dtype());
  dispatch_float(x.dtype(), op, [&]<class T>() { kernels::reduce_sum<T>(g, xc.data<T>(), y.data<T>(), scale, false); });
  if (any_requires_grad({&x})) {
    y.set_requires_grad();
    const Shape kept = reduced_shape(x.shape(), mask, true);
    // forward was y = scale * sum_{reduced axes} x, so dx = scale * dy copied along the reduced axes.
    tape().record([x, y, kept, scale] {
      if (Tensor dy = y.grad(); dy.defined()) accumulate_broadcast(dy.view_as_shape(kept), grad_buffer(x), scale);
    });
  }
  return y;
}

Tensor mean_op(const Tensor& x, const AxisMask& mask, bool keepdim) {
  return reduce_op(x, mask, keepdim, 1.0 / static_cast<double>(mask.count), "mean");
}

// Splits x around `axis` as [outer, n, inner] for the max kernels.
struct AxisSplit {
  int axis;
  int64_t outer = 1, n = 1, inner = 1;
};

AxisSplit split_at(const Tensor& x, int axis, const char* op) {
  check_float(x, op);
  const Shape& s = x.shape();
  AxisSplit sp{axis < 0 ? axis + s.ndim() : axis};
  ATTEND_CHECK(sp.axis >= 0 && sp.axis < s.ndim(), "{}: axis {} out of range for shape {}", op, axis, s);
  ATTEND_CHECK(s[sp.axis] > 0, "{}: axis {} of shape {} is empty; there is no maximum", op, axis, s);
  for (int i = 0; i < sp.axis; ++i) sp.outer *= s[i];
  sp.n = s[sp.axis];
  for (int i = sp.axis + 1; i < s.ndim(); ++i) sp.inner *= s[i];
  return sp;
}

// True when `from` broadcasts to exactly `to` (right-aligned, each axis equal or 1).
bool broadcasts_to(const Shape& from, const Shape& to) {
  if (from.ndim() > to.ndim()) return false;
  const int lead = to.ndim() - from.ndim();
  for (int i = 0; i < from.ndim(); ++i)
    if (from[i] != 1 && from[i] != to[i + lead]) return false;
  return true;
}

Shape without_axis(const Shape& s, int axis, bool keepdim) {
  AxisMask m;
  m.reduced[axis] = true;
  return reduced_shape(s, m, keepdim);
}

}  // namespace

Tensor sum(const Tensor& x) { return reduce_op(x, all_axes(x.shape()), false, 1.0, "sum"); }
Tensor sum(const Tensor& x, int axis, bool keepdim) { return sum(x, std::span<const int>(&axis, 1), keepdim); }
Tensor sum(const Tensor& x, std::initializer_list<int> axes, bool keepdim) {
  return sum(x, std::span<const int>(axes.begin(), axes.size()), keepdim);
}
Tensor sum(const Tensor& x, std::span<const int> axes, bool keepdim) {
  check_float(x, "sum");
  return reduce_op(x, make_mask(x.shape(), axes, "sum"), keepdim, 1.0, "sum");
}

Tensor mean(const Tensor& x) {
  check_float(x, "mean");
  return mean_op(x, all_axes(x.shape()), false);
}
Tensor mean(const Tensor& x, int axis, bool keepdim) { return mean(x, std::span<const int>(&axis, 1), keepdim); }
Tensor mean(const Tensor& x, std::initializer_list<int> axes, bool keepdim) {
  return mean(x, std::span<const int>(axes.begin(), axes.size()), keepdim);
}
Tensor mean(const Tensor& x, std::span<const int> axes, bool keepdim) {
  check_float(x, "mean");
  return mean_op(x, make_mask(x.shape(), axes, "mean"), keepdim);
}

Tensor max(const Tensor& x, int axis, bool keepdim) {
  const AxisSplit sp = split_at(x, axis, "max");
  const Tensor xc = x.is_contiguous() ? x : x.copy();
  const Shape out = without_axis(x.shape(), sp.axis, keepdim);
  Tensor y = Tensor::empty(out, x.dtype());
  Tensor at = Tensor::empty(out, DType::I64);
  dispatch_float(x.dtype(), "max", [&]<class T>() {
    kernels::max_forward<T>(sp.outer, sp.n, sp.inner, xc.data<T>(), y.data<T>(), at.data<int64_t>());
  });
  if (any_requires_grad({&x})) {
    y.set_requires_grad();
    // forward was y = x[argmax], so dx = dy at the first argmax and 0 elsewhere.
    tape().record([x, y, at, sp] {
      Tensor dy = y.grad();
      if (!dy.defined()) return;
      Tensor& dx = grad_buffer(x);
      dispatch_float(x.dtype(), "max_backward", [&]<class T>() {
        kernels::max_backward<T>(sp.outer, sp.n, sp.inner, at.data<int64_t>(), dy.data<T>(), dx.data<T>());
      });
    });
  }
  return y;
}

Tensor argmax(const Tensor& x, int axis, bool keepdim) {
  const AxisSplit sp = split_at(x, axis, "argmax");
  const Tensor xc = x.is_contiguous() ? x : x.copy();
  const Shape out = without_axis(x.shape(), sp.axis, keepdim);
  Tensor values = Tensor::empty(out, x.dtype());
  Tensor at = Tensor::empty(out, DType::I64);
  dispatch_float(x.dtype(), "argmax", [&]<class T>() {
    kernels::max_forward<T>(sp.outer, sp.n, sp.inner, xc.data<T>(), values.data<T>(), at.data<int64_t>());
  });
  return at;
}

void accumulate_sum_to_shape(const Tensor& g, const Tensor& dst, double alpha) {
  ATTEND_CHECK(g.dtype() == dst.dtype(), "sum_to_shape: dtypes differ: {} vs {}", dtype_name(g.dtype()),
               dtype_name(dst.dtype()));
  ATTEND_CHECK(dst.is_contiguous(), "sum_to_shape: destination {} is not contiguous", dst.shape());
  const Shape& gs = g.shape();
  const Shape& ds = dst.shape();
  ATTEND_CHECK(broadcasts_to(ds, gs), "sum_to_shape: {} does not broadcast to {}", ds, gs);
  kernels::ReduceGeometry geo;
  geo.ndim = gs.ndim();
  bool any_reduced = false;
  const int lead = gs.ndim() - ds.ndim();
  for (int i = 0; i < gs.ndim(); ++i) {
    geo.shape[i] = gs[i];
    geo.reduced[i] = gs[i] != 1 && (i < lead || ds[i - lead] == 1);
    any_reduced |= geo.reduced[i];
  }
  if (!any_reduced) {  // same elements, at most some leading 1s more: a plain scaled add
    accumulate_broadcast(g.is_contiguous() ? g.view_as_shape(ds) : g.copy().view_as_shape(ds), dst, alpha);
    return;
  }
  const Tensor gc = g.is_contiguous() ? g : g.copy();
  dispatch_float(g.dtype(), "sum_to_shape",
                 [&]<class T>() { kernels::reduce_sum<T>(geo, gc.data<T>(), dst.data<T>(), alpha, true); });
}

Tensor sum_to_shape(const Tensor& x, const Shape& shape) {
  check_float(x, "sum_to_shape");
  ATTEND_CHECK(broadcasts_to(shape, x.shape()), "sum_to_shape: {} does not broadcast to {}", shape, x.shape());
  Tensor y = Tensor::zeros(shape, x.dtype());
  accumulate_sum_to_shape(x, y, 1.0);
  if (any_requires_grad({&x})) {
    y.set_requires_grad();
    // forward was y = x summed over its broadcast axes, so dx = dy broadcast back to x's shape.
    tape().record([x, y] {
      if (Tensor dy = y.grad(); dy.defined()) accumulate_broadcast(dy, grad_buffer(x), 1.0);
    });
  }
  return y;
}

}  // namespace attend
