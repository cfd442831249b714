// Optimizer update loops: plain loops the compiler vectorises, threaded with OpenMP above a size
// threshold so that small parameters (biases, norms) stay serial. Adam's square root goes through the
// vector sqrt instruction directly: libm's sqrt may set errno, which keeps GCC's loops scalar (3x slower).
#include "kernels/optim.h"

#include <vector>

#include "kernels/parallel_chunks.h"

#include <algorithm>
#include <cmath>

#include "kernels/vecmath.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace attend::kernels {
namespace {
// Below this many elements a parallel region costs more than it saves.
// Adam works in blocks so the square roots of one block run as one vector pass.
constexpr int64_t kAdamBlock = 256;

#if defined(__x86_64__)
__attribute__((target("avx512f"))) void sqrt_avx512(float* x, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_loadu_ps(x + i);  // the masked form avoids GCC 12's uninitialised-temporary warning
    _mm512_storeu_ps(x + i, _mm512_mask_sqrt_ps(v, static_cast<__mmask16>(0xFFFF), v));
  }
  for (; i < n; ++i) x[i] = _mm_cvtss_f32(_mm_sqrt_ss(_mm_set_ss(x[i])));
}
__attribute__((target("avx512f"))) void sqrt_avx512(double* x, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m512d v = _mm512_loadu_pd(x + i);
    _mm512_storeu_pd(x + i, _mm512_mask_sqrt_pd(v, static_cast<__mmask8>(0xFF), v));
  }
  for (; i < n; ++i) x[i] = _mm_cvtsd_f64(_mm_sqrt_sd(_mm_setzero_pd(), _mm_set_sd(x[i])));
}
__attribute__((target("avx"))) void sqrt_avx(float* x, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_sqrt_ps(_mm256_loadu_ps(x + i)));
  for (; i < n; ++i) x[i] = _mm_cvtss_f32(_mm_sqrt_ss(_mm_set_ss(x[i])));
}
__attribute__((target("avx"))) void sqrt_avx(double* x, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) _mm256_storeu_pd(x + i, _mm256_sqrt_pd(_mm256_loadu_pd(x + i)));
  for (; i < n; ++i) x[i] = _mm_cvtsd_f64(_mm_sqrt_sd(_mm_setzero_pd(), _mm_set_sd(x[i])));
}
void sqrt_sse2(float* x, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) _mm_storeu_ps(x + i, _mm_sqrt_ps(_mm_loadu_ps(x + i)));
  for (; i < n; ++i) x[i] = _mm_cvtss_f32(_mm_sqrt_ss(_mm_set_ss(x[i])));
}
void sqrt_sse2(double* x, int64_t n) {
  int64_t i = 0;
  for (; i + 2 <= n; i += 2) _mm_storeu_pd(x + i, _mm_sqrt_pd(_mm_loadu_pd(x + i)));
  for (; i < n; ++i) x[i] = _mm_cvtsd_f64(_mm_sqrt_sd(_mm_setzero_pd(), _mm_set_sd(x[i])));
}

enum class SqrtIsa { Avx512, Avx, Sse2 };
SqrtIsa detect_sqrt_isa() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return SqrtIsa::Avx512;
  if (__builtin_cpu_supports("avx")) return SqrtIsa::Avx;
  return SqrtIsa::Sse2;
}
#endif

// x[i] = sqrt(x[i]), IEEE-exact (the same results as std::sqrt).
template <class T>
void sqrt_in_place(T* x, int64_t n) {
#if defined(__x86_64__)
  static const SqrtIsa isa = detect_sqrt_isa();
  switch (isa) {
    case SqrtIsa::Avx512: return sqrt_avx512(x, n);
    case SqrtIsa::Avx: return sqrt_avx(x, n);
    case SqrtIsa::Sse2: return sqrt_sse2(x, n);
  }
#else
  for (int64_t i = 0; i < n; ++i) x[i] = std::sqrt(x[i]);
#endif
}

// Adam/AdamW coefficients in the element type.
template <class T>
struct AdamCoeffs {
  T step_size, bc2_sqrt, b1, one_minus_b1, b2, one_minus_b2, eps, l2, decay;
};

// One block of at most kAdamBlock elements: moments (vectorised), square roots (one vector pass),
// then the parameter update (vectorised).
template <class T>
ATTEND_TARGET_CLONES void adam_block(const AdamCoeffs<T>& c, int64_t n, T* __restrict param,
                                     const T* __restrict grad, T* __restrict exp_avg, T* __restrict exp_avg_sq) {
  T root[kAdamBlock];
  for (int64_t i = 0; i < n; ++i) {
    const T g = grad[i] + c.l2 * param[i];
    const T m = c.b1 * exp_avg[i] + c.one_minus_b1 * g;
    const T v = c.b2 * exp_avg_sq[i] + c.one_minus_b2 * g * g;
    exp_avg[i] = m;
    exp_avg_sq[i] = v;
    root[i] = v;
  }
  sqrt_in_place(root, n);
  for (int64_t i = 0; i < n; ++i) {
    const T denom = root[i] / c.bc2_sqrt + c.eps;
    param[i] = param[i] * c.decay - c.step_size * (exp_avg[i] / denom);
  }
}

}  // namespace

template <class T>
void sgd_update(const SgdParams& p, int64_t n, T* param, const T* grad, T* momentum_buf) {
  const T lr = static_cast<T>(p.lr);
  const T wd = static_cast<T>(p.weight_decay);
  const T mom = static_cast<T>(p.momentum);
  const T keep = static_cast<T>(1.0 - p.dampening);
  const bool use_momentum = p.momentum != 0 && momentum_buf != nullptr;
  const bool first = p.first_step;
  const bool nesterov = p.nesterov;
  parallel_chunks(n, n, [&](int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    T d = grad[i];
    if (wd != T(0)) d += wd * param[i];
    if (use_momentum) {
      const T buf = first ? d : mom * momentum_buf[i] + keep * d;
      momentum_buf[i] = buf;
      d = nesterov ? d + mom * buf : buf;
    }
    param[i] -= lr * d;
  }
  });
}

template <class T>
void adam_update(const AdamParams& p, int64_t n, T* param, const T* grad, T* exp_avg, T* exp_avg_sq) {
  const double bias_correction1 = 1.0 - std::pow(p.beta1, static_cast<double>(p.step));
  const double bias_correction2 = 1.0 - std::pow(p.beta2, static_cast<double>(p.step));
  AdamCoeffs<T> c;
  c.step_size = static_cast<T>(p.lr / bias_correction1);
  c.bc2_sqrt = static_cast<T>(std::sqrt(bias_correction2));
  c.b1 = static_cast<T>(p.beta1);
  c.one_minus_b1 = static_cast<T>(1.0 - p.beta1);
  c.b2 = static_cast<T>(p.beta2);
  c.one_minus_b2 = static_cast<T>(1.0 - p.beta2);
  c.eps = static_cast<T>(p.eps);
  c.l2 = p.decoupled_weight_decay ? T(0) : static_cast<T>(p.weight_decay);
  c.decay = p.decoupled_weight_decay ? static_cast<T>(1.0 - p.lr * p.weight_decay) : T(1);
  const int64_t blocks = (n + kAdamBlock - 1) / kAdamBlock;
  parallel_chunks(blocks, n, [&](int64_t first, int64_t last) {
    for (int64_t b = first; b < last; ++b) {
      const int64_t begin = b * kAdamBlock;
      const int64_t len = std::min(kAdamBlock, n - begin);
      adam_block(c, len, param + begin, grad + begin, exp_avg + begin, exp_avg_sq + begin);
    }
  });
}

template <class T>
double sum_of_squares(int64_t n, const T* x) {
  // Fixed blocks summed in order: the result is the same for any thread count (exact resumes), and
  // the partials buffer is reused so a training step does not allocate.
  constexpr int64_t kBlock = 4096;
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  thread_local std::vector<double> partial;
  if (static_cast<int64_t>(partial.size()) < blocks) partial.resize(static_cast<size_t>(blocks));
  double* part = partial.data();
  parallel_chunks(blocks, n, [&](int64_t first, int64_t last) {
    for (int64_t b = first; b < last; ++b) {
      const int64_t end = std::min(n, (b + 1) * kBlock);
      double acc = 0;
      for (int64_t i = b * kBlock; i < end; ++i) acc += static_cast<double>(x[i]) * static_cast<double>(x[i]);
      part[b] = acc;
    }
  });
  double total = 0;
  for (int64_t b = 0; b < blocks; ++b) total += part[b];
  return total;
}

template <class T>
void scale_in_place(int64_t n, T* x, double factor) {
  const T f = static_cast<T>(factor);
  parallel_chunks(n, n, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) x[i] *= f;
  });
}

template void sgd_update<float>(const SgdParams&, int64_t, float*, const float*, float*);
template void sgd_update<double>(const SgdParams&, int64_t, double*, const double*, double*);
template void adam_update<float>(const AdamParams&, int64_t, float*, const float*, float*, float*);
template void adam_update<double>(const AdamParams&, int64_t, double*, const double*, double*, double*);
template double sum_of_squares<float>(int64_t, const float*);
template double sum_of_squares<double>(int64_t, const double*);
template void scale_in_place<float>(int64_t, float*, double);
template void scale_in_place<double>(int64_t, double*, double);

}  // namespace attend::kernels
