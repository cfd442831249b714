// Gradient clipping by global L2 norm (torch.nn.utils.clip_grad_norm_).
#pragma once
#include <vector>

#include "nn/optim.h"
#include "tensor/tensor.h"

namespace attend::nn {

// Computes the L2 norm over every parameter's gradient (parameters without one are skipped) and,
// when it exceeds max_norm, scales every gradient by max_norm / (norm + 1e-6). Returns the norm before
// clipping. A non-finite norm (inf/NaN gradients) is returned as is and the gradients are left
// untouched, so the caller can skip the step instead of spreading NaN into the weights.
// max_norm must be finite and > 0.
double clip_grad_norm(const NamedTensors& params, double max_norm);
double clip_grad_norm(const std::vector<Tensor>& params, double max_norm);

// The global gradient L2 norm without clipping.
double grad_norm(const std::vector<Tensor>& params);

}  // namespace attend::nn
