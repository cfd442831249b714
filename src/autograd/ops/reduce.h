// Reductions: sum and mean over any set of axes, max over one axis (its gradient goes to the first
// maximum), argmax, and sum_to_shape (the inverse of broadcasting, which binary ops' backwards use).
// x: [d0, ..., dn-1]. Axes may be negative (-1 = last); an axis out of range or given twice is an
// error naming x's shape. keepdim keeps each reduced axis as size 1, else it is removed.
// Float sums accumulate in double.
#pragma once
#include <initializer_list>
#include <span>

#include "tensor/tensor.h"

namespace attend {

// Sum of every element -> [].
Tensor sum(const Tensor& x);
// x: [...] -> x's shape without `axes` (or with them as 1 when keepdim). An empty list reduces nothing.
Tensor sum(const Tensor& x, int axis, bool keepdim = false);
Tensor sum(const Tensor& x, std::initializer_list<int> axes, bool keepdim = false);
Tensor sum(const Tensor& x, std::span<const int> axes, bool keepdim = false);

// Means, same shapes as sum. The mean over an empty axis is NaN (0/0).
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, int axis, bool keepdim = false);
Tensor mean(const Tensor& x, std::initializer_list<int> axes, bool keepdim = false);
Tensor mean(const Tensor& x, std::span<const int> axes, bool keepdim = false);

// x: [..., n, ...] -> the largest value along `axis` (n >= 1). Ties: the gradient goes to the first
// maximal element only. NaN counts as the maximum, so it propagates.
Tensor max(const Tensor& x, int axis, bool keepdim = false);
// Index of the first maximum along `axis`, as int64; not differentiable.
Tensor argmax(const Tensor& x, int axis, bool keepdim = false);

// x: [...] -> `shape`, summing over the axes along which `shape` would broadcast to x's shape
// (sum_to_shape(x, [4]) of x: [2,3,4] sums axes 0 and 1). Errors when shape does not broadcast to x.
Tensor sum_to_shape(const Tensor& x, const Shape& shape);

// For backward closures (no autograd): dst += alpha * sum_to_shape(g, dst.shape()).
// dst: contiguous, same dtype as g, its shape broadcasting to g's; g: any layout.
void accumulate_sum_to_shape(const Tensor& g, const Tensor& dst, double alpha = 1.0);

}  // namespace attend
