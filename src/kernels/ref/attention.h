// Reference twin of kernels/flash_attention: the naive softmax(scale q k^T + mask) v with the full
// [Tq, Tk] matrices of one (batch, head) at a time, for float or double. GEMMs go through kernels::gemm
// (oneDNN for float, plain double loops for double); the softmax normalisation accumulates in double.
// Same masking rule as flash_attention.h. Also the op's "naive" path (fused = false) and its double path.
//
//   q: [B,H,Tq,D]  k: [B,H,Tk,D]  v: [B,H,Tk,Dv]  ->  o: [B,H,Tq,Dv], lse: [B,H,Tq]
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/flash_attention.h"
#include "kernels/gemm.h"

namespace attend::kernels::ref {

// Keys (a prefix) that query i of batch entry b sees.
inline int64_t attention_visible_keys(const AttentionShape& s, const AttentionParams& p, int64_t b, int64_t i) {
  int64_t n = p.key_lengths ? std::clamp<int64_t>(p.key_lengths[b], 0, s.kv_len) : s.kv_len;
  if (p.causal) n = std::min(n, std::max<int64_t>(0, i + s.kv_len - s.q_len + 1));
  return n;
}

// Elements of T that `scratch` must hold: one [Tq, Tk] matrix forward, two backward.
inline int64_t attention_forward_scratch_size(const AttentionShape& s) { return s.q_len * s.kv_len; }
inline int64_t attention_backward_scratch_size(const AttentionShape& s) { return 2 * s.q_len * s.kv_len; }

namespace detail {
// P [Tq][Tk] = softmax over the visible keys of scale * q k^T (masked entries 0); lse[i] as in flash.
template <class T>
void attention_probs(const AttentionShape& s, const AttentionParams& p, int64_t b, const T* q, const T* k, T* probs,
                     T* lse) {
  const int64_t tq = s.q_len, tk = s.kv_len;
  gemm(GemmShape{false, true, tq, tk, s.dim, s.dim, s.dim, tk}, static_cast<T>(p.scale), q, k, T(0), probs);
  for (int64_t i = 0; i < tq; ++i) {
    T* row = probs + i * tk;
    const int64_t n = attention_visible_keys(s, p, b, i);
    double mx = -std::numeric_limits<double>::infinity();
    for (int64_t j = 0; j < n; ++j) mx = std::max(mx, static_cast<double>(row[j]));
    double sum = 0;
    for (int64_t j = 0; j < n; ++j) sum += std::exp(static_cast<double>(row[j]) - mx);
    for (int64_t j = 0; j < tk; ++j)
      row[j] = j < n ? static_cast<T>(std::exp(static_cast<double>(row[j]) - mx) / sum) : T(0);
    if (lse) lse[i] = n > 0 ? static_cast<T>(mx + std::log(sum)) : -std::numeric_limits<T>::infinity();
  }
}
}  // namespace detail

// Writes o and lse (lse may be null). scratch: attention_forward_scratch_size(s) elements.
template <class T>
void attention_forward(const AttentionShape& s, const AttentionParams& p, const T* q, const T* k, const T* v, T* o,
                       T* lse, T* scratch) {
  const int64_t tq = s.q_len, tk = s.kv_len, d = s.dim, dv = s.dim_v;
  for (int64_t b = 0; b < s.batch; ++b)
    for (int64_t h = 0; h < s.heads; ++h) {
      const int64_t bh = b * s.heads + h;
      detail::attention_probs(s, p, b, q + bh * tq * d, k + bh * tk * d, scratch, lse ? lse + bh * tq : nullptr);
      gemm(GemmShape{false, false, tq, dv, tk, tk, dv, dv}, T(1), scratch, v + bh * tk * dv, T(0), o + bh * tq * dv);
    }
}

// Adds the gradients into dq, dk, dv (scratch: attention_backward_scratch_size(s) elements), recomputing
// P from q and k (independent of the forward's o and lse):
//   forward was o = P v with P = softmax(scale q k^T + mask) by rows, so
//   dv = P^T do,  dP = do v^T,  dS = P * (dP - rowsum(P * dP)),  dq = scale dS k,  dk = scale dS^T q.
template <class T>
void attention_backward(const AttentionShape& s, const AttentionParams& p, const T* q, const T* k, const T* v,
                        const T* dout, T* dq, T* dk, T* dv, T* scratch) {
  const int64_t tq = s.q_len, tk = s.kv_len, d = s.dim, dvd = s.dim_v;
  T* probs = scratch;
  T* ds = scratch + tq * tk;
  for (int64_t b = 0; b < s.batch; ++b)
    for (int64_t h = 0; h < s.heads; ++h) {
      const int64_t bh = b * s.heads + h;
      const T* qh = q + bh * tq * d;
      const T* kh = k + bh * tk * d;
      const T* doh = dout + bh * tq * dvd;
      detail::attention_probs(s, p, b, qh, kh, probs, static_cast<T*>(nullptr));
      gemm(GemmShape{false, true, tq, tk, dvd, dvd, dvd, tk}, T(1), doh, v + bh * tk * dvd, T(0), ds);
      for (int64_t i = 0; i < tq; ++i) {
        double dot = 0;
        for (int64_t j = 0; j < tk; ++j) dot += static_cast<double>(probs[i * tk + j]) * ds[i * tk + j];
        for (int64_t j = 0; j < tk; ++j)
          ds[i * tk + j] = static_cast<T>(p.scale * probs[i * tk + j] * (static_cast<double>(ds[i * tk + j]) - dot));
      }
      gemm(GemmShape{true, false, tk, dvd, tq, tk, dvd, dvd}, T(1), probs, doh, T(1), dv + bh * tk * dvd);
      gemm(GemmShape{false, false, tq, d, tk, tk, d, d}, T(1), ds, kh, T(1), dq + bh * tq * d);
      gemm(GemmShape{true, false, tk, d, tq, tk, d, d}, T(1), ds, qh, T(1), dk + bh * tk * d);
    }
}

}  // namespace attend::kernels::ref
