// Matrix products through oneDNN GEMM.
#pragma once
#include "tensor/tensor.h"

namespace attend {

// a: [..., M, K] ([..., K, M] if trans_a), b: [K, N] or [..., K, N] ([..., N, K] if trans_b) -> [..., M, N].
// A 2-d b is shared by every leading index of a; otherwise a and b must have the same leading (batch) dims.
// Transposed views (last two axes swapped) are consumed without a copy.
Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);

}  // namespace attend
