// Inverted dropout.
#pragma once
#include "tensor/rng.h"
#include "tensor/tensor.h"

namespace attend {

// x: any shape -> same shape. When training with p > 0: each element is zeroed with probability p and the
// rest are scaled by 1/(1-p), so the expectation is unchanged. The mask is drawn from rng in row-major
// order (one 32-bit draw per element), so a given rng state always gives the same mask.
// Returns x itself when !training or p == 0. p must be in [0, 1).
Tensor dropout(const Tensor& x, double p, Rng& rng, bool training);

}  // namespace attend
