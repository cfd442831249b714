// Vectorisable exp / tanh / sigmoid for float loops: branch-free polynomial code that GCC turns into
// SIMD (with target_clones choosing AVX-512 / AVX2 at run time). The double versions call <cmath>, so
// reference twins and gradient checks stay exact. Accuracy of the float versions: a few ulp.
#pragma once
#include <bit>
#include <cmath>
#include <cstdint>

namespace attend::kernels {

// Run-time ISA choice for hot loops: put ATTEND_TARGET_CLONES in front of a function definition. The middle
// clone is x86-64-v3 (AVX2 with FMA, as on every AVX2 CPU since Haswell and Zen 1): a plain "avx2" clone may
// not contract a * b + c, which left the polynomial exp and tanh without FMA on CPUs without AVX-512.
#if defined(__x86_64__) && !defined(__clang__)
#define ATTEND_TARGET_CLONES __attribute__((target_clones("avx512f", "arch=x86-64-v3", "default")))
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

// tanh(x) as one rational function, x P(x^2) / Q(x^2) on x clamped to +-7.905 (degrees 13/6; the
// coefficients are the well-known minimax fit Eigen uses): about half the work of tanh_f32 (no exp, no
// selects beyond the clamp), max error 4e-7 absolute, 3e-7 relative below |x| = 1; exactly +-1 far out;
// NaN stays NaN. For the hottest loop, the additive score's tanh(W_q q + W_k k) over every pair.
inline float tanh_rational_f32(float x) {
  const float c = 7.90531110763549805f;
  const float xc = x < -c ? -c : (x > c ? c : x);
  const float x2 = xc * xc;
  float p = -2.76076847742355e-16f;
  p = p * x2 + 2.00018790482477e-13f;
  p = p * x2 - 8.60467152213735e-11f;
  p = p * x2 + 5.12229709037114e-08f;
  p = p * x2 + 1.48572235717979e-05f;
  p = p * x2 + 6.37261928875436e-04f;
  p = p * x2 + 4.89352455891786e-03f;
  float q = 1.19825839466702e-06f;
  q = q * x2 + 1.18534705686654e-04f;
  q = q * x2 + 2.26843463243900e-03f;
  q = q * x2 + 4.89352518554385e-03f;
  return std::fabs(x) < 4e-4f ? x : p * xc / q;  // tiny |x|: tanh(x) = x to float precision
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
