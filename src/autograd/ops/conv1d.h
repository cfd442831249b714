// conv1d_same: a one-input-channel 1-d convolution with "same" zero padding, as location-aware attention
// runs over the previous step's weights (Chorowski et al. 2015).
#pragma once
#include "tensor/tensor.h"

namespace attend {

// x: [..., L], weight: [C, K] with K odd -> [..., L, C]:
//   y[..., l, c] = sum_k weight[c, k] * x[..., l + k - K/2]   (zero outside [0, L))
// Equal to PyTorch's Conv1d(1, C, K, padding=K/2, bias=False) on x viewed as [N, 1, L], channels moved last.
Tensor conv1d_same(const Tensor& x, const Tensor& weight);

}  // namespace attend
