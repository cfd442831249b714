// Layer normalisation over the last axis.
#pragma once
#include "tensor/tensor.h"

namespace attend {

// x: [..., D], gamma: [D] or undefined (scale 1), beta: [D] or undefined (shift 0) -> [..., D]:
// y = (x - mean) / sqrt(var + eps) * gamma + beta, mean and biased variance over the last axis.
Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps = 1e-5);

}  // namespace attend
