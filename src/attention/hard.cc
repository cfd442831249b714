// Hard attention selection (REINFORCE sampling, Gumbel-softmax straight-through, argmax), the REINFORCE
// baselines and the surrogate loss. Sampling runs on the host over a double copy of the weights; every
// differentiable quantity is composed from ops.
#include "attention/hard.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "autograd/ops.h"
#include "autograd/ops/straight_through.h"

namespace attend::attention {
namespace {

constexpr int64_t kNothing = -1;  // a fully masked query selects nothing

// The first key with the largest positive weight, or kNothing.
int64_t argmax_positive(const double* w, int64_t n) {
  int64_t best = kNothing;
  for (int64_t k = 0; k < n; ++k)
    if (w[k] > 0 && (best == kNothing || w[k] > w[best])) best = k;
  return best;
}

// A key drawn with probability w_k / sum(w) (keys with w_k <= 0 are never drawn), or kNothing without
// drawing when no weight is positive.
int64_t sample_categorical(const double* w, int64_t n, Rng& rng) {
  double total = 0;
  int64_t last = kNothing;
  for (int64_t k = 0; k < n; ++k)
    if (w[k] > 0) {
      total += w[k];
      last = k;
    }
  if (last == kNothing) return kNothing;
  const double u = rng.uniform() * total;
  double cumulative = 0;
  for (int64_t k = 0; k < n; ++k)
    if (w[k] > 0) {
      cumulative += w[k];
      if (u < cumulative) return k;
    }
  return last;  // u landed on the rounding gap at the top
}

// [rows, n] one-hot rows (all zero for kNothing) in `shape` and `dtype`.
Tensor one_hot(const std::vector<int64_t>& picks, const Shape& shape, DType dtype) {
  Tensor t = Tensor::zeros(shape, dtype);
  const int64_t n = shape[shape.ndim() - 1];
  dispatch_float(dtype, "hard_select", [&]<class T>() {
    T* p = t.data<T>();
    for (size_t r = 0; r < picks.size(); ++r)
      if (picks[r] != kNothing) p[static_cast<int64_t>(r) * n + picks[r]] = T(1);
  });
  return t;
}

}  // namespace

Tensor gumbel_noise(const Shape& shape, DType dtype, Rng& rng) {
  Tensor g = Tensor::empty(shape, dtype);
  dispatch_float(dtype, "gumbel_noise", [&]<class T>() {
    T* p = g.data<T>();
    for (int64_t i = 0, n = g.numel(); i < n; ++i) {
      const double u = std::max(rng.uniform(), 1e-300);  // u = 0 would give -log(inf)
      p[i] = static_cast<T>(-std::log(-std::log(u)));
    }
  });
  return g;
}

Tensor gumbel_softmax(const Tensor& weights, const Tensor& noise, double tau) {
  ATTEND_CHECK(weights.defined() && noise.defined() && weights.ndim() >= 1,
               "gumbel_softmax: needs weights [..., Tk] and noise of the same shape");
  ATTEND_CHECK(weights.shape() == noise.shape(), "gumbel_softmax: weights {} and noise {} differ in shape",
               weights.shape(), noise.shape());
  ATTEND_CHECK(weights.dtype() == noise.dtype(), "gumbel_softmax: weights are {} but noise is {}",
               dtype_name(weights.dtype()), dtype_name(noise.dtype()));
  ATTEND_CHECK(tau > 0 && std::isfinite(tau), "gumbel_softmax: tau must be positive and finite, got {}", tau);
  // Zero-weight keys: log(w + 1) = 0 keeps log's gradient finite there (it is multiplied by softmax's 0),
  // and the -inf offset makes their sample exactly 0.
  Tensor zero_indicator = Tensor::empty(weights.shape(), weights.dtype());
  Tensor offset = Tensor::empty(weights.shape(), weights.dtype());
  const Tensor w = weights.copy(), g = noise.copy();  // contiguous, no autograd
  dispatch_float(weights.dtype(), "gumbel_softmax", [&]<class T>() {
    const T* wp = w.data<T>();
    const T* gp = g.data<T>();
    T* zp = zero_indicator.data<T>();
    T* op = offset.data<T>();
    for (int64_t i = 0, n = w.numel(); i < n; ++i) {
      const bool zero = !(wp[i] > T(0));
      zp[i] = zero ? T(1) : T(0);
      op[i] = zero ? -std::numeric_limits<T>::infinity() : gp[i];
    }
  });
  return softmax((log(weights + zero_indicator) + offset) / tau, -1);
}

AttentionResult hard_select(const Tensor& weights, const Tensor& values, Selection sel, double gumbel_tau,
                            bool training, Rng& rng) {
  ATTEND_CHECK(sel != Selection::Soft, "hard_select: selection must be hard_reinforce or hard_gumbel, got soft");
  ATTEND_CHECK(weights.defined() && weights.ndim() == 3, "hard_select: weights must be [B, Tq, Tk], got {}",
               weights.defined() ? weights.shape() : Shape{});
  ATTEND_CHECK(values.defined() && values.ndim() == 3, "hard_select: values must be [B, Tk, Dv], got {}",
               values.defined() ? values.shape() : Shape{});
  const int64_t B = weights.size(0), Tq = weights.size(1), Tk = weights.size(2);
  ATTEND_CHECK(values.size(0) == B && values.size(1) == Tk,
               "hard_select: weights {} and values {} disagree (want values [B={}, Tk={}, Dv])", weights.shape(),
               values.shape(), B, Tk);
  ATTEND_CHECK(is_floating(weights.dtype()) && weights.dtype() == values.dtype(),
               "hard_select: weights ({}) and values ({}) must share one float dtype", dtype_name(weights.dtype()),
               dtype_name(values.dtype()));
  ATTEND_CHECK(sel != Selection::HardGumbel || (gumbel_tau > 0 && std::isfinite(gumbel_tau)),
               "hard_select ({}): gumbel_tau must be positive, got {}", selection_name(sel), gumbel_tau);

  const std::vector<double> w = weights.to_vector<double>();
  std::vector<int64_t> picks(static_cast<size_t>(B * Tq), kNothing);
  Tensor selection;  // [B, Tq, Tk]: one-hot, straight-through in Gumbel training
  if (training && sel == Selection::HardGumbel) {
    const Tensor noise = gumbel_noise(weights.shape(), weights.dtype(), rng);
    const std::vector<double> g = noise.to_vector<double>();
    // Gumbel-max: argmax(log w + g) is a sample from w, and the argmax of the soft sample too.
    for (int64_t r = 0; r < B * Tq; ++r) {
      int64_t best = kNothing;
      double best_logit = -std::numeric_limits<double>::infinity();
      for (int64_t k = 0; k < Tk; ++k) {
        const size_t i = static_cast<size_t>(r * Tk + k);
        if (!(w[i] > 0)) continue;
        const double logit = std::log(w[i]) + g[i];
        if (best == kNothing || logit > best_logit) best = k, best_logit = logit;
      }
      picks[static_cast<size_t>(r)] = best;
    }
    selection = straight_through(one_hot(picks, weights.shape(), weights.dtype()),
                                 gumbel_softmax(weights, noise, gumbel_tau));
  } else {
    for (int64_t r = 0; r < B * Tq; ++r) {
      const double* wr = w.data() + r * Tk;
      picks[static_cast<size_t>(r)] = training ? sample_categorical(wr, Tk, rng) : argmax_positive(wr, Tk);
    }
    selection = one_hot(picks, weights.shape(), weights.dtype());
  }

  AttentionResult result;
  result.weights = weights;
  result.context = matmul(selection, values);  // [B, Tq, Dv]

  // log_prob = log w[pick]; rows without a pick read w[.., 0] + 1 and are multiplied by 0.
  Tensor index = Tensor::empty({B, Tq, 1}, DType::I64);
  Tensor empty_row = Tensor::empty({B, Tq}, weights.dtype());
  Tensor has_pick = Tensor::empty({B, Tq}, weights.dtype());
  Tensor zero_weight = Tensor::empty(weights.shape(), weights.dtype());  // [B, Tq, Tk]: 1 where w = 0
  dispatch_float(weights.dtype(), "hard_select", [&]<class T>() {
    int64_t* ip = index.data<int64_t>();
    T* ep = empty_row.data<T>();
    T* hp = has_pick.data<T>();
    T* zp = zero_weight.data<T>();
    for (size_t r = 0; r < picks.size(); ++r) {
      const bool none = picks[r] == kNothing;
      ip[r] = none ? 0 : picks[r];
      ep[r] = none ? T(1) : T(0);
      hp[r] = none ? T(0) : T(1);
    }
    for (size_t i = 0; i < w.size(); ++i) zp[i] = w[i] == 0 ? T(1) : T(0);
  });
  const Tensor wc = contiguous(weights);
  const Tensor picked = reshape(gather(wc, 2, index), {B, Tq});
  result.log_prob = log(picked + empty_row) * has_pick;                 // [B, Tq]
  result.entropy = -sum(wc * log(wc + zero_weight), -1);               // [B, Tq], 0 log 0 = 0
  return result;
}

// ---- REINFORCE helpers ----

ReinforceBaseline::ReinforceBaseline(const ReinforceBaselineOptions& options) : options_(options) {
  if (options.kind == BaselineKind::MovingAverage) {
    ATTEND_CHECK(options.decay >= 0 && options.decay < 1, "ReinforceBaseline: decay must be in [0, 1), got {}",
                 options.decay);
    return;
  }
  ATTEND_CHECK(options.feature_dim > 0, "ReinforceBaseline: a learned baseline needs feature_dim > 0, got {}",
               options.feature_dim);
  ATTEND_CHECK(is_floating(options.dtype), "ReinforceBaseline: dtype must be float32 or float64, got {}",
               dtype_name(options.dtype));
  weight_ = register_parameter("weight", Tensor::zeros({1, options.feature_dim}, options.dtype));
  bias_ = register_parameter("bias", Tensor::zeros({1}, options.dtype));
}

Tensor ReinforceBaseline::predict(int64_t batch, DType dtype, const Tensor& features) const {
  ATTEND_CHECK(batch >= 0, "ReinforceBaseline: negative batch {}", batch);
  if (options_.kind == BaselineKind::MovingAverage) return Tensor::full({batch}, average_, dtype);
  ATTEND_CHECK(features.defined() && features.ndim() == 2 && features.size(0) == batch &&
                   features.size(1) == options_.feature_dim,
               "ReinforceBaseline: learned baseline needs features [B={}, F={}], got {}", batch,
               options_.feature_dim, features.defined() ? features.shape() : Shape{});
  ATTEND_CHECK(features.dtype() == options_.dtype, "ReinforceBaseline: features are {} but parameters are {}",
               dtype_name(features.dtype()), dtype_name(options_.dtype));
  return reshape(linear(features.detach(), weight_, bias_), {batch});
}

void ReinforceBaseline::observe(const Tensor& reward) {
  if (options_.kind != BaselineKind::MovingAverage) return;
  ATTEND_CHECK(reward.defined() && reward.ndim() == 1 && reward.numel() > 0,
               "ReinforceBaseline: reward must be a non-empty [B], got {}",
               reward.defined() ? reward.shape() : Shape{});
  double mean_reward = 0;
  for (double r : reward.to_vector<double>()) mean_reward += r;
  mean_reward /= static_cast<double>(reward.numel());
  average_ = observed_ == 0 ? mean_reward : options_.decay * average_ + (1 - options_.decay) * mean_reward;
  ++observed_;
}

void ReinforceBaseline::set_average(double value, int64_t observed) {
  ATTEND_CHECK(std::isfinite(value) && observed >= 0, "ReinforceBaseline: bad state average={} observed={}", value,
               observed);
  average_ = value;
  observed_ = observed;
}

Tensor reinforce_loss(const Tensor& log_prob, const Tensor& reward, const Tensor& baseline, const Tensor& entropy,
                      double entropy_weight) {
  ATTEND_CHECK(log_prob.defined() && log_prob.ndim() >= 1, "reinforce_loss: log_prob must be [B, ...], got {}",
               log_prob.defined() ? log_prob.shape() : Shape{});
  const int64_t B = log_prob.size(0);
  ATTEND_CHECK(reward.defined() && reward.shape() == Shape{B}, "reinforce_loss: reward must be [B={}], got {}", B,
               reward.defined() ? reward.shape() : Shape{});
  ATTEND_CHECK(!baseline.defined() || baseline.shape() == Shape{B},
               "reinforce_loss: baseline must be [B={}] or undefined, got {}", B, baseline.shape());
  ATTEND_CHECK(reward.dtype() == log_prob.dtype() && (!baseline.defined() || baseline.dtype() == log_prob.dtype()),
               "reinforce_loss: log_prob, reward and baseline must share one dtype");
  ATTEND_CHECK(entropy_weight == 0 || entropy.defined(), "reinforce_loss: entropy_weight {} needs the entropy",
               entropy_weight);

  std::vector<int> other_axes;
  for (int a = 1; a < log_prob.ndim(); ++a) other_axes.push_back(a);
  const Tensor log_prob_sum = other_axes.empty() ? log_prob : sum(log_prob, std::span<const int>(other_axes));
  const Tensor advantage = baseline.defined() ? reward.detach() - baseline.detach() : reward.detach();  // [B]
  Tensor loss = -mean(advantage * log_prob_sum);
  if (entropy_weight != 0) loss = loss - entropy_weight * mean(entropy);
  if (baseline.defined() && baseline.requires_grad()) {
    const Tensor error = baseline - reward.detach();
    loss = loss + mean(error * error);
  }
  return loss;
}

}  // namespace attend::attention
