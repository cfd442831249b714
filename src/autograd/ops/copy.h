// Layout ops that copy: contiguous (a dense copy of a strided view) and cast between float dtypes.
#pragma once
#include "tensor/tensor.h"

namespace attend {

// x: any layout -> same shape, row-major contiguous. Returns x itself when already contiguous.
Tensor contiguous(const Tensor& x);
// x: float32/float64 -> the same values in `dtype` (gradients flow back through the cast).
Tensor cast(const Tensor& x, DType dtype);

}  // namespace attend
