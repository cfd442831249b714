// masked_softmax: the attention normaliser with every mask fused in (padding keys, causal, local window,
// an additive mask or bias) and an optional score scale, in one pass over the scores.
// scores: [B, Tq, Tk] or [B, H, Tq, Tk] -> weights, same shape:
//   weights = softmax_j(scale * scores + additive_mask) over the allowed keys j, exactly 0 elsewhere.
// Key j is allowed to query i when key_mask[b, j] != 0, and (causal) j <= i + (Tk - Tq), and (window)
// |j - round(window_centres[b, i])| <= window_radius. A query row with no allowed key gets all-zero weights
// and a zero gradient, never NaN. Logits of +-1e4 are fine.
// Gradients flow to scores and to a float additive mask that requires grad (a learned bias); the key mask
// and the window centres are constants.
#pragma once
#include <cstdint>

#include "tensor/tensor.h"

namespace attend {

struct MaskedSoftmaxOptions {
  Tensor key_mask;         // [B, Tk], [1, Tk] or [Tk], any dtype (nonzero = real key); undefined = all real
  bool causal = false;     // query i sees keys j <= i + (Tk - Tq)
  Tensor additive_mask;    // float, broadcastable to the scores' shape (e.g. [Tq, Tk], [B, 1, Tq, Tk]); undefined = none
  Tensor window_centres;   // [B, Tq] or [1, Tq] float; undefined = no window
  int64_t window_radius = 0;  // >= 0; keys with |j - round(centre)| > radius are masked
  double scale = 1.0;      // multiplies the scores before the additive mask
};

Tensor masked_softmax(const Tensor& scores, const MaskedSoftmaxOptions& options);
Tensor masked_softmax(const Tensor& scores, const Tensor& key_mask, bool causal = false,
                      const Tensor& additive_mask = Tensor());

// The 0/1 pattern of keys the key, causal and window masks allow (the additive mask is not consulted),
// in `scores_shape` ([B, Tq, Tk] or [B, H, Tq, Tk]) and `dtype`; no autograd. For normalisers other than
// softmax, which must zero the same positions.
Tensor masked_softmax_allowed(const Shape& scores_shape, DType dtype, const MaskedSoftmaxOptions& options);

}  // namespace attend
