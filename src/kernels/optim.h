// Optimizer updates and gradient-norm helpers on raw contiguous buffers, in place.
// param, grad and every state buffer: [n]. Arithmetic follows torch.optim (1.13, single-tensor path) so
// results match PyTorch to rounding; coefficients are computed in double, element math runs in T.
#pragma once
#include <cstdint>

namespace attend::kernels {

// torch.optim.SGD. momentum_buf may be null when momentum == 0. On the first step with momentum the
// buffer is initialised to the (weight-decayed) gradient, as torch does.
struct SgdParams {
  double lr = 0;
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;
  bool first_step = false;
};
template <class T>
void sgd_update(const SgdParams& p, int64_t n, T* param, const T* grad, T* momentum_buf);

// torch.optim.Adam (decoupled_weight_decay = false: L2 added to the gradient) and torch.optim.AdamW
// (decoupled: param *= 1 - lr * weight_decay before the Adam step). `step` is 1-based, after increment.
struct AdamParams {
  double lr = 0;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;
  bool decoupled_weight_decay = false;
  int64_t step = 1;
};
template <class T>
void adam_update(const AdamParams& p, int64_t n, T* param, const T* grad, T* exp_avg, T* exp_avg_sq);

// Sum of x[i]^2 accumulated in double (non-finite values propagate).
template <class T>
double sum_of_squares(int64_t n, const T* x);

// x[i] *= factor.
template <class T>
void scale_in_place(int64_t n, T* x, double factor);

}  // namespace attend::kernels
