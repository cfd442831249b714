// index_select / embedding / gather: validate ids (naming the first bad one), call the row kernels,
// and record scatter-add backwards.
#include "autograd/ops/index.h"

#include "autograd/ops/dense_input.h"
#include "autograd/registry.h"
#include "autograd/tape.h"
#include "kernels/index.h"

namespace attend {

ATTEND_REGISTER_OP("index_select");
ATTEND_REGISTER_OP("gather");

namespace {

std::string position_string(int64_t flat, const Shape& shape) {
  std::vector<int64_t> pos(static_cast<size_t>(shape.ndim()));
  for (int d = shape.ndim() - 1; d >= 0; --d) {
    pos[static_cast<size_t>(d)] = flat % shape[d];
    flat /= shape[d];
  }
  return fmt::format("[{}]", fmt::join(pos, ","));
}

template <class WhatFn>
Tensor index_select_impl(const Tensor& x, int axis, const Tensor& idx, const char* op, WhatFn&& what) {
  ATTEND_CHECK(x.defined() && idx.defined(), "{}: undefined input", op);
  const int ax = x.shape().axis(axis, op);
  const int64_t n = x.shape()[ax];
  check_ids_in_range(idx, n, op, "id", what);
  Shape out_shape;
  kernels::IndexSelectShape s;
  s.rows = n;
  s.count = idx.numel();
  for (int d = 0; d < ax; ++d) {
    out_shape.push_back(x.shape()[d]);
    s.outer *= x.shape()[d];
  }
  ATTEND_CHECK(x.ndim() - 1 + idx.ndim() <= Shape::kMaxDims, "{}: result of {} indexed by {} has more than {} axes",
               op, x.shape(), idx.shape(), Shape::kMaxDims);
  for (int64_t d : idx.shape()) out_shape.push_back(d);
  for (int d = ax + 1; d < x.ndim(); ++d) {
    out_shape.push_back(x.shape()[d]);
    s.inner *= x.shape()[d];
  }
  const Tensor xd = dense(x);
  const Tensor ids = dense(idx);
  Tensor y = Tensor::empty(out_shape, x.dtype());
  dispatch_any(x.dtype(), "index ops", [&]<class T>() {
    dispatch_index(ids.dtype(), op, [&]<class I>() {
      kernels::index_select_forward(s, xd.data<T>(), ids.data<I>(), y.data<T>());
    });
  });
  if (any_requires_grad({&x})) {
    y.set_requires_grad();
    // forward was y[o, j, :] = x[o, ids[j], :], so dx[o, ids[j], :] += dy[o, j, :] (repeats add up).
    tape().record([x, ids, y, s] {
      Tensor g = y.grad();
      if (!g.defined()) return;
      const Tensor gd = dense(g);
      dispatch_float(x.dtype(), "index_select_backward", [&]<class T>() {
        dispatch_index(ids.dtype(), "index_select_backward", [&]<class I>() {
          kernels::index_select_backward(s, gd.data<T>(), ids.data<I>(), grad_buffer(x).template data<T>());
        });
      });
    });
  }
  return y;
}

}  // namespace

int64_t first_id_out_of_range(const Tensor& ids, int64_t n, std::optional<int64_t> allowed) {
  const Tensor d = dense(ids);
  return dispatch_index(d.dtype(), "ids", [&]<class I>() -> int64_t {
    const I* p = d.data<I>();
    for (int64_t i = 0, count = d.numel(); i < count; ++i) {
      const int64_t v = static_cast<int64_t>(p[i]);
      if ((v >= 0 && v < n) || (allowed && v == *allowed)) [[likely]]
        continue;
      return i;
    }
    return -1;
  });
}

void throw_id_out_of_range(const Tensor& ids, int64_t position, const char* op, const char* noun,
                           const std::string& what) {
  const Tensor d = dense(ids);
  const int64_t v = dispatch_index(d.dtype(), op, [&]<class I>() { return static_cast<int64_t>(d.data<I>()[position]); });
  ATTEND_FAIL("{}: {} {} at position {} is out of range for {}", op, noun, v, position_string(position, d.shape()),
              what);
}

Tensor index_select(const Tensor& x, int axis, const Tensor& idx) {
  ATTEND_CHECK(x.defined(), "index_select: undefined input");
  const int ax = x.shape().axis(axis, "index_select");
  return index_select_impl(x, ax, idx, "index_select",
                           [&] { return fmt::format("axis {} of size {} in {}", axis, x.shape()[ax], x.shape()); });
}

Tensor embedding(const Tensor& table, const Tensor& ids) {
  ATTEND_CHECK(table.defined() && ids.defined(), "embedding: undefined input");
  ATTEND_CHECK(table.ndim() == 2, "embedding: table must be [V, D], got {}", table.shape());
  return index_select_impl(table, 0, ids, "embedding", [&] { return fmt::format("a table of {} rows", table.shape()[0]); });
}

Tensor gather(const Tensor& x, int axis, const Tensor& idx) {
  ATTEND_CHECK(x.defined() && idx.defined(), "gather: undefined input");
  const int ax = x.shape().axis(axis, "gather");
  bool fits = idx.ndim() == x.ndim();
  for (int d = 0; fits && d < x.ndim(); ++d) fits = d == ax || idx.shape()[d] <= x.shape()[d];
  ATTEND_CHECK(fits, "gather: index shape {} does not fit input {} (same rank, no larger outside axis {})",
               idx.shape(), x.shape(), axis);
  check_ids_in_range(idx, x.shape()[ax], "gather", "id",
                     [&] { return fmt::format("axis {} of size {} in {}", axis, x.shape()[ax], x.shape()); });
  kernels::GatherShape s;
  s.ndim = x.ndim();
  s.axis = ax;
  for (int d = 0; d < x.ndim(); ++d) {
    s.x_shape[d] = x.shape()[d];
    s.idx_shape[d] = idx.shape()[d];
  }
  const Tensor xd = dense(x);
  const Tensor ids = dense(idx);
  Tensor y = Tensor::empty(idx.shape(), x.dtype());
  dispatch_any(x.dtype(), "index ops", [&]<class T>() {
    dispatch_index(ids.dtype(), "gather", [&]<class I>() {
      kernels::gather_forward(s, xd.data<T>(), ids.data<I>(), y.data<T>());
    });
  });
  if (any_requires_grad({&x})) {
    y.set_requires_grad();
    // forward was y[i] = x[i with axis coordinate idx[i]], so dx[that position] += dy[i].
    tape().record([x, ids, y, s] {
      Tensor g = y.grad();
      if (!g.defined()) return;
      const Tensor gd = dense(g);
      dispatch_float(x.dtype(), "gather_backward", [&]<class T>() {
        dispatch_index(ids.dtype(), "gather_backward", [&]<class I>() {
          kernels::gather_backward(s, gd.data<T>(), ids.data<I>(), grad_buffer(x).template data<T>());
        });
      });
    });
  }
  return y;
}

}  // namespace attend
