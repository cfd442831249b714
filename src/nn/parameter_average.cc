// The parameter average's update, swap and checkpoint state.
#include "nn/parameter_average.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "base/error.h"

namespace attend::nn {

namespace {

template <class T>
void blend(T* avg, const T* p, int64_t n, double keep) {
  const T k = static_cast<T>(keep), take = static_cast<T>(1.0 - keep);
  for (int64_t i = 0; i < n; ++i) avg[i] = k * avg[i] + take * p[i];
}

template <class T>
void exchange(T* a, T* b, int64_t n) {
  std::swap_ranges(a, a + n, b);
}

}  // namespace

ParameterAverage::ParameterAverage(const Module& model, double decay)
    : params_(model.named_parameters()), decay_(decay) {
  ATTEND_CHECK(std::isfinite(decay) && decay > 0 && decay < 1, "parameter average: decay must be in (0, 1), got {}",
               decay);
  average_.reserve(params_.size());
  for (const auto& [name, p] : params_) {
    ATTEND_CHECK(p.is_contiguous() && (p.dtype() == DType::F32 || p.dtype() == DType::F64),
                 "parameter average: '{}' must be a contiguous f32 or f64 tensor", name);
    Tensor copy = Tensor::empty(p.shape(), p.dtype());
    copy.copy_from_(p);
    average_.emplace_back(name, std::move(copy));
  }
}

void ParameterAverage::update() {
  const double n = static_cast<double>(updates_);
  const double keep = std::min(decay_, (1.0 + n) / (10.0 + n));
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor& p = params_[i].second;
    Tensor& a = average_[i].second;
    if (p.dtype() == DType::F32) blend(a.data<float>(), p.data<float>(), p.numel(), keep);
    else blend(a.data<double>(), p.data<double>(), p.numel(), keep);
  }
  ++updates_;
}

void ParameterAverage::swap_with_model() {
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor& p = params_[i].second;
    Tensor& a = average_[i].second;
    if (p.dtype() == DType::F32) exchange(a.data<float>(), p.data<float>(), p.numel());
    else exchange(a.data<double>(), p.data<double>(), p.numel());
  }
}

void ParameterAverage::load(const NamedTensors& tensors, int64_t updates) {
  ATTEND_CHECK(updates >= 0, "parameter average: update count must be >= 0, got {}", updates);
  ATTEND_CHECK(tensors.size() == average_.size(), "parameter average: {} tensors saved, the model has {} parameters",
               tensors.size(), average_.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const auto& [name, t] = tensors[i];
    const auto& [want, a] = average_[i];
    ATTEND_CHECK(name == want, "parameter average: tensor {} is '{}', expected '{}'", i, name, want);
    ATTEND_CHECK(t.shape() == a.shape() && t.dtype() == a.dtype(),
                 "parameter average: '{}' has shape {} {}, the model's is {} {}", name, t.shape().str(),
                 dtype_name(t.dtype()), a.shape().str(), dtype_name(a.dtype()));
  }
  for (size_t i = 0; i < tensors.size(); ++i) average_[i].second.copy_from_(tensors[i].second);
  updates_ = updates;
}

}  // namespace attend::nn
