// Hierarchical attention (Yang et al. 2016, "Hierarchical Attention Networks"), usable as a summary of very
// long inputs: the sequence is cut into chunks of C positions; each chunk is summarised by attention with a
// learned query (additive score u^T tanh(W x + b), masked); with `levels` > 2 the chunk summaries are cut into
// chunks of C again and summarised the same way; the top level attends over the last summaries with a given
// query (additive: v^T tanh(W_k s + b + W_q q)) or, without one, a learned query (v^T tanh(W_k s + b)).
// The path from any position to the context has `levels` attention steps, and memory is O(N D) (no N x N):
// with C ~ N^(1/levels) every step is short.
//   inputs [B, N, D], key_mask [B, N] (1 = real) -> context [B, Tq, D] and weights:
//   chunk weights of level l:  [B, M_{l+1}, C]  (M_0 = N, M_{l+1} = ceil(M_l / C))
//   top weights:               [B, Tq, M_{levels-1}]
//   effective weights:         [B, Tq, N], each position's weight = the product of the weights along its path
// N not a multiple of C: the last chunk is padded and the padding masked. A masked (or padded) position gets
// weight exactly 0; a chunk with no real position summarises to 0 and is masked at the level above; a
// sequence with no real position gives zero weights and a zero context (never NaN).
#pragma once
#include <vector>

#include <nlohmann/json.hpp>

#include "attention/attention.h"

namespace attend::attention {

struct HierarchicalConfig {
  int64_t input_dim = 0;    // D
  int64_t hidden_dim = 0;   // H: size of the tanh layer of every level's score
  int64_t chunk_size = 0;   // C >= 1
  int levels = 2;           // >= 2: levels - 1 chunk-summary levels, then the query level
  int64_t query_dim = 0;    // Dq of a given query; 0 = only the learned query
  DType dtype = DType::F32;  // parameter (and input) dtype; float64 for gradient checks

  // {"input_dim":..,"hidden_dim":..,"chunk_size":..,"levels":..,"query_dim":..,"dtype":"float32"};
  // unknown keys and bad values are errors.
  nlohmann::json to_json() const;
  static HierarchicalConfig from_json(const nlohmann::json& j);
};

struct HierarchicalResult {
  Tensor context;                     // [B, Tq, D]
  std::vector<Tensor> chunk_weights;  // levels - 1 tensors, level l: [B, M_{l+1}, C]
  Tensor top_weights;                 // [B, Tq, M_{levels-1}]
  Tensor weights;                     // [B, Tq, N] effective weights (only when asked for)
};

class HierarchicalAttention : public Attention {
 public:
  HierarchicalAttention(const HierarchicalConfig& config, Rng& rng);

  // inputs: [B, N, D] (N >= 1), key_mask: [B, N] float 1/0 or undefined, query: [B, Tq, Dq] or undefined
  // (the learned query; Tq = 1). need_weights: also form the effective [B, Tq, N] weights.
  HierarchicalResult forward_levels(const Tensor& inputs, const Tensor& key_mask, const Tensor& query,
                                    bool need_weights = true) const;

  // The Attention interface: the sequence is in.keys (in.values must be undefined or the same tensor),
  // masked by in.key_mask, summarised for in.query ([B, Tq, Dq]; undefined = the learned query). Returns
  // context [B, Tq, D] and the effective weights [B, Tq, N]. causal is an error; prev_weights and
  // query_positions are not used. The rng is not used (no dropout or sampling).
  AttentionResult forward(const AttentionInputs& in, Rng& rng) const override;
  const AttentionConfig& config() const override { return attention_config_; }
  const HierarchicalConfig& hierarchical_config() const { return config_; }

 private:
  struct LevelParams {
    Tensor weight;  // [H, D]
    Tensor bias;    // [H]
    Tensor score;   // [1, H]: u (chunk levels) or v (top level)
  };
  struct LevelOutput {
    Tensor summary;       // [B, P, D]
    Tensor weights;       // [B, P, C]
    std::vector<double> chunk_mask;  // [B, P] host, 1 = the chunk holds a real position
  };
  LevelOutput summarise(const Tensor& x, const std::vector<double>& mask, const LevelParams& p) const;

  HierarchicalConfig config_;
  AttentionConfig attention_config_;
  std::vector<LevelParams> chunk_levels_;  // levels - 1
  LevelParams top_;
  Tensor query_weight_;  // [H, Dq] or undefined
};

}  // namespace attend::attention
