// Sparsemax (Martins & Astudillo 2016) over the middle axis of a dense [outer, dim, inner] buffer: each
// slice along `dim` is projected onto the probability simplex, y = max(x - tau, 0) with the threshold tau
// chosen so that sum(y) = 1. Entries below tau get exactly 0. inner == 1 is the contiguous last-axis case;
// inner > 1 walks columns with stride `inner`, so no axis needs to be transposed first.
// Masking: an entry takes part only when its mask value is non-zero and it is > -inf; other entries get
// exactly 0, and a slice with no such entry gives all zeros (never NaN). Inputs must otherwise be finite
// (+inf or NaN give unspecified values). The threshold is found in double relative to the slice maximum, so
// +-1e4 logits lose nothing to cancellation.
#pragma once
#include <cstdint>

namespace attend::kernels {

// x, mask, y, dy, dx: [outer, dim, inner], dense.
struct SparsemaxShape {
  int64_t outer = 1;
  int64_t dim = 1;
  int64_t inner = 1;
};

// y = sparsemax(x) along dim. mask: nullptr (every finite entry takes part) or same layout as x.
// The threshold is found by Michelot's fixed-point iteration (no sort, no heap scratch) over the entries
// above max - 1, the only ones that can be in the support (copied to a small stack buffer when few): each pass
// drops the entries at or below the current tau, so at most `dim` passes and in practice a handful.
void sparsemax_forward(const SparsemaxShape& s, const float* x, const float* mask, float* y);
void sparsemax_forward(const SparsemaxShape& s, const double* x, const double* mask, double* y);

// Adds the input gradient into dx, from the forward output y and its gradient dy. With S = {y > 0}:
//   dx += [y > 0] * (dy - sum_S(dy) / |S|)
void sparsemax_backward(const SparsemaxShape& s, const float* y, const float* dy, float* dx);
void sparsemax_backward(const SparsemaxShape& s, const double* y, const double* dy, double* dx);

}  // namespace attend::kernels
