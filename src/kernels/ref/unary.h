// Reference twin of kernels/unary.h: each function and derivative straight from <cmath>, element by
// element, no special cases. Run it in double to check the float kernels.
#pragma once
#include <cmath>
#include <cstdint>

#include "kernels/unary.h"

namespace attend::kernels::ref {

template <class T>
T unary_value(UnaryOp op, T x, T power) {
  switch (op) {
    case UnaryOp::Neg: return -x;
    case UnaryOp::Abs: return std::fabs(x);
    case UnaryOp::Exp: return std::exp(x);
    case UnaryOp::Log: return std::log(x);
    case UnaryOp::Sqrt: return std::sqrt(x);
    case UnaryOp::Tanh: return std::tanh(x);
    case UnaryOp::Sigmoid: return T(1) / (T(1) + std::exp(-x));
    case UnaryOp::Relu: return x < T(0) ? T(0) : x;
    case UnaryOp::Gelu: return x * T(0.5) * std::erfc(-x / std::sqrt(T(2)));
    case UnaryOp::Pow: return std::pow(x, power);
  }
  return x;
}

// f'(x), written in terms of x only.
template <class T>
T unary_derivative(UnaryOp op, T x, T power) {
  const T pi = T(3.14159265358979323846);
  switch (op) {
    case UnaryOp::Neg: return T(-1);
    case UnaryOp::Abs: return x > T(0) ? T(1) : (x < T(0) ? T(-1) : T(0));
    case UnaryOp::Exp: return std::exp(x);
    case UnaryOp::Log: return T(1) / x;
    case UnaryOp::Sqrt: return T(0.5) / std::sqrt(x);
    case UnaryOp::Tanh: return T(1) - std::tanh(x) * std::tanh(x);
    case UnaryOp::Sigmoid: {
      const T s = T(1) / (T(1) + std::exp(-x));
      return s * (T(1) - s);
    }
    case UnaryOp::Relu: return x > T(0) ? T(1) : T(0);
    case UnaryOp::Gelu:
      return T(0.5) * std::erfc(-x / std::sqrt(T(2))) + x * std::exp(-x * x / T(2)) / std::sqrt(T(2) * pi);
    case UnaryOp::Pow: return power == T(0) ? T(0) : power * std::pow(x, power - T(1));
  }
  return T(0);
}

template <class T>
void unary_forward(UnaryOp op, int64_t n, const T* x, T* y, double power = 0) {
  for (int64_t i = 0; i < n; ++i) y[i] = unary_value(op, x[i], static_cast<T>(power));
}

template <class T>
void unary_backward(UnaryOp op, int64_t n, const T* x, const T* dy, T* dx, double power = 0) {
  for (int64_t i = 0; i < n; ++i) dx[i] += dy[i] * unary_derivative(op, x[i], static_cast<T>(power));
}

}  // namespace attend::kernels::ref
