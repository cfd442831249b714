// The additive (Bahdanau) attention score as one op over kernels/additive_score.
#pragma once
#include "tensor/tensor.h"

namespace attend {

// wq: [B, Tq, H] (W_q q + b), wk: [B, Tk, H] (W_k k), loc: [B, Tq, Tk, H] location features or undefined,
// v: [H] -> scores [B, Tq, Tk] = sum_h v_h tanh(wq + wk (+ loc)). Never forms the [B, Tq, Tk, H] tensors.
Tensor additive_score(const Tensor& wq, const Tensor& wk, const Tensor& loc, const Tensor& v);

}  // namespace attend
