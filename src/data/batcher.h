// Token-based batching with length bucketing for training, in-order batching for evaluation, and a
// resumable position.
//
// Cost of a batch: its padded size, B * (Ts + Tt) with Ts the longest source and Tt the longest target + 1
// (the kBos/kEos step), i.e. the elements of src plus tgt_out. A batch is closed before an example would push
// it over max_tokens (or past max_batch examples); an example too large for max_tokens on its own still gets
// a batch of its own, the only batches that may exceed the limit.
//
// Training epochs (plan_training_epoch): shuffle all examples with an Rng seeded from (seed, epoch), cut the
// order into chunks of about chunk_batches batches' worth of examples, stable-sort each chunk by (source
// length, target length), cut it into batches, then shuffle the list of batches. Similar lengths share a
// batch, yet both the batch contents and their order change every epoch; the plan depends only on the
// examples, the options and (seed, epoch), so a resumed run replays it exactly.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <vector>

#include "data/batch.h"

namespace attend::data {

struct BatcherOptions {
  int64_t max_tokens = 4096;    // padded source + target tokens per batch (see above)
  int64_t max_batch = 0;        // at most this many examples per batch; 0 = no limit
  int64_t chunk_batches = 100;  // length-sorting window, in batches
  uint64_t seed = 1;
};

// Positions into the example list, one vector per batch.
using BatchPlan = std::vector<std::vector<int64_t>>;

// B * (max source + max target + 1) for the examples at `positions`.
int64_t padded_tokens(std::span<const Example> examples, std::span<const int64_t> positions);

BatchPlan plan_training_epoch(std::span<const Example> examples, const BatcherOptions& opt, int64_t epoch);
// Every example once, not shuffled. sort_by_length: batches of similar lengths (shortest first, ties in
// input order), else the input order; either way SeqBatch::indices say where each output belongs.
BatchPlan plan_eval_batches(std::span<const Example> examples, int64_t max_tokens, int64_t max_batch = 0,
                            bool sort_by_length = true);

// Where a Batcher stands: the next batch it serves is batch `batch` of epoch `epoch`'s plan.
struct BatcherState {
  uint64_t seed = 1;
  int64_t epoch = 0;
  int64_t batch = 0;
  int64_t examples = 0;  // size of the example list, checked on restore
  bool operator==(const BatcherState&) const = default;
};
nlohmann::json batcher_state_to_json(const BatcherState& s);
// Missing or mistyped fields -> attend::Error.
BatcherState batcher_state_from_json(const nlohmann::json& j);

class Batcher {
 public:
  Batcher(std::vector<Example> examples, const BatcherOptions& opt);

  // The next training batch; after an epoch's last batch comes the next epoch's first.
  SeqBatch next();
  // The position of the next batch, to save with a checkpoint.
  BatcherState state() const;
  // Continue from a saved position (its seed replaces the options' seed). A state for a different number of
  // examples, or a batch index past the epoch's end, is an error.
  void restore(const BatcherState& s);

  int64_t epoch() const { return epoch_; }
  int64_t batches_in_epoch() const { return static_cast<int64_t>(plan_.size()); }
  const BatchPlan& plan() const { return plan_; }  // the current epoch's
  const std::vector<Example>& examples() const { return examples_; }
  const BatcherOptions& options() const { return opt_; }

 private:
  std::vector<Example> examples_;
  BatcherOptions opt_;
  int64_t epoch_ = 0;
  int64_t batch_ = 0;
  BatchPlan plan_;
};

}  // namespace attend::data
