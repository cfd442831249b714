// Losses: cross-entropy over class logits (fused log-softmax + NLL, label smoothing, padding ids).
#pragma once
#include <cstdint>

#include "tensor/tensor.h"

namespace attend {

enum class Reduction { Mean, Sum, None };

struct CrossEntropyOptions {
  int64_t ignore_index = -1;     // padding id: contributes nothing and is not counted
  double label_smoothing = 0.0;  // eps in [0, 1]: target distribution (1 - eps) one-hot + eps / V uniform
  Reduction reduction = Reduction::Mean;  // Mean: over the tokens that are not ignored (0 if none are)
  // If set, receives the per-token negative log-likelihood without smoothing, -log softmax(logits)_target
  // (targets' shape, 0 at ignored positions, no gradient), from the same pass over the logits.
  Tensor* token_nll = nullptr;
};

// logits: [..., V] (e.g. [N, V] or [B, T, V]), targets: int32/int64 [...] (the leading axes of logits)
// -> [] for Mean and Sum, targets' shape for None (0 at ignored positions).
// Per token: -sum_j q_j log softmax(logits)_j with q the (smoothed) target distribution, as in PyTorch.
Tensor cross_entropy(const Tensor& logits, const Tensor& targets, const CrossEntropyOptions& options = {});

}  // namespace attend
