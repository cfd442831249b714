// Unary kernels: one loop per function, chosen once per call, inside a run-time ISA clone;
// large arrays are split across threads first.
#include "kernels/unary.h"

#include <cmath>

#include "kernels/parallel_chunks.h"
#include "kernels/vecmath.h"

namespace attend::kernels {
namespace detail {

constexpr float kInvSqrt2f = 0.70710678118654752f;
constexpr float kInvSqrt2Pif = 0.39894228040143268f;
constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;

// erfc(z) for z >= 0 (and +inf), fractional error < 1.2e-7: t * exp(-z^2 + poly(t)), t = 1 / (1 + z/2).
[[gnu::always_inline]] inline float erfc_nonneg_f32(float z) {
  const float t = 1.f / (1.f + 0.5f * z);
  float p = 0.17087277f;
  p = p * t - 0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t - 1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t - 0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t - 1.26551223f;
  return t * exp_f32(-z * z + p);
}

// Phi(x) = erfc(-x / sqrt2) / 2, computed from the tail so tiny values keep relative accuracy.
[[gnu::always_inline]] inline float normal_cdf(float x) {
  const float half_tail = 0.5f * erfc_nonneg_f32(std::fabs(x) * kInvSqrt2f);
  return x < 0.f ? half_tail : 1.f - half_tail;
}
[[gnu::always_inline]] inline double normal_cdf(double x) { return 0.5 * std::erfc(-x * kInvSqrt2); }

[[gnu::always_inline]] inline float normal_pdf(float x) { return kInvSqrt2Pif * exp_f32(-0.5f * x * x); }
[[gnu::always_inline]] inline double normal_pdf(double x) { return kInvSqrt2Pi * std::exp(-0.5 * x * x); }

template <class T>
ATTEND_TARGET_CLONES void forward_chunk(UnaryOp op, int64_t n, const T* x, T* y, T power) {
  switch (op) {
    case UnaryOp::Neg:
      for (int64_t i = 0; i < n; ++i) y[i] = -x[i];
      break;
    case UnaryOp::Abs:
      for (int64_t i = 0; i < n; ++i) y[i] = std::fabs(x[i]);
      break;
    case UnaryOp::Exp:
      for (int64_t i = 0; i < n; ++i) y[i] = vexp(x[i]);
      break;
    case UnaryOp::Log:
      for (int64_t i = 0; i < n; ++i) y[i] = std::log(x[i]);
      break;
    case UnaryOp::Sqrt:
      for (int64_t i = 0; i < n; ++i) y[i] = std::sqrt(x[i]);
      break;
    case UnaryOp::Tanh:
      for (int64_t i = 0; i < n; ++i) y[i] = vtanh(x[i]);
      break;
    case UnaryOp::Sigmoid:
      for (int64_t i = 0; i < n; ++i) y[i] = vsigmoid(x[i]);
      break;
    case UnaryOp::Relu:
      for (int64_t i = 0; i < n; ++i) y[i] = x[i] < T(0) ? T(0) : x[i];  // NaN passes through
      break;
    case UnaryOp::Gelu:
      for (int64_t i = 0; i < n; ++i) y[i] = x[i] * normal_cdf(x[i]);
      break;
    case UnaryOp::Pow:
      // Common exponents by multiplication; the rest through std::pow.
      if (power == T(0)) {
        for (int64_t i = 0; i < n; ++i) y[i] = T(1);
      } else if (power == T(1)) {
        for (int64_t i = 0; i < n; ++i) y[i] = x[i];
      } else if (power == T(2)) {
        for (int64_t i = 0; i < n; ++i) y[i] = x[i] * x[i];
      } else if (power == T(3)) {
        for (int64_t i = 0; i < n; ++i) y[i] = x[i] * x[i] * x[i];
      } else if (power == T(-1)) {
        for (int64_t i = 0; i < n; ++i) y[i] = T(1) / x[i];
      } else if (power == T(0.5)) {
        for (int64_t i = 0; i < n; ++i) y[i] = std::sqrt(x[i]);
      } else {
        for (int64_t i = 0; i < n; ++i) y[i] = std::pow(x[i], power);
      }
      break;
  }
}

template <class T>
ATTEND_TARGET_CLONES void backward_chunk(UnaryOp op, int64_t n, const T* x, const T* y, const T* dy, T* dx,
                                         T power) {
  switch (op) {
    case UnaryOp::Neg:  // y = -x
      for (int64_t i = 0; i < n; ++i) dx[i] -= dy[i];
      break;
    case UnaryOp::Abs:  // y = |x|: dx = sign(x) dy, 0 at 0
      for (int64_t i = 0; i < n; ++i) dx[i] += x[i] > T(0) ? dy[i] : (x[i] < T(0) ? -dy[i] : T(0));
      break;
    case UnaryOp::Exp:  // y = e^x: dx = y dy
      for (int64_t i = 0; i < n; ++i) dx[i] += dy[i] * y[i];
      break;
    case UnaryOp::Log:  // y = log x: dx = dy / x
      for (int64_t i = 0; i < n; ++i) dx[i] += dy[i] / x[i];
      break;
    case UnaryOp::Sqrt:  // y = sqrt x: dx = dy / (2y)
      for (int64_t i = 0; i < n; ++i) dx[i] += T(0.5) * dy[i] / y[i];
      break;
    case UnaryOp::Tanh:  // dx = (1 - y^2) dy
      for (int64_t i = 0; i < n; ++i) dx[i] += dy[i] * (T(1) - y[i] * y[i]);
      break;
    case UnaryOp::Sigmoid:  // dx = y (1 - y) dy
      for (int64_t i = 0; i < n; ++i) dx[i] += dy[i] * y[i] * (T(1) - y[i]);
      break;
    case UnaryOp::Relu:  // y > 0 exactly where x > 0
      for (int64_t i = 0; i < n; ++i) dx[i] += y[i] > T(0) ? dy[i] : T(0);
      break;
    case UnaryOp::Gelu:  // y = x Phi(x): dx = (Phi(x) + x phi(x)) dy
      for (int64_t i = 0; i < n; ++i) dx[i] += dy[i] * (normal_cdf(x[i]) + x[i] * normal_pdf(x[i]));
      break;
    case UnaryOp::Pow:  // y = x^p: dx = p x^(p-1) dy (and 0 for p = 0, even at x = 0)
      if (power == T(0)) {
      } else if (power == T(1)) {
        for (int64_t i = 0; i < n; ++i) dx[i] += dy[i];
      } else if (power == T(2)) {
        for (int64_t i = 0; i < n; ++i) dx[i] += T(2) * x[i] * dy[i];
      } else {
        for (int64_t i = 0; i < n; ++i) dx[i] += dy[i] * power * std::pow(x[i], power - T(1));
      }
      break;
  }
}

// Relative cost per element, so cheap loops need more elements before threads pay off.
constexpr int64_t cost(UnaryOp op) {
  switch (op) {
    case UnaryOp::Neg:
    case UnaryOp::Abs:
    case UnaryOp::Relu: return 1;
    default: return 8;
  }
}

}  // namespace detail

float normal_cdf_f32(float x) { return detail::normal_cdf(x); }

template <class T>
void unary_forward(UnaryOp op, int64_t n, const T* x, T* y, double power) {
  parallel_chunks(n, n * detail::cost(op), [&](int64_t lo, int64_t hi) {
    detail::forward_chunk<T>(op, hi - lo, x + lo, y + lo, static_cast<T>(power));
  });
}

template <class T>
void unary_backward(UnaryOp op, int64_t n, const T* x, const T* y, const T* dy, T* dx, double power) {
  parallel_chunks(n, n * detail::cost(op), [&](int64_t lo, int64_t hi) {
    detail::backward_chunk<T>(op, hi - lo, x ? x + lo : nullptr, y ? y + lo : nullptr, dy + lo, dx + lo,
                              static_cast<T>(power));
  });
}

template void unary_forward<float>(UnaryOp, int64_t, const float*, float*, double);
template void unary_forward<double>(UnaryOp, int64_t, const double*, double*, double);
template void unary_backward<float>(UnaryOp, int64_t, const float*, const float*, const float*, float*, double);
template void unary_backward<double>(UnaryOp, int64_t, const double*, const double*, const double*, double*, double);

}  // namespace attend::kernels
