// Global-norm gradient clipping over raw gradient buffers.
#include "nn/clip.h"

#include <cmath>

#include "kernels/optim.h"

namespace attend::nn {
namespace {

double grad_sum_of_squares(const Tensor& grad) {
  // Gradient buffers are contiguous; anything else (a user's set_grad of a view) is read through a copy.
  const Tensor g = grad.is_contiguous() ? grad : grad.copy();
  return dispatch_float(g.dtype(), "clip_grad_norm",
                        [&]<class T>() { return kernels::sum_of_squares<T>(g.numel(), g.data<T>()); });
}

}  // namespace

double grad_norm(const std::vector<Tensor>& params) {
  double total = 0;
  for (const Tensor& p : params) {
    const Tensor g = p.grad();
    if (g.defined()) total += grad_sum_of_squares(g);
  }
  return std::sqrt(total);
}

double clip_grad_norm(const std::vector<Tensor>& params, double max_norm) {
  ATTEND_CHECK(std::isfinite(max_norm) && max_norm > 0, "clip_grad_norm: max_norm must be finite and > 0, got {}",
               max_norm);
  const double norm = grad_norm(params);
  if (!std::isfinite(norm)) return norm;
  const double coef = max_norm / (norm + 1e-6);
  if (coef >= 1) return norm;
  for (const Tensor& p : params) {
    Tensor g = p.grad();
    if (!g.defined()) continue;
    if (!g.is_contiguous()) {
      g = g.copy();
      Tensor handle = p;  // shares p's autograd state
      handle.set_grad(g);
    }
    dispatch_float(g.dtype(), "clip_grad_norm",
                   [&]<class T>() { kernels::scale_in_place<T>(g.numel(), g.data<T>(), coef); });
  }
  return norm;
}

double clip_grad_norm(const NamedTensors& params, double max_norm) {
  // Reused between calls so that a training step does not allocate.
  thread_local std::vector<Tensor> tensors;
  tensors.clear();
  for (const auto& [name, p] : params) tensors.push_back(p);
  const double norm = clip_grad_norm(tensors, max_norm);
  tensors.clear();
  return norm;
}

}  // namespace attend::nn
