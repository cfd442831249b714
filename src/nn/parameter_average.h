// An exponential moving average of a module's parameters (Polyak averaging; Marian's exponential smoothing,
// fairseq's EMA): after each optimizer step, avg += (1 - r) * (param - avg) with r = min(decay, (1 + n) / (10 + n))
// at the n-th update, so the early average follows the weights closely and later ones forget at rate decay.
// The averaged weights are what a run validates and keeps as its best: they smooth out the last steps' noise.
// Checkpoints carry the average (state()/load()) so --resume continues it exactly.
#pragma once
#include <cstdint>

#include "nn/module.h"
#include "nn/optim.h"

namespace attend::nn {

class ParameterAverage {
 public:
  // decay in (0, 1). The average starts as a copy of the current weights.
  ParameterAverage(const Module& model, double decay);

  // One update from the model's current weights.
  void update();
  int64_t updates() const { return updates_; }
  double decay() const { return decay_; }

  // Exchanges the weights held by the model and the average (call twice to undo). The tensors' storage does
  // not move, so nothing may hold a bf16 frozen copy of the weights across a swap.
  void swap_with_model();

  // Checkpoint state: the averaged tensors by "<parameter name>", and the update count.
  const NamedTensors& tensors() const { return average_; }
  // Validates names, shapes and dtypes against the model before changing anything.
  void load(const NamedTensors& tensors, int64_t updates);

 private:
  NamedTensors params_;   // the model's parameters (shared storage)
  NamedTensors average_;  // same names, own storage
  double decay_ = 0;
  int64_t updates_ = 0;
};

// Swaps the average into the model for the life of the scope (nothing happens when average is null).
class AveragedWeightsScope {
 public:
  explicit AveragedWeightsScope(ParameterAverage* average) : average_(average) {
    if (average_) average_->swap_with_model();
  }
  ~AveragedWeightsScope() {
    if (average_) average_->swap_with_model();
  }
  AveragedWeightsScope(const AveragedWeightsScope&) = delete;
  AveragedWeightsScope& operator=(const AveragedWeightsScope&) = delete;

 private:
  ParameterAverage* average_;
};

}  // namespace attend::nn
