// MultiHeadAttention: fused input projections, head split with one copy, the attention core, the output
// projection.
#include "attention/multi_head.h"

#include "autograd/ops/attention.h"

#include <cmath>

#include "autograd/ops.h"
#include "autograd/ops/masked_softmax.h"

namespace attend::attention {

namespace {

// Up to three projections split into heads.
struct Heads {
  Tensor t[3];
};

// x [B, T, n * D] (n projections side by side) -> n tensors [B, H, T, Dh], contiguous, from one copy.
// Views and Shape arguments only (no std::vector), so a warmed-up step makes no heap allocation here.
Heads split_heads(const Tensor& x, int64_t n, int64_t heads) {
  const int64_t b = x.size(0), t = x.size(1), dh = x.size(2) / (n * heads);
  Tensor moved = reshape(x, Shape{b, t, n, heads, dh});  // view of [B, T, n, H, Dh]
  moved = transpose(moved, 1, 3);                        // [B, H, n, T, Dh]
  moved = transpose(moved, 0, 2);                        // [n, H, B, T, Dh]
  moved = contiguous(transpose(moved, 1, 2));            // [n, B, H, T, Dh]: the one copy
  Heads out;
  for (int64_t i = 0; i < n; ++i) out.t[i] = select(moved, 0, i);  // contiguous views
  return out;
}

}  // namespace

MultiHeadAttention::MultiHeadAttention(int64_t d_model, int64_t heads, Rng& rng, bool bias, DType dtype)
    : d_model_(d_model), heads_(heads), out_proj_(d_model > 0 ? d_model : 1, d_model > 0 ? d_model : 1, rng, bias, dtype) {
  ATTEND_CHECK(d_model > 0 && heads > 0 && d_model % heads == 0,
               "MultiHeadAttention: d_model ({}) must be a positive multiple of heads ({})", d_model, heads);
  // PyTorch: xavier_uniform_ on [3D, D] (fan_in D, fan_out 3D); out_proj keeps Linear's init; biases 0.
  const double bound = std::sqrt(6.0 / static_cast<double>(d_model + 3 * d_model));
  in_proj_weight_ = register_parameter("in_proj_weight", uniform_parameter({3 * d_model, d_model}, bound, rng, dtype));
  if (bias) {
    in_proj_bias_ = register_parameter("in_proj_bias", Tensor::zeros({3 * d_model}, dtype));
    Tensor(out_proj_.bias()).fill_(0.0);
  }
  register_module("out_proj", &out_proj_);
}

MultiHeadResult MultiHeadAttention::forward(const Tensor& query, const Tensor& keys, const Tensor& values,
                                            const Tensor& key_mask, bool causal, KvCache* cache,
                                            bool need_weights) const {
  const int64_t d = d_model_;
  ATTEND_CHECK(query.defined() && keys.defined() && values.defined(),
               "MultiHeadAttention: query, keys and values must all be given");
  ATTEND_CHECK(query.ndim() == 3 && keys.ndim() == 3 && values.ndim() == 3 && query.size(2) == d &&
                   keys.size(2) == d && values.size(2) == d,
               "MultiHeadAttention: expected query [B, Tq, {0}], keys [B, Tk, {0}], values [B, Tk, {0}], got {1}, {2}, "
               "{3}",
               d, query.shape(), keys.shape(), values.shape());
  const int64_t b = query.size(0), tq = query.size(1);
  ATTEND_CHECK(keys.size(0) == b && values.size(0) == b,
               "MultiHeadAttention: batch sizes differ: query {}, keys {}, values {}", query.shape(), keys.shape(),
               values.shape());
  ATTEND_CHECK(keys.size(1) == values.size(1), "MultiHeadAttention: values {} and keys {} differ in length",
               values.shape(), keys.shape());
  ATTEND_CHECK(query.dtype() == in_proj_weight_.dtype(),
               "MultiHeadAttention: inputs are {} but the parameters are {}", dtype_name(query.dtype()),
               dtype_name(in_proj_weight_.dtype()));

  const Tensor w_q = slice(in_proj_weight_, 0, 0, d);
  const Tensor w_kv = slice(in_proj_weight_, 0, d, 3 * d);
  const Tensor b_q = in_proj_bias_.defined() ? slice(in_proj_bias_, 0, 0, d) : Tensor();
  const Tensor b_kv = in_proj_bias_.defined() ? slice(in_proj_bias_, 0, d, 3 * d) : Tensor();
  const bool self = query.impl() == keys.impl() && keys.impl() == values.impl();
  const bool reuse_memory = cache && cache->fixed && !cache->empty();

  // Projections [B, H, T, Dh]: one GEMM for all three in self-attention, one for keys+values when shared.
  Tensor q, k, v;
  if (self && !reuse_memory) {
    const Heads qkv = split_heads(linear(query, in_proj_weight_, in_proj_bias_), 3, heads_);
    q = qkv.t[0], k = qkv.t[1], v = qkv.t[2];
  } else {
    q = split_heads(linear(query, w_q, b_q), 1, heads_).t[0];
    if (!reuse_memory) {
      if (keys.impl() == values.impl()) {
        const Heads kv = split_heads(linear(keys, w_kv, b_kv), 2, heads_);
        k = kv.t[0], v = kv.t[1];
      } else {
        k = split_heads(linear(keys, slice(w_kv, 0, 0, d), b_kv.defined() ? slice(b_kv, 0, 0, d) : Tensor()), 1,
                        heads_).t[0];
        v = split_heads(linear(values, slice(w_kv, 0, d, 2 * d), b_kv.defined() ? slice(b_kv, 0, d, 2 * d) : Tensor()),
                        1, heads_).t[0];
      }
    }
  }
  if (cache) {
    if (reuse_memory) {
      k = cache->keys, v = cache->values;
    } else if (!cache->fixed && !cache->empty()) {
      ATTEND_CHECK(cache->keys.size(0) == b, "MultiHeadAttention: cache holds batch {} but the input has batch {}",
                   cache->keys.size(0), b);
      k = concat({cache->keys, k}, 2);
      v = concat({cache->values, v}, 2);
    }
    cache->keys = k, cache->values = v;
  }
  ATTEND_CHECK(k.size(0) == b, "MultiHeadAttention: cached memory holds batch {} but the query has batch {}", k.size(0),
               b);

  Tensor weights;
  const Tensor context = scaled_dot_attention_heads(q, k, v, key_mask, causal, need_weights ? &weights : nullptr);
  const Tensor merged = reshape(transpose(context, 1, 2), Shape{b, tq, d});  // [B, Tq, H * Dh]
  return {out_proj_.forward(merged), weights};
}

namespace {
// The number of real keys per row when key_mask [B, Tk] is 1...1 0...0 (padding at the end), else undefined.
Tensor prefix_lengths(const Tensor& key_mask) {
  const int64_t b = key_mask.size(0), tk = key_mask.size(1);
  const Tensor dense = contiguous(key_mask);
  Tensor lengths = Tensor::empty({b}, DType::I64);
  int64_t* len = lengths.data<int64_t>();
  const bool prefix = dispatch_float(dense.dtype(), "MultiHeadAttention", [&]<class T>() {
    const T* m = dense.data<T>();
    for (int64_t i = 0; i < b; ++i) {
      int64_t n = 0;
      while (n < tk && m[i * tk + n] != T(0)) ++n;
      for (int64_t j = n; j < tk; ++j)
        if (m[i * tk + j] != T(0)) return false;  // a hole: not a prefix
      len[i] = n;
    }
    return true;
  });
  return prefix ? lengths : Tensor();
}
}  // namespace

Tensor scaled_dot_attention_heads(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_mask,
                                  bool causal, Tensor* weights) {
  const int64_t b = q.size(0), h = q.size(1), tq = q.size(2), tk = k.size(2), dh = q.size(3);
  if (key_mask.defined())
    ATTEND_CHECK(key_mask.ndim() == 2 && key_mask.size(0) == b && key_mask.size(1) == tk,
                 "MultiHeadAttention: key_mask {} does not match the {} keys (with any cached ones): expected [{}, {}]",
                 key_mask.shape(), tk, b, tk);
  if (b == 0 || tq == 0 || tk == 0) {  // nothing to attend to: zero context
    if (weights) *weights = Tensor::zeros({b, h, tq, tk}, q.dtype());
    return Tensor::zeros({b, h, tq, v.size(3)}, q.dtype());
  }
  // Without weights to return, the fused flash kernel does the work (float; padding given as key lengths).
  if (!weights && q.dtype() == DType::F32) {
    Tensor lengths;
    if (!key_mask.defined() || (lengths = prefix_lengths(key_mask)).defined()) {
      SdpaOptions o;
      o.causal = causal;
      o.key_lengths = lengths;
      return scaled_dot_product_attention(q, k, v, o);  // [B, H, Tq, Dh]
    }
  }
  MaskedSoftmaxOptions masks;
  masks.key_mask = key_mask;
  masks.causal = causal;
  masks.scale = 1.0 / std::sqrt(static_cast<double>(dh));
  const Tensor w = masked_softmax(matmul(q, k, false, true), masks);  // [B, H, Tq, Tk]
  if (weights) *weights = w;
  return matmul(w, v);  // [B, H, Tq, Dh]
}

}  // namespace attend::attention
