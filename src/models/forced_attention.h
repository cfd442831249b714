// Teacher-forced attention: feed each reference through a StepModel's decoder and keep the attention row of
// every reference token — how attention is scored against a gold alignment, which indexes the reference.
#pragma once
#include <cstdint>
#include <vector>

#include "data/batch.h"
#include "models/step_model.h"

namespace attend::models {

// For every example (src and tgt token ids; empty ones are skipped and give an empty matrix), indexed by
// Example::index in [0, count): [target token][source token], EOS excluded. Batches hold at most max_tokens.
// shift = false: token t's row is the step that predicts it (the decoder has read BOS, y_0 .. y_{t-1}).
// shift = true ("Shift-Att", Chen et al. 2020): the step where t is the decoder's *input* (it predicts t + 1 or
// EOS) — the decoder attends to a token's source while it reads it, which can line up better with the gold.
// A model with an alignment head (StepModel::alignment) gives that head's rows unshifted; shifted rows are
// always the decoder's attention. A model without attention gives empty matrices.
std::vector<std::vector<std::vector<float>>> forced_attention(StepModel& model, const std::vector<data::Example>& examples,
                                                              int64_t count, int64_t max_tokens, bool shift);

}  // namespace attend::models
