// Score functions composed from autograd ops, and the location-aware convolution.
#include "attention/scores.h"

#include <cmath>

#include "autograd/ops.h"
#include "autograd/ops/conv1d.h"

namespace attend::attention {

namespace {

void check_same_dim(const char* score, const Tensor& query, const Tensor& keys) {
  ATTEND_CHECK(query.size(-1) == keys.size(-1),
               "attention {} score: query and key sizes differ: query {} vs keys {} (use 'general' or 'additive' "
               "for different sizes)",
               score, query.shape(), keys.shape());
}

// q . k^T: [B, Tq, D] x [B, Tk, D] -> [B, Tq, Tk]
Tensor dot_scores(const Tensor& query, const Tensor& keys) { return matmul(query, keys, false, true); }

// x / sqrt(sum(x^2) + eps) along the last axis; eps keeps a zero vector at zero instead of NaN.
Tensor unit_rows(const Tensor& x) {
  constexpr double kEps = 1e-12;
  return div(x, sqrt(add(sum(mul(x, x), -1, true), kEps)));
}

}  // namespace

void ScoreFunction::init_location(const AttentionConfig& c, int64_t out, Rng& rng, DType dtype) {
  if (!c.location_aware) return;
  location_proj_ = std::make_unique<Dense>(c.location_channels, out, rng, false, dtype);
  register_module("location_proj", location_proj_.get());
}

Tensor ScoreFunction::project_location(const Tensor& location) const {
  if (!location_proj_ || !location.defined()) return Tensor();
  return location_proj_->forward(location);
}

Tensor ScoreFunction::add_location_term(const Tensor& scores, const Tensor& location) const {
  const Tensor term = project_location(location);  // [B, Tq|1, Tk, 1]
  return term.defined() ? add(scores, squeeze(term, -1)) : scores;
}

DotScore::DotScore(const AttentionConfig& c, Rng& rng, DType dtype, bool scaled) : scaled_(scaled) {
  init_location(c, 1, rng, dtype);
}

Tensor DotScore::scores(const Tensor& query, const Tensor& keys, const Tensor& location) const {
  check_same_dim(scaled_ ? "scaled_dot" : "dot", query, keys);
  Tensor s;
  if (!scaled_) {
    s = dot_scores(query, keys);
  } else {
    // q.k / sqrt(d): scale whichever of the query [B, Tq, D] and the scores [B, Tq, Tk] is smaller.
    const double scale = 1.0 / std::sqrt(static_cast<double>(std::max<int64_t>(keys.size(-1), 1)));
    s = query.size(-1) <= keys.size(1) ? dot_scores(mul(query, scale), keys) : mul(dot_scores(query, keys), scale);
  }
  return add_location_term(s, location);
}

GeneralScore::GeneralScore(const AttentionConfig& c, Rng& rng, DType dtype)
    : query_proj_(c.query_dim, c.key_dim, rng, false, dtype) {
  register_module("query_proj", &query_proj_);
  init_location(c, 1, rng, dtype);
}

Tensor GeneralScore::scores(const Tensor& query, const Tensor& keys, const Tensor& location) const {
  ATTEND_CHECK(keys.size(-1) == query_proj_.weight().size(0),
               "attention general score: keys {} do not have the configured key size {}", keys.shape(),
               query_proj_.weight().size(0));
  // (q W^T) . k: the query side is projected (Tq rows), so keys need no per-call work.
  return add_location_term(dot_scores(query_proj_.forward(query), keys), location);
}

AdditiveScore::AdditiveScore(const AttentionConfig& c, Rng& rng, DType dtype)
    : query_proj_(c.query_dim, c.hidden_dim, rng, true, dtype),
      key_proj_(c.key_dim, c.hidden_dim, rng, false, dtype),
      v_(c.hidden_dim, 1, rng, false, dtype) {
  register_module("query_proj", &query_proj_);
  register_module("key_proj", &key_proj_);
  register_module("v", &v_);
  init_location(c, c.hidden_dim, rng, dtype);
}

Tensor AdditiveScore::prepare_keys(const Tensor& keys) const {
  ATTEND_CHECK(keys.ndim() == 3 && keys.size(-1) == key_proj_.weight().size(1),
               "attention additive score: keys {} do not have the configured key size {}", keys.shape(),
               key_proj_.weight().size(1));
  return key_proj_.forward(keys);
}

Tensor AdditiveScore::scores(const Tensor& query, const Tensor& projected_keys, const Tensor& location) const {
  ATTEND_CHECK(projected_keys.ndim() == 3 && projected_keys.size(-1) == v_.weight().size(1),
               "attention additive score: prepared keys {} are not W_k k with hidden size {}", projected_keys.shape(),
               v_.weight().size(1));
  const Tensor wq = query_proj_.forward(query);  // [B, Tq, H]
  Tensor uf = project_location(location);        // [B, Tq|1, Tk, H]
  if (uf.defined() && uf.size(1) != wq.size(1))  // one set of location features for every query
    uf = add(uf, Tensor::zeros({uf.size(0), wq.size(1), uf.size(2), uf.size(3)}, uf.dtype()));
  // One fused op (kernels/additive_score): the [B, Tq, Tk, H] sum and tanh are never stored.
  return additive_score(wq, projected_keys, uf, reshape(v_.weight(), Shape{v_.weight().size(1)}));  // [B, Tq, Tk]
}

LocationScore::LocationScore(const AttentionConfig& c, Rng& rng, DType dtype)
    : position_proj_(c.query_dim, c.max_keys, rng, false, dtype) {
  register_module("position_proj", &position_proj_);
  init_location(c, 1, rng, dtype);
}

Tensor LocationScore::scores(const Tensor& query, const Tensor& keys, const Tensor& location) const {
  const int64_t tk = keys.size(1), max_keys = position_proj_.weight().size(0);
  ATTEND_CHECK(tk <= max_keys,
               "attention location score: {} keys (keys {}) but the score was built for at most max_keys = {}", tk,
               keys.shape(), max_keys);
  // Only the first Tk rows of W_a are multiplied: a view, no copy.
  const Tensor w = slice(position_proj_.weight(), 0, 0, tk);  // [Tk, Dq]
  return add_location_term(linear(query, w, Tensor()), location);
}

CosineScore::CosineScore(const AttentionConfig& c, Rng& rng, DType dtype) {
  ATTEND_CHECK(c.temperature_init > 0, "attention cosine score: temperature_init must be > 0, got {}",
               c.temperature_init);
  log_temperature_ = register_parameter("log_temperature", Tensor::full({1}, std::log(c.temperature_init), dtype));
  init_location(c, 1, rng, dtype);
}

Tensor CosineScore::prepare_keys(const Tensor& keys) const { return unit_rows(keys); }

Tensor CosineScore::scores(const Tensor& query, const Tensor& unit_keys, const Tensor& location) const {
  check_same_dim("cosine", query, unit_keys);
  return add_location_term(mul(dot_scores(unit_rows(query), unit_keys), exp(log_temperature_)), location);
}

std::unique_ptr<ScoreFunction> make_score(const AttentionConfig& c, Rng& rng, DType dtype) {
  auto need = [&](int64_t v, const char* field) {
    ATTEND_CHECK(v > 0, "attention: score '{}' needs {} > 0, got {}", score_name(c.score), field, v);
  };
  switch (c.score) {
    case Score::Dot: return std::make_unique<DotScore>(c, rng, dtype, false);
    case Score::ScaledDot: return std::make_unique<DotScore>(c, rng, dtype, true);
    case Score::General:
      need(c.query_dim, "query_dim");
      need(c.key_dim, "key_dim");
      return std::make_unique<GeneralScore>(c, rng, dtype);
    case Score::Additive:
      need(c.query_dim, "query_dim");
      need(c.key_dim, "key_dim");
      need(c.hidden_dim, "hidden_dim");
      return std::make_unique<AdditiveScore>(c, rng, dtype);
    case Score::Location:
      need(c.query_dim, "query_dim");
      need(c.max_keys, "max_keys");
      return std::make_unique<LocationScore>(c, rng, dtype);
    case Score::Cosine: return std::make_unique<CosineScore>(c, rng, dtype);
  }
  ATTEND_FAIL("attention: unknown score {}", static_cast<int>(c.score));
}

LocationFeatures::LocationFeatures(const AttentionConfig& c, Rng& rng, DType dtype) {
  ATTEND_CHECK(c.location_channels > 0, "attention: location_channels must be > 0, got {}", c.location_channels);
  ATTEND_CHECK(c.location_width > 0 && c.location_width % 2 == 1,
               "attention: location_width must be odd and > 0, got {}", c.location_width);
  // PyTorch Conv1d init: uniform(+-1/sqrt(in_channels * width)).
  const double bound = 1.0 / std::sqrt(static_cast<double>(c.location_width));
  weight_ = register_parameter("weight", uniform_parameter({c.location_channels, c.location_width}, bound, rng, dtype));
}

Tensor LocationFeatures::forward(const Tensor& prev_weights) const { return conv1d_same(prev_weights, weight_); }

}  // namespace attend::attention
