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
  // avg + take * (p - avg), not keep * avg + take * p: keep and take rounded to float need not sum to 1,
  // which would bias the average of a constant weight (by 5e-5 relative at decay 0.9995).
  const T take = static_cast<T>(1.0 - keep);
  for (int64_t i = 0; i < n; ++i) avg[i] += take * (p[i] - avg[i]);
}

// The "average.*" tensors of a checkpoint's caller tensors, stripped of the prefix, checked against `like`
// (the same names in order, shapes and dtypes).
NamedTensors saved_average(const NamedTensors& caller_tensors, const NamedTensors& like) {
  NamedTensors tensors;
  for (const auto& [name, t] : caller_tensors)
    if (name.starts_with(kAveragePrefix)) tensors.emplace_back(name.substr(kAveragePrefix.size()), t);
  ATTEND_CHECK(tensors.size() == like.size(), "parameter average: {} tensors saved, the model has {} parameters",
               tensors.size(), like.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const auto& [name, t] = tensors[i];
    const auto& [want, a] = like[i];
    ATTEND_CHECK(name == want, "parameter average: tensor {} is '{}', expected '{}'", i, name, want);
    ATTEND_CHECK(t.shape() == a.shape() && t.dtype() == a.dtype(),
                 "parameter average: '{}' has shape {} {}, the model's is {} {}", name, t.shape().str(),
                 dtype_name(t.dtype()), a.shape().str(), dtype_name(a.dtype()));
  }
  return tensors;
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
    const Tensor& a = average_[i].second;
    dispatch_float(p.dtype(), "parameter average", [&]<class T>() { blend(a.data<T>(), p.data<T>(), p.numel(), keep); });
  }
  ++updates_;
}

void ParameterAverage::swap_with_model() {
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor& p = params_[i].second;
    const Tensor& a = average_[i].second;
    dispatch_float(p.dtype(), "parameter average", [&]<class T>() {
      std::swap_ranges(a.data<T>(), a.data<T>() + a.numel(), p.data<T>());
    });
  }
}

NamedTensors ParameterAverage::state() const {
  NamedTensors out;
  out.reserve(average_.size());
  for (const auto& [name, t] : average_) out.emplace_back(std::string(kAveragePrefix) + name, t);
  return out;
}

void ParameterAverage::load(const NamedTensors& caller_tensors, int64_t updates) {
  ATTEND_CHECK(updates >= 0, "parameter average: update count must be >= 0, got {}", updates);
  const NamedTensors tensors = saved_average(caller_tensors, average_);
  for (size_t i = 0; i < tensors.size(); ++i) average_[i].second.copy_from_(tensors[i].second);
  updates_ = updates;
}

bool load_average_into(const Module& model, const NamedTensors& caller_tensors) {
  const bool any = std::any_of(caller_tensors.begin(), caller_tensors.end(),
                               [](const auto& e) { return e.first.starts_with(kAveragePrefix); });
  if (!any) return false;
  NamedTensors params = model.named_parameters();
  const NamedTensors tensors = saved_average(caller_tensors, params);  // validates before changing anything
  for (size_t i = 0; i < tensors.size(); ++i) params[i].second.copy_from_(tensors[i].second);
  return true;
}

}  // namespace attend::nn
