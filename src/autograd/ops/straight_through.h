// Straight-through estimator: a value from one tensor, a gradient from another (Bengio et al. 2013), as
// used by Gumbel-softmax straight-through hard attention (forward one-hot, backward the soft sample).
#pragma once
#include "tensor/tensor.h"

namespace attend {

// hard, soft: same shape and float dtype -> that shape, with exactly hard's values in forward.
// Backward acts as y = hard + soft - stop_gradient(soft): dy flows unchanged into soft (and into hard,
// if hard requires grad). Unlike composing onehot - soft.detach() + soft, the forward is bit-exact hard.
Tensor straight_through(const Tensor& hard, const Tensor& soft);

}  // namespace attend
