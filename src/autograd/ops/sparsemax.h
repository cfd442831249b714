// Sparsemax (Martins & Astudillo 2016) along any axis: the Euclidean projection onto the probability simplex.
// Like softmax it gives non-negative weights summing to 1, but entries below a threshold get exactly 0.
#pragma once
#include "tensor/tensor.h"

namespace attend {

// x: [..., N, ...] (N at `axis`), float32/float64 -> same shape; each slice along `axis` becomes
// y = max(x - tau, 0) with tau such that sum(y) = 1.
// mask: undefined (every entry takes part) or 1/0 values of any dtype whose shape broadcasts to x's
// (e.g. a key mask [B, 1, Tk] for scores [B, Tq, Tk]). Entries with mask 0, and entries equal to -inf,
// get exactly 0 and take no part; a slice with nothing taking part gives zeros (never NaN), gradient 0.
// Gradient (S = the support {y > 0}): dx = [y > 0] * (dy - mean of dy over S).
Tensor sparsemax(const Tensor& x, int axis = -1, const Tensor& mask = Tensor());

}  // namespace attend
