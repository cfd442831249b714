// Synthetic sequence tasks generated from a seed: reverse (and copy) random token strings. The fixed
// length range and the vocabulary make the fixed-vector bottleneck of encoder-decoders visible.
#pragma once
#include <cstdint>
#include <vector>

#include "tensor/rng.h"
#include "tensor/tensor.h"

namespace attend::data {

// Token ids shared by the synthetic tasks.
inline constexpr int64_t kPad = 0;
inline constexpr int64_t kBos = 1;
inline constexpr int64_t kEos = 2;
inline constexpr int64_t kFirstSymbol = 3;

enum class SyntheticTask { Reverse, Copy };

struct SyntheticOptions {
  SyntheticTask task = SyntheticTask::Reverse;
  int64_t vocab = 20;       // including the 3 special ids
  int64_t min_length = 1;
  int64_t max_length = 10;
};

// A padded, time-major batch for teacher-forced training.
struct SeqBatch {
  Tensor src;          // [Ts, B] int64, padded with kPad
  Tensor src_mask;     // [Ts, B] float 1 = token, 0 = pad
  Tensor tgt_in;       // [Tt, B] int64: kBos then the target (teacher forcing input)
  Tensor tgt_out;      // [Tt, B] int64: the target then kEos, padded with kPad
  Tensor tgt_mask;     // [Tt, B] float
  std::vector<int64_t> lengths;  // source length per example
  int64_t tokens = 0;  // source + target tokens (without padding)
};

// Draws one batch; each example's length is uniform in [min_length, max_length] unless `length` > 0.
SeqBatch make_synthetic_batch(const SyntheticOptions& opt, int64_t batch, Rng& rng, int64_t length = 0);
// The expected output for a source sequence (reverse or copy).
std::vector<int64_t> synthetic_target(const SyntheticOptions& opt, const std::vector<int64_t>& src);

}  // namespace attend::data
