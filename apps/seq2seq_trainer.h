// `attend train --config FILE --out DIR`: trains an EncoderDecoder on a parallel corpus (CMUdict, the Bible)
// — codecs built on the training split only, token-based length-bucketed batches, teacher forcing, label
// smoothing, dropout, Adam with clipping and an LR schedule, validation on dev every N steps (loss and the
// task's metric from decoding) with early stopping, the best weights in DIR/best, periodic checkpoints in
// DIR/checkpoint, metrics as JSON lines and a curve (DIR/curve.svg), and --resume after a kill that replays
// exactly the batches and random numbers the uninterrupted run would have used. With train.average_decay
// the run validates, and keeps as best, an exponential moving average of the weights.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "run_config.h"

namespace attend::app {

struct Seq2SeqTrainOptions {
  std::string config_path;  // may be empty with resume (DIR/config.json is used)
  std::string out_dir;
  bool resume = false;
  bool quiet = false;
  int64_t max_steps = -1;  // overrides train.max_steps when >= 0
};

struct Seq2SeqTrainSummary {
  int64_t steps = 0;
  double seconds = 0;
  double tokens_per_s = 0;
  bool stopped_early = false;
  nlohmann::json best_dev;  // metrics of the best validation (null when none ran)
};

Seq2SeqTrainSummary train_seq2seq(const Seq2SeqTrainOptions& opt);

}  // namespace attend::app
