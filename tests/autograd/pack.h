// Test-only glue for gradient checks of ops with several results: pack() flattens and joins float64
// tensors into one 1-d tensor whose backward hands each part its slice of the gradient, so one
// expect_gradients_match call covers every result.
#pragma once
#include <vector>

#include "autograd/tape.h"
#include "tensor/tensor.h"

namespace attend::testing {

inline Tensor pack(const std::vector<Tensor>& parts) {
  int64_t n = 0;
  for (const Tensor& p : parts) n += p.numel();
  Tensor y = Tensor::empty({n}, DType::F64);
  double* yp = y.data<double>();
  bool grad = false;
  for (const Tensor& p : parts) {
    for (double v : p.to_vector<double>()) *yp++ = v;
    grad = grad || p.requires_grad();
  }
  if (grad && grad_enabled()) {
    y.set_requires_grad();
    // forward was y = [flat(parts[0]), flat(parts[1]), ...], so each part gets its slice of dy.
    tape().record([parts, y] {
      const Tensor g = y.grad();
      if (!g.defined()) return;
      const double* gp = g.data<double>();
      for (const Tensor& p : parts) {
        if (p.requires_grad()) {
          double* d = grad_buffer(p).data<double>();
          for (int64_t i = 0; i < p.numel(); ++i) d[i] += gp[i];
        }
        gp += p.numel();
      }
    });
  }
  return y;
}

}  // namespace attend::testing
