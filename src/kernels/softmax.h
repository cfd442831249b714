// Softmax and log-softmax over the middle axis of a dense [outer, dim, inner] buffer: inner == 1 is the
// last-axis fast path (contiguous rows); inner > 1 runs strided column blocks, so no axis needs to be
// transposed first. Max-subtracted, so logits of +-1e4 give no overflow or NaN.
#pragma once
#include <cstdint>

namespace attend::kernels {

// x, y, dy, dx: [outer, dim, inner], dense.
struct SoftmaxShape {
  int64_t outer = 1;
  int64_t dim = 1;
  int64_t inner = 1;
  bool log = false;  // log_softmax
};

// y = softmax(x) (or log_softmax). A row that is entirely -inf gives zeros (softmax) or -inf (log).
void softmax_forward(const SoftmaxShape& s, const float* x, float* y);
void softmax_forward(const SoftmaxShape& s, const double* x, double* y);

// Adds the input gradient into dx, from the forward output y and its gradient dy:
//   softmax:     dx += y * (dy - sum(dy * y))
//   log_softmax: dx += dy - exp(y) * sum(dy)
void softmax_backward(const SoftmaxShape& s, const float* y, const float* dy, float* dx);
void softmax_backward(const SoftmaxShape& s, const double* y, const double* dy, double* dx);

}  // namespace attend::kernels
