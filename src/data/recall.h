// Long-range recall, generated from a seed: a sequence of N random symbols holds one marker symbol; the
// symbol right after the marker is the answer, asked for at the end. The marker sits in the first half, so
// the answer lies at least N/2 steps back: recurrent state must carry it across thousands of steps, while
// attention can jump straight to it.
#pragma once
#include <cstdint>

#include "tensor/rng.h"
#include "tensor/tensor.h"

namespace attend::data {

inline constexpr int64_t kRecallMarker = 3;  // first symbol id; the answer symbols follow it

struct RecallBatch {
  Tensor tokens;       // [B, N] int64
  Tensor prev_tokens;  // [B, N] int64: tokens shifted right by one (kPad at position 0)
  Tensor answer;       // [B] int64: the symbol after the marker
  int64_t distance_min = 0;  // smallest distance from an answer to the end of its sequence in this batch
};

// vocab includes the 3 special ids and the marker, so symbols are 4..vocab-1.
RecallBatch make_recall_batch(int64_t batch, int64_t length, int64_t vocab, Rng& rng);

}  // namespace attend::data
