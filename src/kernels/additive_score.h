// Fused additive (Bahdanau) attention score: scores[b,q,k] = sum_h v[h] tanh(wq[b,q,h] + wk[b,k,h] (+ loc[b,q,k,h])).
// The unfused path materialises the [B, Tq, Tk, H] sum and its tanh (and their gradients) every decoder step;
// this one keeps each tanh in registers, and the backward recomputes it instead of reading a saved copy.
// All arrays contiguous; loc may be null. Backward accumulates (+=) into dwq, dwk and dloc.
#pragma once
#include <cstdint>

namespace attend::kernels {

struct AdditiveScoreShape {
  int64_t batch, queries, keys, hidden;
};

template <class T>
void additive_score_forward(const AdditiveScoreShape& s, const T* wq, const T* wk, const T* loc, const T* v, T* scores);

// g: [B, Tq, Tk] gradient of the scores. dwq [B, Tq, H] and dwk [B, Tk, H] must be given (pass scratch for an
// input without a gradient); dloc may be null. dv_rows [B, H] is overwritten with each batch row's share of dv
// (the caller sums it), so threads never write the same element and no allocation happens here.
template <class T>
void additive_score_backward(const AdditiveScoreShape& s, const T* wq, const T* wk, const T* loc, const T* v,
                             const T* g, T* dwq, T* dwk, T* dloc, T* dv_rows);

}  // namespace attend::kernels
