// Masked softmax over the key axis of attention scores, fused with the score scale and an additive mask.
// Scores are viewed as [B, M, Tq, Tk] (M = heads; 1 for [B, Tq, Tk] scores). For row (b, m, i):
//   z[j] = scale * x[j] + additive[b, m, i, j]
//   key j is allowed when key_mask[b, j] != 0, and (causal) j <= i + (Tk - Tq), and (window)
//   |j - round(centre[b, i])| <= radius; y = softmax over the allowed keys, exactly 0 elsewhere.
// A row with no allowed key (or whose allowed logits are all -inf) gives y = 0 (and a zero gradient).
// Max-subtracted, so logits of +-1e4 are fine.
//   x, y, dy, dx: [B, M, Tq, Tk] dense.   key_mask: [B, Tk] rows (batch stride 0 = one row shared).
//   additive: four element strides over [B, M, Tq, Tk] (0 = broadcast).   centres: [B, Tq] rows.
#pragma once
#include <cstdint>

namespace attend::kernels {

template <class T>
struct MaskedSoftmaxParams {
  int64_t batch = 1;
  int64_t heads = 1;
  int64_t tq = 1;
  int64_t tk = 1;
  T scale = 1;
  bool causal = false;
  const T* key_mask = nullptr;  // nonzero = real key; null = every key real
  int64_t key_mask_batch_stride = 0;
  const T* additive = nullptr;  // null = none
  int64_t additive_strides[4] = {0, 0, 0, 0};
  const T* window_centres = nullptr;  // null = no window
  int64_t centres_batch_stride = 0;
  int64_t window_radius = 0;

  int64_t rows() const { return batch * heads * tq; }
};

// The half-open key range [lo, hi) that the causal and window masks leave to row (b, i), with
// 0 <= lo <= hi <= Tk; empty when lo == hi.
// A non-finite centre leaves no key. Rounding is half up (floor(c + 0.5)).
template <class T>
void allowed_key_range(const MaskedSoftmaxParams<T>& p, int64_t b, int64_t i, int64_t* lo, int64_t* hi);

// y = masked softmax of the scores x.
void masked_softmax_forward(const MaskedSoftmaxParams<float>& p, const float* x, float* y);
void masked_softmax_forward(const MaskedSoftmaxParams<double>& p, const double* x, double* y);

// dz += alpha * y * (dy - sum(dy * y)) per row: the gradient of the pre-softmax logits z (alpha = scale gives
// the gradient of x, alpha = 1 that of the additive mask). Masked entries have y = 0 and get nothing.
void masked_softmax_backward(const MaskedSoftmaxParams<float>& p, const float* y, const float* dy, float alpha,
                             float* dz);
void masked_softmax_backward(const MaskedSoftmaxParams<double>& p, const double* y, const double* dy, double alpha,
                             double* dz);

// out = 1 where the key, causal and window masks allow a key, else 0 (the additive mask is not consulted).
void masked_softmax_allowed(const MaskedSoftmaxParams<float>& p, float* out);
void masked_softmax_allowed(const MaskedSoftmaxParams<double>& p, double* out);

}  // namespace attend::kernels
