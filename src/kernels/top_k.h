// The k largest entries of a float row — the selection beam search makes over a vocabulary of log-probs or
// logits — and the same fused with the output layer: the best tokens of log_softmax(x W^T + b) per row
// without writing the [rows, vocabulary] logits to memory.
#pragma once
#include <cstdint>

namespace attend::kernels {

struct TopEntry {
  float value;
  int64_t index;
};

// The k best entries of x[0, n) — larger value first, ties to the smaller index — into out[0, count), best
// first. -inf values and the index `banned` (-1: none) are never taken, so count < k when fewer are left.
// Returns count, or -1 when x holds a NaN or +inf outside `banned`.
int64_t top_k_row(const float* x, int64_t n, int64_t k, int64_t banned, TopEntry* out);

// x [rows, in] and the output layer w [vocab, in], bias [vocab] (or null), row-major float32.
struct LogitsTopKShape {
  int64_t rows = 0;
  int64_t in = 0;
  int64_t vocab = 0;
  int64_t k = 1;
  int64_t banned = -1;  // a token never returned (-1: none); it still counts in the softmax
};

// Per row r: the k best tokens of log_softmax(x_r W^T + b) (best first, ties to the smaller id, as
// top_k_row ranks the logits) into ids[r * k, ...] and their log-probs into logp[r * k, ...], padded with
// id -1 and -inf. Each thread takes a share of the rows; column blocks of its logits are made by gemm()
// (bf16 when that precision is on and the block's shape pays) and reduced while they are in its cache: a
// running max and sum of exponentials (the sum rescaled when the max grows) and a running best list.
// Returns -1, or the first row whose logits hold a NaN or +inf (its entries are then unspecified).
int64_t logits_top_k(const LogitsTopKShape& s, const float* x, const float* w, const float* bias, float* logp,
                     int64_t* ids);

}  // namespace attend::kernels
