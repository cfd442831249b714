// Local attention windows (Luong et al. 2015).
//   local-m: query t looks at keys [p_t - D, p_t + D], p_t = the query's position (monotonic alignment).
//            Nothing is multiplied: the window is a mask inside masked_softmax.
//   local-p: p_t = S * sigmoid(v_p^T tanh(W_p q_t)) is predicted (S = the number of real keys of the batch
//            row), keys outside [round(p_t) - D, round(p_t) + D] are masked, and the softmax weights are
//            multiplied by exp(-(s - p_t)^2 / (2 sigma^2)), sigma = D / 2, which keeps p_t (and W_p, v_p)
//            differentiable. As in Luong's paper the product is not renormalised.
// A radius D at least as long as the sequence makes the window cover every key (local-m is then global).
#pragma once
#include "attention/dense.h"

namespace attend::attention {

// Predicts local-p centres: W_p [hidden, Dq] ("proj.weight") and v_p [1, hidden] ("v.weight"), no biases.
class PositionPredictor : public nn::Module {
 public:
  PositionPredictor(int64_t query_dim, int64_t hidden_dim, Rng& rng, DType dtype);
  // query [B, Tq, Dq], key_counts S [B, 1] -> p [B, Tq] in (0, S)
  Tensor forward(const Tensor& query, const Tensor& key_counts) const;
  const Dense& proj() const { return proj_; }
  const Dense& v() const { return v_; }

 private:
  Dense proj_, v_;
};

// S per batch row: [B, 1] = number of nonzero key_mask entries, or Tk everywhere when key_mask is undefined.
// key_mask: [B, Tk] any dtype; result in `dtype`, no autograd.
Tensor key_counts(const Tensor& key_mask, int64_t batch, int64_t tk, DType dtype);

// local-m centres: query_positions [B, Tq] when defined (checked against B and Tq), else 0..Tq-1 as [1, Tq].
Tensor monotonic_centres(const Tensor& query_positions, int64_t batch, int64_t tq, DType dtype);

// exp(-(s - p)^2 / (2 sigma^2)) for key positions s = 0..Tk-1: p [B, Tq] -> [B, Tq, Tk], sigma = radius / 2.
Tensor gaussian_window(const Tensor& centres, int64_t tk, int64_t radius);

}  // namespace attend::attention
