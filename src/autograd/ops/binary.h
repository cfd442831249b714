// Element-wise arithmetic with NumPy broadcasting: add, sub, mul, div, their scalar forms, and the
// operators + - * / on tensors and doubles.
// a: [...], b: [...] -> broadcast(a, b): shapes are aligned on the right, each axis pair must be equal
// or contain a 1, missing leading axes count as 1 ([2,3,4] with [4], [3,1], [2,1,4] or [] all give
// [2,3,4]). Both inputs must have the same float dtype. Strided views are read in place.
#pragma once
#include "tensor/tensor.h"

namespace attend {

// The shape a and b broadcast to; `op` names the caller in the error
// ("add: shapes do not broadcast: [2,3] vs [4]").
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

Tensor add(const Tensor& a, const Tensor& b);  // a + b
Tensor sub(const Tensor& a, const Tensor& b);  // a - b
Tensor mul(const Tensor& a, const Tensor& b);  // a * b
Tensor div(const Tensor& a, const Tensor& b);  // a / b

// For backward closures (no autograd): dst += alpha * g broadcast to dst's shape (g's shape must
// broadcast to it). dst: contiguous, same dtype; g: any layout. The partner of accumulate_sum_to_shape.
void accumulate_broadcast(const Tensor& g, const Tensor& dst, double alpha = 1.0);

// Scalar forms, x: [...] -> [...]; s is converted to x's dtype.
Tensor add(const Tensor& x, double s);  // x + s
Tensor sub(const Tensor& x, double s);  // x - s (that is, x + (-s))
Tensor sub(double s, const Tensor& x);  // s - x
Tensor mul(const Tensor& x, double s);  // x * s
Tensor div(const Tensor& x, double s);  // x / s (a true division, not x * (1/s))
Tensor div(double s, const Tensor& x);  // s / x

inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator+(const Tensor& x, double s) { return add(x, s); }
inline Tensor operator-(const Tensor& x, double s) { return sub(x, s); }
inline Tensor operator*(const Tensor& x, double s) { return mul(x, s); }
inline Tensor operator/(const Tensor& x, double s) { return div(x, s); }
inline Tensor operator+(double s, const Tensor& x) { return add(x, s); }
inline Tensor operator-(double s, const Tensor& x) { return sub(s, x); }
inline Tensor operator*(double s, const Tensor& x) { return mul(x, s); }
inline Tensor operator/(double s, const Tensor& x) { return div(s, x); }
Tensor operator-(const Tensor& x);  // neg(x)

}  // namespace attend
