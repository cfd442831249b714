// Softmax and log-softmax along any axis (last axis fastest; other axes without a transposing copy).
#pragma once
#include "tensor/tensor.h"

namespace attend {

// x: [..., N, ...] (N at `axis`) -> same shape, each slice along `axis` exponentiated and normalised to
// sum 1. Rows that are entirely -inf give zeros.
Tensor softmax(const Tensor& x, int axis = -1);
// x: [..., N, ...] -> same shape, log(softmax(x)) computed stably as x - logsumexp(x).
Tensor log_softmax(const Tensor& x, int axis = -1);

}  // namespace attend
