// The one attention interface: every mechanism maps (queries, keys, values, masks) to a context and, on
// request, the weights it used. Tensors are batch-major:
//   query  [B, Tq, Dq]   keys [B, Tk, Dk]   values [B, Tk, Dv]   key_mask [B, Tk] (1 = real key, 0 = padding)
//   -> context [B, Tq, Dv], weights [B, Tq, Tk]
// A masked key gets exactly zero weight; a query whose keys are all masked gets weight 0 everywhere and a zero
// context (never NaN). Mechanisms are built from an AttentionConfig (C++ or JSON, so model configs can name them).
#pragma once
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "nn/module.h"
#include "tensor/dtype.h"
#include "tensor/rng.h"
#include "tensor/tensor.h"

namespace attend::attention {

// How a query is compared with each key.
enum class Score {
  Dot,        // q . k
  ScaledDot,  // q . k / sqrt(d)
  General,    // q W k (Luong "general", bilinear)
  Additive,   // v^T tanh(W_q q + W_k k) (Bahdanau "concat"; the seeds' m_i = tanh(W_c c + W_y y_i), s = softmax(w.m))
  Location,   // softmax(W_a q) over positions, from the query alone (Luong "location")
  Cosine,     // cos(q, k) * exp(learned log-temperature)
};

// How scores become weights.
enum class Normalizer { Softmax, Sparsemax };

// Which keys a query may look at (Luong 2015).
enum class Window {
  Global,            // every (unmasked) key
  LocalMonotonic,    // local-m: keys in [p - D, p + D] with p = the query's position (aligned monotonically)
  LocalPredictive,   // local-p: p = S * sigmoid(v^T tanh(W q)), weights times exp(-(s - p)^2 / (2 (D/2)^2))
};

// Soft (expected context, differentiable) or hard (one key sampled from the weights, trained with REINFORCE
// or Gumbel-softmax straight-through; argmax at inference).
enum class Selection { Soft, HardReinforce, HardGumbel };

struct AttentionConfig {
  Score score = Score::ScaledDot;
  Normalizer normalizer = Normalizer::Softmax;
  Window window = Window::Global;
  Selection selection = Selection::Soft;
  int64_t query_dim = 0;
  int64_t key_dim = 0;
  int64_t hidden_dim = 0;        // additive: size of tanh layer; local-p: size of the position predictor
  int64_t max_keys = 0;          // location score: number of positions W_a scores (longer inputs are an error)
  int64_t window_radius = 0;     // D for local windows
  bool location_aware = false;   // Chorowski: add conv(previous weights) to the score
  int64_t location_channels = 8; // conv filters over the previous weights
  int64_t location_width = 15;   // conv width (odd)
  double temperature_init = 10.0;  // cosine: initial exp(log-temperature)
  double gumbel_tau = 1.0;       // HardGumbel temperature

  nlohmann::json to_json() const;
  // Names: "dot", "scaled_dot", "general", "additive", "location", "cosine"; unknown keys/values are errors.
  static AttentionConfig from_json(const nlohmann::json& j);
};

struct AttentionInputs {
  Tensor query;         // [B, Tq, Dq]
  Tensor keys;          // [B, Tk, Dk]
  Tensor values;        // [B, Tk, Dv]
  Tensor key_mask;      // [B, Tk] float 1/0, or undefined (all keys real)
  bool causal = false;  // query i sees keys j <= i + (Tk - Tq)
  Tensor query_positions;  // [B, Tq] float: position of each query (local-m centre); undefined = 0..Tq-1
  Tensor prev_weights;     // [B, Tq, Tk]: last step's weights (location-aware); undefined = uniform start
  // Optional: Attention::prepare_keys(keys) from an earlier call with the same keys and mechanism (a decoder
  // attending to one encoder output step after step), so the per-key work (W_k k, ...) is done once.
  Tensor prepared_keys;
};

struct AttentionResult {
  Tensor context;  // [B, Tq, Dv]
  Tensor weights;  // [B, Tq, Tk] (always filled; cheap since scores exist anyway)
  // Hard attention only: log-probability of the sampled key per query [B, Tq] and the entropy of the weights
  // [B, Tq], for the REINFORCE surrogate loss (see attention/hard.h).
  Tensor log_prob;
  Tensor entropy;
};

class Attention : public nn::Module {
 public:
  virtual AttentionResult forward(const AttentionInputs& in, Rng& rng) const = 0;
  virtual const AttentionConfig& config() const = 0;
  // keys [B, Tk, Dk] -> the mechanism's per-key representation, for AttentionInputs::prepared_keys.
  virtual Tensor prepare_keys(const Tensor& keys) const { return keys; }
};

// Builds the mechanism a config describes (parameters initialised from rng).
std::unique_ptr<Attention> make_attention(const AttentionConfig& config, Rng& rng);
// The same with parameters in `dtype` (float64 for gradient checks); drawn from rng exactly as above.
std::unique_ptr<Attention> make_attention(const AttentionConfig& config, Rng& rng, DType dtype);

// The JSON names of the enums ("scaled_dot", "local_p", ...).
const char* score_name(Score s);
const char* normalizer_name(Normalizer n);
const char* window_name(Window w);
const char* selection_name(Selection s);

}  // namespace attend::attention
