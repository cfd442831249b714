// Teacher-forced attention: feed each reference through a StepModel's decoder and keep the attention row of
// every reference token — how attention is scored against a gold alignment, which indexes the reference.
#pragma once
#include <cstdint>
#include <vector>

#include "data/batch.h"
#include "models/step_model.h"

namespace attend::models {

// Which rows teacher forcing keeps for token t.
enum class ForcedRows {
  // The model's alignment: its alignment head (StepModel::alignment) reading token t when it has one, else
  // the decoder's attention at the step that predicts t.
  Alignment,
  // The decoder's attention at the step that predicts t (the decoder has read BOS, y_0 .. y_{t-1}).
  Attention,
  // "Shift-Att" (Chen et al. 2020): the decoder's attention at the step where t is the *input* (it predicts
  // t + 1 or EOS) — the decoder attends to a token's source while it reads it.
  Shifted,
};

// For every example (src and tgt token ids; empty ones are skipped and give an empty matrix), indexed by
// Example::index in [0, count): [target token][source token], EOS excluded. Batches hold at most max_tokens.
// A model without attention gives empty matrices.
std::vector<std::vector<std::vector<float>>> forced_attention(StepModel& model, const std::vector<data::Example>& examples,
                                                              int64_t count, int64_t max_tokens,
                                                              ForcedRows rows = ForcedRows::Alignment);

}  // namespace attend::models
