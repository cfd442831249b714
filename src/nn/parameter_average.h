// An exponential moving average of a module's parameters (Polyak averaging; Marian's exponential smoothing,
// fairseq's EMA): after each optimizer step, avg += (1 - r) * (param - avg) with r = min(decay, (1 + n) / (10 + n))
// at the n-th update, so the early average follows the weights closely and later ones forget at rate decay.
// The averaged weights are what a run validates and keeps as its best: they smooth out the last steps' noise.
// Checkpoints carry the average (state()/load(), as "average.<parameter>" caller tensors) so --resume continues
// it exactly and a model directory's latest checkpoint can be read with its averaged weights.
#pragma once
#include <cstdint>
#include <string_view>

#include "nn/module.h"
#include "nn/optim.h"

namespace attend::nn {

inline constexpr std::string_view kAveragePrefix = "average.";

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

  // The averaged tensors by parameter name.
  const NamedTensors& tensors() const { return average_; }
  // Checkpoint state: the averaged tensors as "average.<parameter name>" (sharing storage).
  NamedTensors state() const;
  // Takes the "average.*" tensors out of a checkpoint's caller tensors (others are ignored); validates names,
  // shapes and dtypes against the model before changing anything.
  void load(const NamedTensors& caller_tensors, int64_t updates);

 private:
  NamedTensors params_;   // the model's parameters (shared storage)
  NamedTensors average_;  // same names, own storage
  double decay_ = 0;
  int64_t updates_ = 0;
};

// Copies the averaged weights a checkpoint carries (its caller tensors) into the model. Returns false, changing
// nothing, when it carries none.
bool load_average_into(const Module& model, const NamedTensors& caller_tensors);

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
