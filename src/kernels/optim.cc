// Optimizer update loops: plain loops the compiler vectorises, threaded with OpenMP above a size
// threshold so that small parameters (biases, norms) stay serial.
#include "kernels/optim.h"

#include <cmath>

namespace attend::kernels {
namespace {
// Below this many elements a parallel region costs more than it saves.
constexpr int64_t kParallelMin = 1 << 15;
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
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; ++i) {
    T d = grad[i];
    if (wd != T(0)) d += wd * param[i];
    if (use_momentum) {
      const T buf = first ? d : mom * momentum_buf[i] + keep * d;
      momentum_buf[i] = buf;
      d = nesterov ? d + mom * buf : buf;
    }
    param[i] -= lr * d;
  }
}

template <class T>
void adam_update(const AdamParams& p, int64_t n, T* param, const T* grad, T* exp_avg, T* exp_avg_sq) {
  const double bias_correction1 = 1.0 - std::pow(p.beta1, static_cast<double>(p.step));
  const double bias_correction2 = 1.0 - std::pow(p.beta2, static_cast<double>(p.step));
  const T step_size = static_cast<T>(p.lr / bias_correction1);
  const T bc2_sqrt = static_cast<T>(std::sqrt(bias_correction2));
  const T b1 = static_cast<T>(p.beta1), one_minus_b1 = static_cast<T>(1.0 - p.beta1);
  const T b2 = static_cast<T>(p.beta2), one_minus_b2 = static_cast<T>(1.0 - p.beta2);
  const T eps = static_cast<T>(p.eps);
  const T l2 = p.decoupled_weight_decay ? T(0) : static_cast<T>(p.weight_decay);
  const T decay = p.decoupled_weight_decay ? static_cast<T>(1.0 - p.lr * p.weight_decay) : T(1);
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; ++i) {
    T w = param[i] * decay;
    const T g = grad[i] + l2 * param[i];
    const T m = b1 * exp_avg[i] + one_minus_b1 * g;
    const T v = b2 * exp_avg_sq[i] + one_minus_b2 * g * g;
    exp_avg[i] = m;
    exp_avg_sq[i] = v;
    const T denom = std::sqrt(v) / bc2_sqrt + eps;
    param[i] = w - step_size * (m / denom);
  }
}

template <class T>
double sum_of_squares(int64_t n, const T* x) {
  double total = 0;
#pragma omp parallel for schedule(static) reduction(+ : total) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; ++i) total += static_cast<double>(x[i]) * static_cast<double>(x[i]);
  return total;
}

template <class T>
void scale_in_place(int64_t n, T* x, double factor) {
  const T f = static_cast<T>(factor);
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; ++i) x[i] *= f;
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
