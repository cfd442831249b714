// Hard attention: one key per query instead of an expected context (Xu et al. 2015, "hard" attention).
// The weights come from any score and normaliser; this file only selects.
//   HardReinforce: in training, sample one key per query from the weights; the context is that key's value
//     and carries no gradient back to the weights (the sample is not differentiable). The weights are trained
//     by REINFORCE (Williams 1992) through log_prob = log w[sampled], with the helpers at the bottom.
//   HardGumbel: in training, the Gumbel-softmax straight-through estimator (Jang et al. 2017): the forward
//     uses the one-hot of argmax(y), y = softmax((log w + g) / tau) with Gumbel noise g, and the backward
//     the gradient of y.
//   Inference (training = false), both kinds: the argmax key (the first one on ties).
// Masked keys (weight exactly 0) are never selected; a query whose weights are all 0 selects nothing:
// context 0, log_prob 0, entropy 0.
#pragma once
#include "attention/attention.h"

namespace attend::attention {

// weights: [B, Tq, Tk] (rows sum to 1, or are all 0 for a fully masked query), values: [B, Tk, Dv], one
// float dtype -> AttentionResult with
//   context  [B, Tq, Dv]: the selected key's value (exactly: one-hot times values);
//   weights  [B, Tq, Tk]: the given weights;
//   log_prob [B, Tq]: log w[selected], differentiable w.r.t. the weights (0 where nothing is selected);
//   entropy  [B, Tq]: -sum_k w_k log w_k with 0 log 0 = 0, differentiable (gradient 0 at w_k = 0).
// Gradients reach `values` through the selected rows in every mode. The Gumbel mode draws its noise
// first, with gumbel_noise(weights.shape(), ...), then nothing else; REINFORCE draws one uniform per query
// (fully masked queries draw nothing). sel must not be Selection::Soft; gumbel_tau > 0.
AttentionResult hard_select(const Tensor& weights, const Tensor& values, Selection sel, double gumbel_tau,
                            bool training, Rng& rng);

// Gumbel(0, 1) noise g = -log(-log u), u ~ U(0, 1), in row-major order; float32/float64.
Tensor gumbel_noise(const Shape& shape, DType dtype, Rng& rng);

// The soft Gumbel-softmax sample y = softmax((log w + noise) / tau) along the last axis, with zero-weight
// keys kept at exactly 0 (and no NaN in the gradient there). weights: [..., Tk], noise: same shape.
Tensor gumbel_softmax(const Tensor& weights, const Tensor& noise, double tau);

// ---- REINFORCE helpers ----

enum class BaselineKind {
  MovingAverage,  // b = running average of the batch-mean reward: b <- decay b + (1 - decay) mean(R)
  Learned,        // b = w . features + c, fitted to the reward by the MSE term of reinforce_loss
};

struct ReinforceBaselineOptions {
  BaselineKind kind = BaselineKind::MovingAverage;
  double decay = 0.9;        // moving average only, in [0, 1)
  int64_t feature_dim = 0;   // learned only: F, the size of the feature vector per example
  DType dtype = DType::F32;  // learned only: parameter dtype
};

// A variance-reducing baseline for REINFORCE. Use per step:
//   Tensor b = baseline.predict(B, dtype, features);   // before the reward is known to it
//   Tensor loss = reinforce_loss(log_prob, reward, b, entropy, lambda);
//   baseline.observe(reward);                           // moving average: fold this batch in
// The moving average has no parameters; the learned baseline has `weight` [1, F] and `bias` [1], both
// initialised to 0 (so it starts at b = 0), trained through the loss's MSE term by the model's optimizer.
class ReinforceBaseline : public nn::Module {
 public:
  explicit ReinforceBaseline(const ReinforceBaselineOptions& options);

  // The baseline for a batch of `batch` examples -> [batch] in `dtype`.
  //   MovingAverage: the current average everywhere (0 before the first observe), not requiring grad.
  //   Learned: linear(features.detach()) with features [batch, F] in the parameters' dtype (dtype is then
  //     ignored); requires grad, so reinforce_loss adds its MSE. The features are detached so the
  //     baseline's regression does not shape whatever produced them.
  Tensor predict(int64_t batch, DType dtype, const Tensor& features = Tensor()) const;
  // Moving average: b <- decay b + (1 - decay) mean(reward) (b = mean(reward) on the first call).
  // Learned: nothing. reward: [B].
  void observe(const Tensor& reward);

  double average() const { return average_; }  // moving-average state (for checkpoints)
  void set_average(double value, int64_t observed);
  int64_t observed() const { return observed_; }
  const ReinforceBaselineOptions& options() const { return options_; }

 private:
  ReinforceBaselineOptions options_;
  Tensor weight_, bias_;
  double average_ = 0;
  int64_t observed_ = 0;
};

// The REINFORCE surrogate loss, whose gradient is the score-function estimate of -grad E[R]:
//   loss = -mean_b( stop_gradient(R_b - b_b) * sum_{other axes} log_prob[b, ...] )
//          - entropy_weight * mean(entropy)                  (mean over every element of entropy)
//          + mean_b( (b_b - stop_gradient(R_b))^2 )          (only when baseline requires grad: learned)
// log_prob: [B, ...] (e.g. [B, Tq], or [B, steps, Tq] for several glimpses) log-probabilities of the
// sampled actions; reward: [B]; baseline: [B] or undefined (b = 0); entropy: any shape or undefined
// (required when entropy_weight != 0). One float dtype. Returns a scalar [].
Tensor reinforce_loss(const Tensor& log_prob, const Tensor& reward, const Tensor& baseline, const Tensor& entropy,
                      double entropy_weight);

}  // namespace attend::attention
