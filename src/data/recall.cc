// Long-range recall batches.
#include "data/recall.h"

#include <algorithm>

#include "data/reversal.h"

namespace attend::data {

RecallBatch make_recall_batch(int64_t batch, int64_t length, int64_t vocab, Rng& rng) {
  ATTEND_CHECK(length >= 4, "recall: sequences need at least 4 positions, got {}", length);
  ATTEND_CHECK(vocab > kRecallMarker + 1, "recall: vocabulary {} leaves no answer symbols", vocab);
  ATTEND_CHECK(batch >= 1, "recall: batch must be positive, got {}", batch);
  const uint64_t symbols = static_cast<uint64_t>(vocab - kRecallMarker - 1);
  RecallBatch b;
  b.tokens = Tensor::empty({batch, length}, DType::I64);
  b.prev_tokens = Tensor::empty({batch, length}, DType::I64);
  b.answer = Tensor::empty({batch}, DType::I64);
  int64_t* tok = b.tokens.data<int64_t>();
  int64_t* prev = b.prev_tokens.data<int64_t>();
  int64_t* ans = b.answer.data<int64_t>();
  b.distance_min = length;
  for (int64_t i = 0; i < batch; ++i) {
    int64_t* row = tok + i * length;
    for (int64_t t = 0; t < length; ++t) row[t] = kRecallMarker + 1 + static_cast<int64_t>(rng.below(symbols));
    const int64_t p = static_cast<int64_t>(rng.below(static_cast<uint64_t>(length / 2)));  // marker position
    row[p] = kRecallMarker;
    ans[i] = row[p + 1];
    b.distance_min = std::min(b.distance_min, length - (p + 1));
    prev[i * length] = kPad;
    for (int64_t t = 1; t < length; ++t) prev[i * length + t] = row[t - 1];
  }
  return b;
}

}  // namespace attend::data
