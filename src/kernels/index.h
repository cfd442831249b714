// Row gathers and scatter-adds on raw buffers: index_select (the embedding lookup) and torch-style
// gather. Ids are validated by the caller; the kernels only debug-check them.
#pragma once
#include <cstdint>

namespace attend::kernels {

// x: [outer, rows, inner] -> y: [outer, count, inner], y[o, j, :] = x[o, ids[j], :]; ids: [count].
struct IndexSelectShape {
  int64_t outer = 1;
  int64_t rows = 0;
  int64_t count = 0;
  int64_t inner = 1;
};

template <class T, class I>
void index_select_forward(const IndexSelectShape& s, const T* x, const I* ids, T* y);
// dx[o, ids[j], :] += dy[o, j, :]. Repeated ids accumulate; threads own disjoint row ranges of dx, so
// the result is race-free and the same for any thread count.
template <class T, class I>
void index_select_backward(const IndexSelectShape& s, const T* dy, const I* ids, T* dx);

// x: dense with `ndim` axes of x_shape; idx and y: dense, idx_shape (same ndim, idx_shape[d] <= x_shape[d]
// for d != axis). y[i] = x[i with axis coordinate replaced by idx[i]].
struct GatherShape {
  int ndim = 0;
  int axis = 0;
  int64_t x_shape[8] = {};
  int64_t idx_shape[8] = {};
};

template <class T, class I>
void gather_forward(const GatherShape& s, const T* x, const I* idx, T* y);
// dx[position of y[i]] += dy[i].
template <class T, class I>
void gather_backward(const GatherShape& s, const T* dy, const I* idx, T* dx);

}  // namespace attend::kernels
