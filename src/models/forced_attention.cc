// Teacher-forced attention rows, batch by batch.
#include "models/forced_attention.h"

#include "base/error.h"
#include "data/batcher.h"

namespace attend::models {

std::vector<std::vector<std::vector<float>>> forced_attention(StepModel& model, const std::vector<data::Example>& examples,
                                                              int64_t count, int64_t max_tokens, ForcedRows rows) {
  const bool shift = rows == ForcedRows::Shifted;
  std::vector<std::vector<std::vector<float>>> out(static_cast<size_t>(count));
  std::vector<data::Example> kept;
  for (const data::Example& e : examples) {
    ATTEND_CHECK(e.index >= 0 && e.index < count, "forced attention: example index {} outside [0, {})", e.index, count);
    if (!e.src.empty() && !e.tgt.empty()) kept.push_back(e);
  }
  for (const auto& positions : data::plan_eval_batches(kept, max_tokens)) {
    const data::SeqBatch batch = data::make_seq_batch(kept, positions);
    const int64_t b = batch.src.size(1), tt = batch.tgt_in.size(0), ts = batch.src.size(0);
    const std::vector<int64_t> tgt_in = batch.tgt_in.to_vector<int64_t>();
    auto state = model.start(batch.src, batch.src_mask);
    // Step t reads tgt_in[t] (BOS, y_0, y_1, ...) and predicts y_t. Unshifted, its row belongs to token t (the
    // step that would predict EOS for the longest target is not needed); shifted, to token t - 1.
    const int64_t steps = shift ? tt : tt - 1;
    for (int64_t t = 0; t < steps; ++t) {
      Tensor weights;
      model.step(*state, Tensor::from(std::vector<int64_t>(tgt_in.begin() + t * b, tgt_in.begin() + (t + 1) * b), {b}),
                 &weights);
      if (!weights.defined()) return out;  // nothing attends
      if (rows == ForcedRows::Alignment) {
        // A dedicated alignment head reads the token this step predicts: the next input, tgt_in[t + 1].
        const Tensor head = model.alignment(
            *state, Tensor::from(std::vector<int64_t>(tgt_in.begin() + (t + 1) * b, tgt_in.begin() + (t + 2) * b), {b}));
        if (head.defined()) weights = head;
      }
      if (shift && t == 0) continue;       // the BOS step belongs to no token
      const int64_t token = shift ? t - 1 : t;
      const std::vector<float> w = weights.copy(DType::F32).to_vector<float>();  // [B, Ts]
      for (int64_t k = 0; k < b; ++k) {
        const data::Example& e = kept[static_cast<size_t>(positions[static_cast<size_t>(k)])];
        if (token >= static_cast<int64_t>(e.tgt.size())) continue;
        const auto row = w.begin() + k * ts;
        out[static_cast<size_t>(e.index)].emplace_back(row, row + static_cast<int64_t>(e.src.size()));
      }
    }
  }
  return out;
}

}  // namespace attend::models
