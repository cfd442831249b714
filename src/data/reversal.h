// Synthetic sequence tasks generated from a seed: reverse (and copy) random token strings. The fixed
// length range and the vocabulary make the fixed-vector bottleneck of encoder-decoders visible.
#pragma once
#include <cstdint>
#include <vector>

#include "data/batch.h"
#include "tensor/rng.h"
#include "tensor/tensor.h"

namespace attend::data {

// The synthetic tasks use the special ids of data/batch.h (kPad, kBos, kEos) and have no unknowns, so their
// symbols start at 3.
inline constexpr int64_t kFirstSymbol = 3;

enum class SyntheticTask { Reverse, Copy };

struct SyntheticOptions {
  SyntheticTask task = SyntheticTask::Reverse;
  int64_t vocab = 20;       // including the 3 special ids
  int64_t min_length = 1;
  int64_t max_length = 10;
};

// One source sequence: its length uniform in [min_length, max_length] (drawn first) unless `length` > 0, then
// its symbols. The batches and the text splits (data/synthetic_files.h) draw through this.
std::vector<int64_t> draw_synthetic_source(const SyntheticOptions& opt, Rng& rng, int64_t length = 0);
// Draws one batch; each example's length is uniform in [min_length, max_length] unless `length` > 0.
SeqBatch make_synthetic_batch(const SyntheticOptions& opt, int64_t batch, Rng& rng, int64_t length = 0);
// The expected output for a source sequence (reverse or copy).
std::vector<int64_t> synthetic_target(const SyntheticOptions& opt, const std::vector<int64_t>& src);

}  // namespace attend::data
