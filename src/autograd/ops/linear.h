// The affine map of a dense layer, fused: one GEMM with the bias folded in.
#pragma once
#include "tensor/tensor.h"

namespace attend {

// x: [..., I], weight: [O, I] (PyTorch layout), bias: [O] or undefined -> [..., O]:  y = x W^T + b.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias);

}  // namespace attend
