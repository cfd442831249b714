// Shape ops. Views that share x's storage: reshape (of contiguous data), transpose, permute, slice,
// select, split, unsqueeze, squeeze. Copies: reshape of a strided view, concat, stack.
// Every op records a backward that maps the gradient back into x's layout (a slice adds into its
// window of dx, a transpose adds transposed, ...).
#pragma once
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "tensor/tensor.h"

namespace attend {

// x: any shape -> `shape` with the same number of elements. A view when x is contiguous, else a copy.
Tensor reshape(const Tensor& x, const Shape& shape);
// As above; at most one entry may be -1, inferred from the others (reshape(x, {B, -1})).
Tensor reshape(const Tensor& x, const std::vector<int64_t>& shape);
Tensor reshape(const Tensor& x, std::initializer_list<int64_t> shape);

// x: [..., A, ..., B, ...] -> [..., B, ..., A, ...]: axes a and b swapped (view).
Tensor transpose(const Tensor& x, int a, int b);
// x: [d0, ..., dn-1] -> [d_dims[0], ..., d_dims[n-1]]; dims is a permutation of 0..n-1 (view).
Tensor permute(const Tensor& x, const std::vector<int>& dims);

// x: [..., N, ...] -> [..., end-start, ...]: positions [start, end) of `axis`, 0 <= start <= end <= N (view).
Tensor slice(const Tensor& x, int axis, int64_t start, int64_t end);
// x: [..., N, ...] -> [..., ...]: position `index` of `axis`, 0 <= index < N, the axis dropped (view).
// select(h, 1, t) takes time step t of h: [B, T, D] -> [B, D].
Tensor select(const Tensor& x, int axis, int64_t index);
// x: [..., N, ...] -> pieces [..., sizes[i], ...] along `axis`; the sizes sum to N (views).
// Gradients flow from whichever pieces are used.
std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int axis);

// xs[i]: [..., N_i, ...], equal outside `axis` -> [..., sum N_i, ...] (copy).
Tensor concat(const std::vector<Tensor>& xs, int axis);
// xs[i]: S, all equal -> S with a new axis of size xs.size() at `axis` in [0, ndim] (copy).
Tensor stack(const std::vector<Tensor>& xs, int axis);

// x: [...] -> a size-1 axis inserted at position `axis` in [0, ndim] (negative counts from the end) (view).
Tensor unsqueeze(const Tensor& x, int axis);
// x: [..., 1, ...] -> the size-1 `axis` dropped (view).
Tensor squeeze(const Tensor& x, int axis);

}  // namespace attend
