// Training and evaluation for the long-range recall task (`attend train --task recall`): an LSTM or a
// hierarchical-attention classifier, Adam with clipping, accuracy on fresh held-out sequences.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "models/recall.h"

namespace attend::app {

struct RecallTrainOptions {
  models::RecallConfig model;
  std::string kind = "hierarchical";  // or "lstm"
  int64_t length = 1000;
  int64_t batch = 32;
  int64_t steps = 500;
  double lr = 3e-3;
  double clip = 1.0;
  uint64_t seed = 1;
  int64_t eval_sequences = 500;
  // Also score these lengths after training (the hierarchical model's parameters do not depend on N, so a
  // model trained at one length can be scored at longer ones).
  std::vector<int64_t> eval_lengths;
  bool quiet = false;
};

struct RecallReport {
  double accuracy = 0;       // held-out, fresh sequences
  double final_loss = 0;     // mean of the last 20 training losses
  double train_seconds = 0;
  std::vector<std::pair<int64_t, double>> accuracy_at;  // (length, accuracy) for each of eval_lengths
};

RecallReport train_recall(const RecallTrainOptions& opt);

}  // namespace attend::app
