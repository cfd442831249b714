// Fused log-softmax + negative log-likelihood with label smoothing, one row of logits at a time.
// The forward keeps only the per-row log-sum-exp; the backward recomputes softmax from it, so no
// [rows, classes] temporary is ever written.
#pragma once
#include <cstdint>

namespace attend::kernels {

// logits, dlogits: [rows, classes]; targets, loss, lse: [rows].
struct CrossEntropyShape {
  int64_t rows = 0;
  int64_t classes = 0;
  int64_t ignore_index = -1;     // rows whose target equals this get loss 0 and no gradient
  double label_smoothing = 0.0;  // eps: target distribution (1 - eps) one-hot + eps / classes uniform
  // backward only: write dlogits instead of adding to it (ignored rows become 0), so a fresh gradient
  // buffer needs no zero-fill and one read less per element.
  bool overwrite = false;
};

// loss[r] = lse[r] - (1 - eps) x[r, t_r] - eps * mean_j x[r, j], lse[r] = log sum_j exp x[r, j];
// ignored rows get loss 0 (lse still written). Targets must be in [0, classes) or ignore_index.
template <class T, class I>
void cross_entropy_forward(const CrossEntropyShape& s, const T* logits, const I* targets, T* loss, T* lse);

// For every row that is not ignored, with c = scale * dloss[r * dloss_stride]:
//   dlogits[r, j] += c * (exp(x[r, j] - lse[r]) - eps / classes - (1 - eps) [j == t_r]);
// with s.overwrite, = instead of +=, and ignored rows are set to 0.
// dloss_stride 0 broadcasts one upstream gradient (mean / sum reductions).
template <class T, class I>
void cross_entropy_backward(const CrossEntropyShape& s, const T* logits, const I* targets, const T* lse,
                            const T* dloss, int64_t dloss_stride, T scale, T* dlogits);

}  // namespace attend::kernels
