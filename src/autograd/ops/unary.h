// Element-wise functions: neg, abs, exp, log, sqrt, tanh, sigmoid, relu, gelu (exact erf form), pow.
// x: [...] -> [...], float32 or float64. Float32 exp/tanh/sigmoid/gelu use vectorised approximations
// accurate to a few ulp. Edge values (no errors are raised):
//   exp(+large) = +inf, exp(-large) = 0;  log(0) = -inf, log(x < 0) = NaN, and log's gradient at 0 is +inf;
//   sqrt(x < 0) = NaN, sqrt's gradient at 0 is +inf;  tanh/sigmoid saturate to exactly -1/1 and 0/1 with
//   gradient 0;  relu'(0) = abs'(0) = 0;  pow(x < 0, non-integer p) = NaN.
#pragma once
#include "tensor/tensor.h"

namespace attend {

Tensor neg(const Tensor& x);      // -x
Tensor abs(const Tensor& x);      // |x|
Tensor exp(const Tensor& x);      // e^x
Tensor log(const Tensor& x);      // natural log
Tensor sqrt(const Tensor& x);     // x^(1/2)
Tensor tanh(const Tensor& x);     // tanh x
Tensor sigmoid(const Tensor& x);  // 1 / (1 + e^-x)
Tensor relu(const Tensor& x);     // max(x, 0)
Tensor gelu(const Tensor& x);     // x * Phi(x), Phi the standard normal CDF (not the tanh approximation)
Tensor pow(const Tensor& x, double p);  // x^p

}  // namespace attend
