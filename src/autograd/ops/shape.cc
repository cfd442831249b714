// Shape ops: views are built from a geometry function (shape, strides, offset) -> (shape, strides,
// offset). Applied to x it gives the forward view; applied to a contiguous x at offset 0 it gives the
// window of x's (contiguous) gradient buffer that the view's gradient is added into.
#include "autograd/ops/shape.h"

#include <algorithm>

#include "autograd/registry.h"
#include "autograd/tape.h"
#include "kernels/strided.h"

namespace attend {

ATTEND_REGISTER_OP("reshape");
ATTEND_REGISTER_OP("transpose");
ATTEND_REGISTER_OP("permute");
ATTEND_REGISTER_OP("slice");
ATTEND_REGISTER_OP("select");
ATTEND_REGISTER_OP("split");
ATTEND_REGISTER_OP("concat");
ATTEND_REGISTER_OP("stack");
ATTEND_REGISTER_OP("unsqueeze");
ATTEND_REGISTER_OP("squeeze");

namespace {

struct ViewGeometry {
  Shape shape;
  Shape strides;
  int64_t offset = 0;
};

kernels::StridedLayout layout_of(const Tensor& dst, const Tensor& src) {
  kernels::StridedLayout l;
  l.ndim = dst.ndim();
  for (int d = 0; d < l.ndim; ++d) {
    l.shape[d] = dst.shape()[d];
    l.dst_strides[d] = dst.strides()[d];
    l.src_strides[d] = src.strides()[d];
  }
  return l;
}

// dst (a view, any layout) = src (same shape and dtype, any layout).
void copy_into(const Tensor& dst, const Tensor& src) {
  dispatch_any(dst.dtype(), "shape ops", [&]<class T>() {
    kernels::strided_copy(layout_of(dst, src), src.data<T>(), dst.data<T>());
  });
}

// dst (a view of a gradient buffer) += src (a gradient, same shape).
void add_into(const Tensor& dst, const Tensor& src) {
  dispatch_float(dst.dtype(), "shape_backward", [&]<class T>() {
    kernels::strided_add(layout_of(dst, src), src.data<T>(), dst.data<T>());
  });
}

bool any_input_requires_grad(const std::vector<Tensor>& xs) {
  if (!grad_enabled()) return false;
  return std::any_of(xs.begin(), xs.end(), [](const Tensor& t) { return t.requires_grad(); });
}

// y is a view (or a reshaped copy) of x; `grad_window` is y's geometry relative to x's gradient buffer.
// forward was y = a window of x, so dx[window] += dy.
void record_view_backward(const Tensor& x, Tensor& y, const ViewGeometry& grad_window) {
  y.set_requires_grad();
  tape().record([x, y, grad_window] {
    Tensor g = y.grad();
    if (!g.defined()) return;
    Tensor& gx = grad_buffer(x);
    add_into(gx.view_strided(grad_window.shape, grad_window.strides, gx.offset() + grad_window.offset), g);
  });
}

// Builds the view f(x) and, when needed, records its backward through the same geometry function.
template <class Fn>
Tensor make_view(const Tensor& x, const char* op, Fn&& f) {
  ATTEND_CHECK(x.defined(), "{}: undefined input", op);
  const ViewGeometry v = f(ViewGeometry{x.shape(), x.strides(), x.offset()});
  Tensor y = x.view_strided(v.shape, v.strides, v.offset);
  if (any_requires_grad({&x})) record_view_backward(x, y, f(ViewGeometry{x.shape(), contiguous_strides(x.shape()), 0}));
  return y;
}

// Geometry without axis `axis`, positioned at `index` along it.
ViewGeometry drop_axis(const ViewGeometry& g, int axis, int64_t index) {
  ViewGeometry out;
  out.offset = g.offset + index * g.strides[axis];
  for (int d = 0; d < g.shape.ndim(); ++d) {
    if (d == axis) continue;
    out.shape.push_back(g.shape[d]);
    out.strides.push_back(g.strides[d]);
  }
  return out;
}

ViewGeometry slice_geometry(const ViewGeometry& g, int axis, int64_t start, int64_t end) {
  ViewGeometry out = g;
  out.shape[axis] = end - start;
  out.offset = g.offset + start * g.strides[axis];
  return out;
}

Tensor slice_checked(const Tensor& x, int axis, int64_t start, int64_t end, const char* op) {
  return make_view(x, op, [&](const ViewGeometry& g) { return slice_geometry(g, axis, start, end); });
}

}  // namespace

Tensor reshape(const Tensor& x, const Shape& shape) {
  ATTEND_CHECK(x.defined(), "reshape: undefined input");
  ATTEND_CHECK(shape.numel() == x.numel(), "reshape: cannot reshape {} ({} elements) to {} ({} elements)", x.shape(),
               x.numel(), shape, shape.numel());
  const ViewGeometry window{shape, contiguous_strides(shape), 0};
  Tensor y;
  if (x.is_contiguous()) {
    y = x.view_strided(shape, window.strides, x.offset());
  } else {
    y = x.copy().view_as_shape(shape);
  }
  // forward was y = x in row-major order with another shape, so dx = dy in that order.
  if (any_requires_grad({&x})) record_view_backward(x, y, window);
  return y;
}

Tensor reshape(const Tensor& x, const std::vector<int64_t>& shape) {
  ATTEND_CHECK(x.defined(), "reshape: undefined input");
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      ATTEND_CHECK(infer < 0, "reshape: more than one -1 in {}", shape);
      infer = static_cast<int>(i);
    } else {
      ATTEND_CHECK(shape[i] >= 0, "reshape: negative size {} in {}", shape[i], shape);
      known *= shape[i];
    }
  }
  std::vector<int64_t> resolved = shape;
  if (infer >= 0) {
    ATTEND_CHECK(known != 0 && x.numel() % known == 0, "reshape: cannot infer the -1 in {} for {} ({} elements)",
                 shape, x.shape(), x.numel());
    resolved[static_cast<size_t>(infer)] = x.numel() / known;
  }
  return reshape(x, Shape(resolved));
}

Tensor reshape(const Tensor& x, std::initializer_list<int64_t> shape) {
  return reshape(x, std::vector<int64_t>(shape));
}

Tensor transpose(const Tensor& x, int a, int b) {
  ATTEND_CHECK(x.defined(), "transpose: undefined input");
  const int ra = x.shape().axis(a, "transpose"), rb = x.shape().axis(b, "transpose");
  return make_view(x, "transpose", [&](const ViewGeometry& g) {
    ViewGeometry out = g;
    std::swap(out.shape[ra], out.shape[rb]);
    std::swap(out.strides[ra], out.strides[rb]);
    return out;
  });
}

Tensor permute(const Tensor& x, const std::vector<int>& dims) {
  ATTEND_CHECK(x.defined(), "permute: undefined input");
  const int nd = x.ndim();
  bool ok = static_cast<int>(dims.size()) == nd;
  std::vector<int> axes;
  bool seen[Shape::kMaxDims] = {};
  for (size_t i = 0; ok && i < dims.size(); ++i) {
    const int a = dims[i] < 0 ? dims[i] + nd : dims[i];
    ok = a >= 0 && a < nd && !seen[a];
    if (ok) seen[a] = true;
    axes.push_back(a);
  }
  ATTEND_CHECK(ok, "permute: dims {} are not a permutation of the {} axes of {}", dims, nd, x.shape());
  return make_view(x, "permute", [&](const ViewGeometry& g) {
    ViewGeometry out = g;
    for (int d = 0; d < nd; ++d) {
      out.shape[d] = g.shape[axes[static_cast<size_t>(d)]];
      out.strides[d] = g.strides[axes[static_cast<size_t>(d)]];
    }
    return out;
  });
}

Tensor slice(const Tensor& x, int axis, int64_t start, int64_t end) {
  ATTEND_CHECK(x.defined(), "slice: undefined input");
  const int ax = x.shape().axis(axis, "slice");
  const int64_t n = x.shape()[ax];
  ATTEND_CHECK(start >= 0 && start <= end && end <= n,
               "slice: range [{}, {}) out of bounds for axis {} of size {} in {}", start, end, axis, n, x.shape());
  return slice_checked(x, ax, start, end, "slice");
}

Tensor select(const Tensor& x, int axis, int64_t index) {
  ATTEND_CHECK(x.defined(), "select: undefined input");
  const int ax = x.shape().axis(axis, "select");
  const int64_t n = x.shape()[ax];
  ATTEND_CHECK(index >= 0 && index < n, "select: index {} out of range for axis {} of size {} in {}", index, axis, n,
               x.shape());
  return make_view(x, "select", [&](const ViewGeometry& g) { return drop_axis(g, ax, index); });
}

std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int axis) {
  ATTEND_CHECK(x.defined(), "split: undefined input");
  const int ax = x.shape().axis(axis, "split");
  int64_t total = 0;
  for (int64_t s : sizes) {
    ATTEND_CHECK(s >= 0, "split: negative size {} in {}", s, sizes);
    total += s;
  }
  ATTEND_CHECK(total == x.shape()[ax], "split: sizes {} sum to {}, but axis {} of {} has size {}", sizes, total, axis,
               x.shape(), x.shape()[ax]);
  std::vector<Tensor> pieces;
  pieces.reserve(sizes.size());
  int64_t start = 0;
  for (int64_t s : sizes) {
    // each piece records its own backward, so unused pieces (no gradient) cost nothing
    pieces.push_back(slice_checked(x, ax, start, start + s, "split"));
    start += s;
  }
  return pieces;
}

Tensor concat(const std::vector<Tensor>& xs, int axis) {
  ATTEND_CHECK(!xs.empty(), "concat: no inputs");
  for (size_t i = 0; i < xs.size(); ++i) ATTEND_CHECK(xs[i].defined(), "concat: input {} is undefined", i);
  const Tensor& first = xs[0];
  const int ax = first.shape().axis(axis, "concat");
  Shape out_shape = first.shape();
  int64_t total = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const Tensor& t = xs[i];
    ATTEND_CHECK(t.dtype() == first.dtype(), "concat: dtypes differ: input 0 is {}, input {} is {}",
                 dtype_name(first.dtype()), i, dtype_name(t.dtype()));
    bool same = t.ndim() == first.ndim();
    for (int d = 0; same && d < t.ndim(); ++d) same = d == ax || t.shape()[d] == first.shape()[d];
    ATTEND_CHECK(same, "concat: shapes {} (input 0) and {} (input {}) differ outside axis {}", first.shape(),
                 t.shape(), i, axis);
    total += t.shape()[ax];
  }
  out_shape[ax] = total;
  Tensor y = Tensor::empty(out_shape, first.dtype());
  const int64_t step = y.strides()[ax];
  int64_t start = 0;
  for (const Tensor& t : xs) {
    copy_into(y.view_strided(t.shape(), y.strides(), y.offset() + start * step), t);
    start += t.shape()[ax];
  }
  if (any_input_requires_grad(xs)) {
    y.set_requires_grad();
    // forward was y = [x0; x1; ...] along axis, so dx_i = dy[window of x_i].
    tape().record([xs, y, ax] {
      Tensor g = y.grad();
      if (!g.defined()) return;
      int64_t begin = 0;
      for (const Tensor& t : xs) {
        if (t.requires_grad())
          add_into(grad_buffer(t), g.view_strided(t.shape(), g.strides(), g.offset() + begin * g.strides()[ax]));
        begin += t.shape()[ax];
      }
    });
  }
  return y;
}

Tensor stack(const std::vector<Tensor>& xs, int axis) {
  ATTEND_CHECK(!xs.empty(), "stack: no inputs");
  for (size_t i = 0; i < xs.size(); ++i) ATTEND_CHECK(xs[i].defined(), "stack: input {} is undefined", i);
  const Tensor& first = xs[0];
  const int nd = first.ndim();
  const int ax = axis < 0 ? axis + nd + 1 : axis;
  ATTEND_CHECK(ax >= 0 && ax <= nd, "stack: axis {} out of range for stacking {}-d tensors", axis, nd);
  for (size_t i = 0; i < xs.size(); ++i) {
    ATTEND_CHECK(xs[i].dtype() == first.dtype(), "stack: dtypes differ: input 0 is {}, input {} is {}",
                 dtype_name(first.dtype()), i, dtype_name(xs[i].dtype()));
    ATTEND_CHECK(xs[i].shape() == first.shape(), "stack: shapes {} (input 0) and {} (input {}) differ", first.shape(),
                 xs[i].shape(), i);
  }
  Shape out_shape;
  for (int d = 0; d <= nd; ++d) {
    if (d == ax) out_shape.push_back(static_cast<int64_t>(xs.size()));
    if (d < nd) out_shape.push_back(first.shape()[d]);
  }
  Tensor y = Tensor::empty(out_shape, first.dtype());
  // window i of y: y with `ax` fixed at i
  auto window = [ax](const Tensor& t, int64_t i) {
    const ViewGeometry g = drop_axis(ViewGeometry{t.shape(), t.strides(), t.offset()}, ax, i);
    return t.view_strided(g.shape, g.strides, g.offset);
  };
  for (size_t i = 0; i < xs.size(); ++i) copy_into(window(y, static_cast<int64_t>(i)), xs[i]);
  if (any_input_requires_grad(xs)) {
    y.set_requires_grad();
    // forward was y[.., i, ..] = x_i, so dx_i = dy[.., i, ..].
    tape().record([xs, y, window] {
      Tensor g = y.grad();
      if (!g.defined()) return;
      for (size_t i = 0; i < xs.size(); ++i)
        if (xs[i].requires_grad()) add_into(grad_buffer(xs[i]), window(g, static_cast<int64_t>(i)));
    });
  }
  return y;
}

Tensor unsqueeze(const Tensor& x, int axis) {
  ATTEND_CHECK(x.defined(), "unsqueeze: undefined input");
  const int nd = x.ndim();
  const int ax = axis < 0 ? axis + nd + 1 : axis;
  ATTEND_CHECK(ax >= 0 && ax <= nd, "unsqueeze: axis {} out of range for a {}-d tensor {}", axis, nd, x.shape());
  return make_view(x, "unsqueeze", [&](const ViewGeometry& g) {
    ViewGeometry out;
    out.offset = g.offset;
    for (int d = 0; d <= nd; ++d) {
      if (d == ax) {
        out.shape.push_back(1);
        out.strides.push_back(d < nd ? g.strides[d] * g.shape[d] : 1);
      }
      if (d < nd) {
        out.shape.push_back(g.shape[d]);
        out.strides.push_back(g.strides[d]);
      }
    }
    return out;
  });
}

Tensor squeeze(const Tensor& x, int axis) {
  ATTEND_CHECK(x.defined(), "squeeze: undefined input");
  const int ax = x.shape().axis(axis, "squeeze");
  ATTEND_CHECK(x.shape()[ax] == 1, "squeeze: axis {} of {} has size {}, not 1", axis, x.shape(), x.shape()[ax]);
  return make_view(x, "squeeze", [&](const ViewGeometry& g) { return drop_axis(g, ax, 0); });
}

}  // namespace attend
