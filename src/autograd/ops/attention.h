// Scaled dot-product attention as one op: the fused flash kernels for float, the naive full-matrix
// reference (kernels/ref/attention.h) for double or on request.
#pragma once
#include "tensor/tensor.h"

namespace attend {

struct SdpaOptions {
  double scale = 0;    // logits are scale * q.k; 0 means 1/sqrt(D)
  bool causal = false;  // query i sees keys j <= i + (Tk - Tq): aligned to the end of the keys (KV cache)
  Tensor key_lengths;   // int32/int64 [B]: keys >= key_lengths[b] are padding; undefined: none
  bool fused = true;    // false: the naive path that materialises the [Tq, Tk] weights (benchmarks, checks)
};

// q: [B,H,Tq,D], k: [B,H,Tk,D], v: [B,H,Tk,Dv] -> [B,H,Tq,Dv] = softmax(scale q k^T + mask) v.
// A query that sees no key (all padding, or causal with Tq > Tk) gets a zero output and no gradient.
// Tq = 0 gives an empty output; Tk = 0 gives zeros. Inputs may be strided views (copied to dense first).
Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v, const SdpaOptions& opt = {});

}  // namespace attend
