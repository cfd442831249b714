// SoftAttention and the normaliser step.
#include "attention/soft.h"

#include "attention/hard.h"
#include "autograd/ops/sparsemax.h"

#include "autograd/ops.h"

namespace attend::attention {

namespace {

// Shape checks shared by every path; returns false for empty inputs (B, Tq or Tk = 0).
bool check_inputs(const AttentionInputs& in, const AttentionConfig& c) {
  ATTEND_CHECK(in.query.defined() && in.keys.defined() && in.values.defined(),
               "attention: query, keys and values must all be given");
  ATTEND_CHECK(in.query.ndim() == 3 && in.keys.ndim() == 3 && in.values.ndim() == 3,
               "attention: expected query [B, Tq, Dq], keys [B, Tk, Dk], values [B, Tk, Dv], got {}, {}, {}",
               in.query.shape(), in.keys.shape(), in.values.shape());
  const int64_t b = in.query.size(0), tq = in.query.size(1), tk = in.keys.size(1);
  ATTEND_CHECK(in.keys.size(0) == b && in.values.size(0) == b,
               "attention: batch sizes differ: query {}, keys {}, values {}", in.query.shape(), in.keys.shape(),
               in.values.shape());
  ATTEND_CHECK(in.values.size(1) == tk, "attention: values {} and keys {} differ in length", in.values.shape(),
               in.keys.shape());
  ATTEND_CHECK(c.query_dim <= 0 || in.query.size(2) == c.query_dim,
               "attention: query {} does not have the configured query_dim {}", in.query.shape(), c.query_dim);
  ATTEND_CHECK(c.key_dim <= 0 || in.keys.size(2) == c.key_dim,
               "attention: keys {} do not have the configured key_dim {}", in.keys.shape(), c.key_dim);
  ATTEND_CHECK(in.query.dtype() == in.keys.dtype() && in.keys.dtype() == in.values.dtype(),
               "attention: dtypes differ: query {}, keys {}, values {}", dtype_name(in.query.dtype()),
               dtype_name(in.keys.dtype()), dtype_name(in.values.dtype()));
  if (in.key_mask.defined())
    ATTEND_CHECK(in.key_mask.ndim() == 2 && in.key_mask.size(0) == b && in.key_mask.size(1) == tk,
                 "attention: key_mask {} does not match keys {}: expected [B, Tk] = [{}, {}]", in.key_mask.shape(),
                 in.keys.shape(), b, tk);
  if (in.prev_weights.defined())
    ATTEND_CHECK(in.prev_weights.ndim() == 3 && in.prev_weights.size(0) == b &&
                     (in.prev_weights.size(1) == tq || in.prev_weights.size(1) == 1) && in.prev_weights.size(2) == tk,
                 "attention: prev_weights {} does not match [B, Tq, Tk] = [{}, {}, {}]", in.prev_weights.shape(), b,
                 tq, tk);
  return b > 0 && tq > 0 && tk > 0;
}

// The previous weights for location-aware scores: given ones, or uniform over each row's real keys
// ([B, 1, Tk], or [1, 1, Tk] without a key mask).
Tensor previous_weights(const AttentionInputs& in, DType dtype) {
  if (in.prev_weights.defined()) return in.prev_weights;
  const int64_t b = in.keys.size(0), tk = in.keys.size(1);
  if (!in.key_mask.defined()) return Tensor::full({1, 1, tk}, 1.0 / static_cast<double>(tk), dtype);
  const Tensor counts = key_counts(in.key_mask, b, tk, DType::F64);
  const Tensor mask = in.key_mask.copy(DType::F64);
  Tensor w = Tensor::empty({b, 1, tk}, dtype);
  dispatch_float(dtype, "attention prev_weights", [&]<class T>() {
    const double* m = mask.data<double>();
    const double* n = counts.data<double>();
    T* out = w.data<T>();
    for (int64_t i = 0; i < b; ++i)
      for (int64_t j = 0; j < tk; ++j)
        out[i * tk + j] = static_cast<T>(n[i] > 0 && m[i * tk + j] != 0.0 ? 1.0 / n[i] : 0.0);
  });
  return w;
}

}  // namespace

SoftAttention::SoftAttention(const AttentionConfig& config, Rng& rng, DType dtype) : config_(config), dtype_(dtype) {
  ATTEND_CHECK(is_floating(dtype), "attention: parameters must be float, got {}", dtype_name(dtype));
  score_ = make_score(config, rng, dtype);
  register_module("score", score_.get());
  if (config.location_aware) {
    location_ = std::make_unique<LocationFeatures>(config, rng, dtype);
    register_module("location", location_.get());
  }
  ATTEND_CHECK(config.window_radius >= 0, "attention: window_radius must be >= 0, got {}", config.window_radius);
  if (config.window == Window::LocalPredictive) {
    ATTEND_CHECK(config.query_dim > 0 && config.hidden_dim > 0,
                 "attention: window 'local_p' needs query_dim > 0 and hidden_dim > 0, got {} and {}",
                 config.query_dim, config.hidden_dim);
    ATTEND_CHECK(config.window_radius >= 1,
                 "attention: window 'local_p' needs window_radius >= 1 (sigma = D/2 must be positive), got {}",
                 config.window_radius);
    predictor_ = std::make_unique<PositionPredictor>(config.query_dim, config.hidden_dim, rng, dtype);
    register_module("position", predictor_.get());
  }
  has_parameters_ = parameter_count() > 0;
}

Tensor SoftAttention::weights(const AttentionInputs& in) const {
  const bool non_empty = check_inputs(in, config_);
  const int64_t b = in.query.size(0), tq = in.query.size(1), tk = in.keys.size(1);
  const DType dtype = in.query.dtype();
  if (!non_empty) return Tensor::zeros({b, tq, tk}, dtype);
  ATTEND_CHECK(!has_parameters_ || dtype == dtype_,
               "attention: inputs are {} but the mechanism's parameters are {} (see make_attention's dtype)",
               dtype_name(dtype), dtype_name(dtype_));

  const Tensor keys = in.prepared_keys.defined() ? in.prepared_keys : score_->prepare_keys(in.keys);
  ATTEND_CHECK(keys.ndim() == 3 && keys.size(0) == b && keys.size(1) == tk,
               "attention: prepared_keys {} do not match keys {}", keys.shape(), in.keys.shape());
  const Tensor features = location_ ? location_->forward(previous_weights(in, dtype)) : Tensor();
  const Tensor scores = score_->scores(in.query, keys, features);  // [B, Tq, Tk]

  MaskedSoftmaxOptions masks;
  masks.key_mask = in.key_mask;
  masks.causal = in.causal;
  masks.window_radius = config_.window_radius;
  Tensor centres;  // local-p: predicted p_t [B, Tq], differentiable
  switch (config_.window) {
    case Window::Global: break;
    case Window::LocalMonotonic: masks.window_centres = monotonic_centres(in.query_positions, b, tq, dtype); break;
    case Window::LocalPredictive:
      centres = predictor_->forward(in.query, key_counts(in.key_mask, b, tk, dtype));
      masks.window_centres = centres.detach();  // the hard window uses round(p_t); the Gaussian carries the gradient
      break;
  }
  Tensor w = normalise_scores(config_.normalizer, scores, masks);
  if (centres.defined()) w = mul(w, gaussian_window(centres, tk, config_.window_radius));
  return w;
}

AttentionResult SoftAttention::forward(const AttentionInputs& in, Rng& rng) const {
  AttentionResult r;
  if (!check_inputs(in, config_)) {
    const int64_t b = in.query.size(0), tq = in.query.size(1), tk = in.keys.size(1);
    r.context = Tensor::zeros({b, tq, in.values.size(2)}, in.values.dtype());
    r.weights = Tensor::zeros({b, tq, tk}, in.query.dtype());
    return r;
  }
  if (config_.selection != Selection::Soft) {
    // Hard: one key per query drawn from the weights (argmax at inference); see attention/hard.h.
    return hard_select(weights(in), in.values, config_.selection, config_.gumbel_tau, training(), rng);
  }
  r.weights = weights(in);
  r.context = matmul(r.weights, in.values);  // [B, Tq, Tk] x [B, Tk, Dv] -> [B, Tq, Dv]
  return r;
}

Tensor normalise_scores(Normalizer normalizer, const Tensor& scores, const MaskedSoftmaxOptions& masks) {
  switch (normalizer) {
    case Normalizer::Softmax: return masked_softmax(scores, masks);
    case Normalizer::Sparsemax:
      return normalise_with_masks(scores, masks, [](const Tensor& s) { return sparsemax(s, -1); });
  }
  ATTEND_FAIL("attention: unknown normalizer {}", static_cast<int>(normalizer));
}

Tensor normalise_with_masks(const Tensor& scores, const MaskedSoftmaxOptions& masks,
                            Tensor (*normaliser)(const Tensor& scores)) {
  const Tensor allowed = masked_softmax_allowed(scores.shape(), scores.dtype(), masks);  // 1 / 0, constant
  Tensor z = masks.scale == 1.0 ? scores : mul(scores, masks.scale);
  if (masks.additive_mask.defined()) z = add(z, masks.additive_mask);
  z = add(z, mul(sub(allowed, 1.0), 1e9));  // a constant: -1e9 at disallowed keys
  return mul(normaliser(z), allowed);
}

}  // namespace attend::attention
