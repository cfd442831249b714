// Score functions: how a query is compared with each key, as modules that hold their parameters.
//   query [B, Tq, Dq], keys [B, Tk, Dk] -> scores [B, Tq, Tk]
// Each score splits into prepare_keys (the part that depends on the keys alone: W_k k for additive, unit
// keys for cosine), computed once per key set, and scores (per query). Location-aware attention
// (Chorowski et al. 2015) adds features f [B, Tq|1, Tk, C] = conv(previous weights):
//   additive:        v^T tanh(W_q q + W_k k + U f)   (Chorowski's form: U f inside the tanh)
//   every other one: score + u^T f                    (a learned linear of f added to the score; our choice,
//                                                      since those scores have no hidden layer to add it to)
#pragma once
#include <memory>

#include "attention/attention.h"
#include "attention/dense.h"

namespace attend::attention {

class ScoreFunction : public nn::Module {
 public:
  // keys [B, Tk, Dk] -> the score's per-key representation [B, Tk, *].
  virtual Tensor prepare_keys(const Tensor& keys) const { return keys; }
  // query [B, Tq, Dq], prepared keys [B, Tk, *], location features [B, Tq|1, Tk, C] or undefined
  // -> scores [B, Tq, Tk].
  virtual Tensor scores(const Tensor& query, const Tensor& prepared_keys, const Tensor& location) const = 0;

 protected:
  // Registers the projection of location features (to `out` per position) when the config asks for them.
  void init_location(const AttentionConfig& c, int64_t out, Rng& rng, DType dtype);
  // [B, Tq|1, Tk, C] -> [B, Tq|1, Tk, out]; undefined when location-awareness is off or f is undefined.
  Tensor project_location(const Tensor& location) const;
  // scores + u^T f (the non-additive form), or scores unchanged when there is no location term.
  Tensor add_location_term(const Tensor& scores, const Tensor& location) const;

 private:
  std::unique_ptr<Dense> location_proj_;
};

// q . k
class DotScore : public ScoreFunction {
 public:
  DotScore(const AttentionConfig& c, Rng& rng, DType dtype, bool scaled);
  Tensor scores(const Tensor& query, const Tensor& keys, const Tensor& location) const override;

 private:
  bool scaled_;  // divide by sqrt(Dk)
};

// q W k: W [Dk, Dq] maps the query into key space ("query_proj.weight"), then a dot product.
class GeneralScore : public ScoreFunction {
 public:
  GeneralScore(const AttentionConfig& c, Rng& rng, DType dtype);
  Tensor scores(const Tensor& query, const Tensor& keys, const Tensor& location) const override;
  const Dense& query_proj() const { return query_proj_; }

 private:
  Dense query_proj_;
};

// v^T tanh(W_q q + b + W_k k): query_proj [H, Dq] with bias, key_proj [H, Dk], v [1, H].
class AdditiveScore : public ScoreFunction {
 public:
  AdditiveScore(const AttentionConfig& c, Rng& rng, DType dtype);
  Tensor prepare_keys(const Tensor& keys) const override;  // W_k k: [B, Tk, H]
  Tensor scores(const Tensor& query, const Tensor& projected_keys, const Tensor& location) const override;
  const Dense& query_proj() const { return query_proj_; }
  const Dense& key_proj() const { return key_proj_; }
  const Dense& v() const { return v_; }

 private:
  Dense query_proj_, key_proj_, v_;
};

// Luong's location score: W_a q [max_keys, Dq] scores positions 0..max_keys-1 from the query alone;
// the first Tk rows are used (Tk > max_keys is an error). Keys only give Tk.
class LocationScore : public ScoreFunction {
 public:
  LocationScore(const AttentionConfig& c, Rng& rng, DType dtype);
  Tensor scores(const Tensor& query, const Tensor& keys, const Tensor& location) const override;
  const Dense& position_proj() const { return position_proj_; }

 private:
  Dense position_proj_;
};

// cos(q, k) * exp(log_temperature), log_temperature learned (initialised to log(temperature_init)).
class CosineScore : public ScoreFunction {
 public:
  CosineScore(const AttentionConfig& c, Rng& rng, DType dtype);
  Tensor prepare_keys(const Tensor& keys) const override;  // unit-length keys
  Tensor scores(const Tensor& query, const Tensor& unit_keys, const Tensor& location) const override;
  const Tensor& log_temperature() const { return log_temperature_; }

 private:
  Tensor log_temperature_;  // [1]
};

// The score function a config names, its parameters in `dtype`.
std::unique_ptr<ScoreFunction> make_score(const AttentionConfig& c, Rng& rng, DType dtype = DType::F32);

// Chorowski's convolution over the previous weights: filters [C, K] ("weight"), no bias.
class LocationFeatures : public nn::Module {
 public:
  LocationFeatures(const AttentionConfig& c, Rng& rng, DType dtype);
  // previous weights [B, Tq|1, Tk] -> features [B, Tq|1, Tk, C]
  Tensor forward(const Tensor& prev_weights) const;
  const Tensor& weight() const { return weight_; }

 private:
  Tensor weight_;
};

}  // namespace attend::attention
