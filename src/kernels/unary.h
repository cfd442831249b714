// Element-wise unary functions and their derivatives on dense buffers.
// x, y, dy, dx: [n] contiguous. Float loops use the vectorisable exp/tanh/sigmoid of kernels/vecmath.h
// (a few ulp); double loops call <cmath> so reference twins and gradient checks stay exact.
// Edge values: exp overflows to +inf and underflows to 0; log(0) = -inf and log(x < 0) = NaN;
// sqrt(x < 0) = NaN; tanh/sigmoid saturate to exactly +-1 / 0, 1; relu, abs and gelu keep NaN.
#pragma once
#include <cstdint>

namespace attend::kernels {

enum class UnaryOp : uint8_t { Neg, Abs, Exp, Log, Sqrt, Tanh, Sigmoid, Relu, Gelu, Pow };

// What unary_backward reads besides dy: the input x, the output y = f(x), or neither. Each op reads
// whichever is cheaper (tanh: 1 - y^2), so the autograd layer keeps only that tensor alive.
constexpr bool unary_backward_reads_input(UnaryOp op) {
  return op == UnaryOp::Abs || op == UnaryOp::Log || op == UnaryOp::Gelu || op == UnaryOp::Pow;
}
constexpr bool unary_backward_reads_output(UnaryOp op) {
  return op == UnaryOp::Exp || op == UnaryOp::Sqrt || op == UnaryOp::Tanh || op == UnaryOp::Sigmoid ||
         op == UnaryOp::Relu;
}

// y[i] = f(x[i]); `power` is the exponent of Pow and unused otherwise. y may equal x (in place).
// gelu is the exact form x * Phi(x), Phi the standard normal CDF.
template <class T>
void unary_forward(UnaryOp op, int64_t n, const T* x, T* y, double power = 0);

// dx[i] += dy[i] * f'(x[i]). x or y may be null when the op does not read it (see above).
// Derivatives at the edges follow the formulas: relu'(0) = 0, abs'(0) = 0, sqrt'(0) = +inf, log'(0) = +inf.
template <class T>
void unary_backward(UnaryOp op, int64_t n, const T* x, const T* y, const T* dy, T* dx, double power = 0);

// Standard normal CDF for float, vectorisable: erfc by a Chebyshev fit (Numerical Recipes' erfcc,
// fractional error < 1.2e-7 in exact arithmetic) on top of exp_f32. Measured relative error in float:
// < 2.5e-6 for x > -5, < 2e-5 down to x = -14 (below that Phi underflows to 0). Used by gelu.
float normal_cdf_f32(float x);

}  // namespace attend::kernels
