// Training and evaluation of the built-in synthetic tasks (reverse / copy) for `attend train --task`
// and `attend demo`: Adam with clipping and an LR schedule, metrics as JSON lines, periodic atomic
// checkpoints, exact --resume, and accuracy by sequence length.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/reversal.h"
#include "models/seq2seq.h"

namespace attend::app {

struct SyntheticTrainOptions {
  data::SyntheticOptions task;
  models::Seq2SeqConfig model;
  int64_t batch = 64;
  int64_t steps = 2000;
  double lr = 2e-3;
  double clip = 1.0;
  std::string schedule = "constant";  // nn::Schedule::parse syntax
  uint64_t seed = 1;
  std::string out_dir;                // empty: no checkpoints or metrics file
  int64_t checkpoint_every = 500;
  int64_t log_every = 100;
  bool resume = false;
  bool quiet = false;                 // no progress output
};

struct LengthAccuracy {
  int64_t length;
  double sequence_accuracy;  // whole output exactly right
  double token_accuracy;     // positions right (output truncated/padded to the target length)
};

// Trains (or resumes) and returns the model. Writes out_dir/metrics.jsonl and checkpoints when out_dir is set.
std::unique_ptr<models::Seq2Seq> train_synthetic(const SyntheticTrainOptions& opt);

// Greedy-decodes `per_length` fresh sequences for every length and scores them.
std::vector<LengthAccuracy> accuracy_by_length(models::Seq2Seq& model, const data::SyntheticOptions& task,
                                               const std::vector<int64_t>& lengths, int64_t per_length,
                                               uint64_t seed);

}  // namespace attend::app
