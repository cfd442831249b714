// Multi-head scaled dot-product attention (Vaswani et al. 2017) with PyTorch nn.MultiheadAttention's
// parameters (in_proj_weight [3D, D], in_proj_bias [3D], out_proj.weight [D, D], out_proj.bias [D]), so
// weights move between the two unchanged. Self- and cross-attention, padding and causal masks, and a
// key/value cache for incremental decoding.
//   query [B, Tq, D], keys [B, Tk, D], values [B, Tk, D], key_mask [B, Tk] (1 = real key)
//   -> output [B, Tq, D], weights [B, H, Tq, Tk] (when asked for)
#pragma once
#include <cstdint>

#include "attention/dense.h"
#include "nn/module.h"
#include "tensor/rng.h"

namespace attend::attention {

// The projected keys and values of earlier calls, split into heads: [B, H, T, Dh].
// Self-attention (fixed = false): every call appends its step's keys and values, and attends over all of
// them; a causal query i of a call then sees keys j <= T_before + i, exactly as in one full causal pass,
// and key_mask must cover all T_before + Tk keys. Cross-attention over a fixed memory (fixed = true): the
// first call projects and stores the memory, later calls reuse it and ignore their keys/values.
// Appending copies the cache (concat), so a step costs O(T) like reading the cache does, and gradients
// flow through it when the inputs require them.
struct KvCache {
  bool fixed = false;
  Tensor keys;    // [B, H, T, Dh]
  Tensor values;  // [B, H, T, Dh]

  int64_t length() const { return keys.defined() ? keys.size(2) : 0; }
  bool empty() const { return !keys.defined(); }
  void clear() {
    keys = Tensor();
    values = Tensor();
  }
};

struct MultiHeadResult {
  Tensor output;   // [B, Tq, D]
  Tensor weights;  // [B, H, Tq, Tk] when need_weights, else undefined
};

class MultiHeadAttention : public nn::Module {
 public:
  // d_model divisible by heads. Initialised like PyTorch: in_proj_weight xavier-uniform, out_proj.weight
  // uniform(+-1/sqrt(D)), biases 0. dtype float64 builds the same values in double (gradient checks).
  MultiHeadAttention(int64_t d_model, int64_t heads, Rng& rng, bool bias = true, DType dtype = DType::F32);

  // Self-attention when query, keys and values are the same tensor (one fused input projection); keys ==
  // values shares their projection. Tk = 0 gives output = out_proj(0) and [B, H, Tq, 0] weights.
  MultiHeadResult forward(const Tensor& query, const Tensor& keys, const Tensor& values,
                          const Tensor& key_mask = Tensor(), bool causal = false, KvCache* cache = nullptr,
                          bool need_weights = false) const;

  int64_t d_model() const { return d_model_; }
  int64_t heads() const { return heads_; }
  const Tensor& in_proj_weight() const { return in_proj_weight_; }
  const Tensor& in_proj_bias() const { return in_proj_bias_; }
  const Dense& out_proj() const { return out_proj_; }

 private:
  int64_t d_model_, heads_;
  Tensor in_proj_weight_, in_proj_bias_;
  Dense out_proj_;
};

// The attention core over split heads, in one place (a fused kernel can replace it):
//   q [B, H, Tq, Dh], k, v [B, H, Tk, Dh] -> context [B, H, Tq, Dh]; *weights = [B, H, Tq, Tk] when non-null.
// softmax(q k^T / sqrt(Dh)) with the key mask and causal mask, times v.
Tensor scaled_dot_attention_heads(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_mask,
                                  bool causal, Tensor* weights);

}  // namespace attend::attention
