// Module parameter registry.
#include "nn/module.h"

namespace attend::nn {

Tensor& Module::register_parameter(const std::string& name, Tensor t) {
  for (auto& [n, p] : params_) ATTEND_CHECK(n != name, "module: parameter '{}' registered twice", name);
  t.set_requires_grad(true);
  params_.emplace_back(name, std::move(t));
  return params_.back().second;
}

void Module::register_module(const std::string& name, Module* child) {
  for (auto& [n, c] : children_) ATTEND_CHECK(n != name, "module: child '{}' registered twice", name);
  children_.emplace_back(name, child);
}

void Module::collect(const std::string& prefix, std::vector<std::pair<std::string, Tensor>>& out) const {
  for (const auto& [n, p] : params_) out.emplace_back(prefix + n, p);
  for (const auto& [n, c] : children_) c->collect(prefix + n + ".", out);
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Tensor>> out;
  collect("", out);
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [n, p] : named_parameters()) out.push_back(p);
  return out;
}

int64_t Module::parameter_count() const {
  int64_t n = 0;
  for (auto& [name, p] : named_parameters()) n += p.numel();
  return n;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [n, c] : children_) c->train(on);
}

void Module::zero_grad() {
  for (auto& [n, p] : named_parameters()) p.zero_grad();
}

std::unique_ptr<kernels::FrozenBf16Operands> Module::freeze_parameters_for_bf16() const {
  if (kernels::gemm_precision() != kernels::GemmPrecision::Bf16) return nullptr;
  std::vector<std::pair<const float*, int64_t>> weights;
  for (const Tensor& p : parameters())
    if (p.dtype() == DType::F32 && p.is_contiguous()) weights.emplace_back(p.data<float>(), p.numel());
  return std::make_unique<kernels::FrozenBf16Operands>(weights);
}

}  // namespace attend::nn
