// Vectorisable exp / tanh / sigmoid for float loops: branch-free polynomial code that GCC turns into
// SIMD (with target_clones choosing AVX-512 / AVX2 at run time). The double versions call <cmath>, so
// reference twins and gradient checks stay exact. Accuracy of the float versions: a few ulp.
#pragma once
#include <bit>
#include <cmath>
#include <cstdint>

namespace attend::kernels {

// Run-time ISA choice for hot loops: put ATTEND_TARGET_CLONES in front of a function definition.
#if defined(__x86_64__) && !defined(__clang__)
#define ATTEND_TARGET_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define ATTEND_TARGET_CLONES
#endif

// exp(x) for float: x = n ln2 + r, |r| <= ln2/2, exp(r) by a degree-6 polynomial, times 2^n.
// Returns 0 below -87.3 (no denormals), +inf above 88.72, NaN for NaN.
inline float exp_f32(float x) {
  const float hi = 88.7228391f, lo = -87.3365478f;
  const bool over = x > hi;
  const bool under = x < lo;
  const bool nan = x != x;
  float xc = x < lo ? lo : (x > hi ? hi : x);
  xc = nan ? 0.f : xc;
  const float n = std::nearbyint(xc * 1.44269504088896341f);
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t e = static_cast<int32_t>(n) + 127;
  const float scale = std::bit_cast<float>(static_cast<uint32_t>(e) << 23);
  float y = p * scale;
  y = under ? 0.f : y;
  y = over ? INFINITY : y;
  return nan ? x : y;
}

// tanh(x) = sign(x) (1 - 2 / (exp(2|x|) + 1)); for |x| < 0.625 a Taylor-like odd polynomial keeps
// relative accuracy near zero.
inline float tanh_f32(float x) {
  const float ax = std::fabs(x);
  const float e = exp_f32(2.f * (ax > 9.f ? 9.f : ax));
  float big = 1.f - 2.f / (e + 1.f);
  const float x2 = x * x;
  // minimax-style series for small |x| (Cephes tanhf)
  float small = -5.70498872745e-3f;
  small = small * x2 + 2.06390887954e-2f;
  small = small * x2 - 5.37397155531e-2f;
  small = small * x2 + 1.33314422036e-1f;
  small = small * x2 - 3.33332819422e-1f;
  small = small * x2 * ax + ax;
  float y = ax < 0.625f ? small : big;
  y = ax > 9.f ? 1.f : y;
  y = std::copysign(y, x);
  return x != x ? x : y;
}

// sigmoid(x) = 1 / (1 + exp(-x)), saturating cleanly to 0 and 1.
inline float sigmoid_f32(float x) { return 1.f / (1.f + exp_f32(-x)); }

template <class T>
inline T vexp(T x) {
  if constexpr (sizeof(T) == 4) return exp_f32(x);
  else return std::exp(x);
}
template <class T>
inline T vtanh(T x) {
  if constexpr (sizeof(T) == 4) return tanh_f32(x);
  else return std::tanh(x);
}
template <class T>
inline T vsigmoid(T x) {
  if constexpr (sizeof(T) == 4) return sigmoid_f32(x);
  else return T(1) / (T(1) + std::exp(-x));
}

}  // namespace attend::kernels
