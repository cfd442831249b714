// Reductions on raw buffers: sums over any set of axes (also the backward of broadcasting, "sum to
// shape"), and max with its first argmax over one axis, with the scatter that is max's backward.
// Float sums accumulate in double, so summing a million float32 values keeps ~7 significant digits.
#pragma once
#include <cstdint>

namespace attend::kernels {

inline constexpr int kMaxReduceDims = 8;

// x: [d0, ..., dn-1] row-major contiguous; reduced[i] marks the axes summed away.
// y: the kept axes in order, row-major contiguous (keepdim or not is the same layout).
struct ReduceGeometry {
  int ndim = 0;
  int64_t shape[kMaxReduceDims] = {};
  bool reduced[kMaxReduceDims] = {};
};

// y = alpha * sum (accumulate = false) or y += alpha * sum (accumulate = true). An empty reduced
// set copies (scaled); a reduced axis of size 0 gives sums of 0.
template <class T>
void reduce_sum(const ReduceGeometry& g, const T* x, T* y, double alpha, bool accumulate);

// x: [outer, n, inner] -> y, argmax: [outer, inner]. Ties go to the first index; a NaN counts as the
// maximum (the first NaN wins), so NaNs propagate. n must be >= 1.
template <class T>
void max_forward(int64_t outer, int64_t n, int64_t inner, const T* x, T* y, int64_t* argmax);

// dx: [outer, n, inner] += dy: [outer, inner] placed at argmax along the middle axis.
template <class T>
void max_backward(int64_t outer, int64_t n, int64_t inner, const int64_t* argmax, const T* dy, T* dx);

}  // namespace attend::kernels
