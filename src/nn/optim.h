// Optimizers over named parameters (as returned by Module::named_parameters()): SGD (momentum, Nesterov,
// weight decay), Adam (L2 weight decay, as torch.optim.Adam) and AdamW (decoupled weight decay, as
// torch.optim.AdamW). Parameters without a gradient are skipped and keep their state untouched.
// State (per-parameter step counts and moment buffers) can be exported and restored for checkpoints:
// state_tensors() names buffers "<kind>.<buffer>.<parameter>", e.g. "adam.m.encoder.weight".
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tensor/tensor.h"

namespace attend::nn {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class Optimizer {
 public:
  // params: floating, contiguous, distinct tensors with distinct names. lr >= 0.
  Optimizer(NamedTensors params, double lr);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One update of every parameter that has a gradient.
  void step();
  // Drops every parameter's gradient.
  void zero_grad();

  double lr() const { return lr_; }
  void set_lr(double lr);
  // Number of step() calls (including those restored by load_state).
  int64_t step_count() const { return steps_; }
  const NamedTensors& params() const { return params_; }
  // "sgd", "adam" or "adamw": the state-tensor prefix and the "type" in state_json().
  virtual const char* kind() const = 0;

  // Checkpoint state: moment buffers by name, and the scalars (type, lr, step, hyperparameters,
  // per-parameter step counts). load_state validates everything before changing anything.
  NamedTensors state_tensors() const;
  nlohmann::json state_json() const;
  void load_state(const nlohmann::json& scalars, const NamedTensors& tensors);

 protected:
  // Per-parameter state: update count and buffers (empty until the first update).
  struct Slot {
    int64_t steps = 0;
    std::vector<Tensor> buffers;
  };
  // Names of the buffers a slot holds after its first update, in order.
  virtual std::vector<std::string> buffer_names() const = 0;
  // buffer_names().size() without building the names (step() must not allocate).
  virtual size_t buffer_count() const = 0;
  // Updates one parameter; slot.steps is already incremented and buffers allocated (zero-filled).
  // grad is contiguous with param's shape and dtype.
  virtual void update(Slot& slot, Tensor& param, const Tensor& grad) = 0;
  virtual nlohmann::json hyperparameters() const = 0;
  // Validates and applies hyperparameters saved by hyperparameters().
  virtual void set_hyperparameters(const nlohmann::json& h) = 0;

 private:
  NamedTensors params_;
  std::vector<Slot> slots_;
  double lr_ = 0;
  int64_t steps_ = 0;
};

struct SgdOptions {
  double lr = 0.01;
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;
};

class Sgd : public Optimizer {
 public:
  Sgd(NamedTensors params, const SgdOptions& options);
  const char* kind() const override { return "sgd"; }
  const SgdOptions& options() const { return options_; }

 protected:
  std::vector<std::string> buffer_names() const override;
  size_t buffer_count() const override { return options_.momentum != 0 ? 1 : 0; }
  void update(Slot& slot, Tensor& param, const Tensor& grad) override;
  nlohmann::json hyperparameters() const override;
  void set_hyperparameters(const nlohmann::json& h) override;

 private:
  SgdOptions options_;
};

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;  // AdamW's default is 1e-2: see AdamW::default_options()
};

// Adam with L2 weight decay added to the gradient (torch.optim.Adam).
class Adam : public Optimizer {
 public:
  Adam(NamedTensors params, const AdamOptions& options);
  const char* kind() const override { return "adam"; }
  const AdamOptions& options() const { return options_; }

 protected:
  Adam(NamedTensors params, const AdamOptions& options, bool decoupled);
  std::vector<std::string> buffer_names() const override { return {"m", "v"}; }
  size_t buffer_count() const override { return 2; }
  void update(Slot& slot, Tensor& param, const Tensor& grad) override;
  nlohmann::json hyperparameters() const override;
  void set_hyperparameters(const nlohmann::json& h) override;

 private:
  AdamOptions options_;
  bool decoupled_;
};

// Adam with decoupled weight decay (torch.optim.AdamW): param *= 1 - lr * weight_decay each step.
class AdamW : public Adam {
 public:
  AdamW(NamedTensors params, const AdamOptions& options);
  static AdamOptions default_options() {
    AdamOptions o;
    o.weight_decay = 1e-2;
    return o;
  }
  const char* kind() const override { return "adamw"; }
};

// Builds an optimizer from a type name ("sgd", "adam", "adamw") and a JSON object of options
// ({"lr":..., "momentum":..., "betas":[b1,b2], "eps":..., "weight_decay":..., "nesterov":...});
// unknown keys and bad values raise an Error naming the key.
std::unique_ptr<Optimizer> make_optimizer(std::string_view type, const nlohmann::json& options, NamedTensors params);

}  // namespace attend::nn
