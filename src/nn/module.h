// Module: the base of every nn block. Holds parameters and child modules by name, so checkpoints,
// optimizers and gradient clipping can walk "encoder.layer0.weight_ih"-style names in a fixed order.
// Modules are not copyable: children are registered by address.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kernels/gemm_bf16.h"
#include "tensor/tensor.h"

namespace attend::nn {

class Module {
 public:
  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  virtual ~Module() = default;

  // Every parameter of this module and its children, in registration order, with dotted names.
  std::vector<std::pair<std::string, Tensor>> named_parameters() const;
  std::vector<Tensor> parameters() const;
  int64_t parameter_count() const;

  void train(bool on = true);
  void eval() { train(false); }
  bool training() const { return training_; }
  void zero_grad();

  // Under bf16 precision, a scope promising that the parameters do not change while it lives (a decode, or
  // one training step's forward and backward, ended before the optimizer step): GEMMs then round (and pack)
  // each weight once, not at every call. Null under f32. See kernels/gemm_bf16.h.
  std::unique_ptr<kernels::FrozenBf16Operands> freeze_parameters_for_bf16() const;

 protected:
  // Registers a parameter (marked requires_grad) and returns the stored handle.
  Tensor& register_parameter(const std::string& name, Tensor t);
  // Registers a child; the child must live as long as this module (usually a member).
  void register_module(const std::string& name, Module* child);

 private:
  void collect(const std::string& prefix, std::vector<std::pair<std::string, Tensor>>& out) const;
  std::vector<std::pair<std::string, Tensor>> params_;
  std::vector<std::pair<std::string, Module*>> children_;
  bool training_ = true;
};

}  // namespace attend::nn
