// Learning-rate schedules as a small value type. `step` is the number of optimizer updates already
// taken (0 for the first update), so a loop does `opt.set_lr(sched.lr_at(step)); opt.step(); ++step`.
// Warm-up ramps linearly: lr = peak * (step + 1) / warmup for step < warmup, so the first update
// already moves the weights.
//   constant      base (after optional warm-up)
//   step          base * gamma^floor(step / step_size)           (torch StepLR; optional warm-up)
//   inverse_sqrt  base * min(s / warmup, sqrt(warmup / s)), s = step + 1   (Noam; peak = base at s = warmup)
//   cosine        warm-up, then min_lr + (base - min_lr) * (1 + cos(pi * p)) / 2,
//                 p = (step - warmup) / (total_steps - warmup) clamped to [0, 1]
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace attend::nn {

struct Schedule {
  enum class Kind { Constant, Step, InverseSqrt, Cosine };

  Kind kind = Kind::Constant;
  double base_lr = 1e-3;
  int64_t warmup = 0;
  int64_t step_size = 0;  // Step: decay every step_size updates
  double gamma = 0.1;     // Step: factor per decay
  int64_t total_steps = 0;  // Cosine: step at which min_lr is reached
  double min_lr = 0;        // Cosine

  double lr_at(int64_t step) const;

  // Checks the fields (an Error names the offending one).
  void validate() const;

  // From JSON: a type name ("constant", "step", "inverse_sqrt" or "noam", "cosine") or an object
  // {"type": "cosine", "lr": 3e-4, "warmup": 100, "total_steps": 5000, "min_lr": 1e-5}. `lr` overrides
  // base_lr. Unknown keys and bad values raise an Error naming the key.
  static Schedule from_json(const nlohmann::json& spec, double base_lr);
  // From text: JSON (starting with '{' or '"'), or "type" / "type:key=value,key=value"
  // (e.g. "cosine:warmup=100,total_steps=5000").
  static Schedule parse(std::string_view spec, double base_lr);
  nlohmann::json to_json() const;
};

const char* schedule_kind_name(Schedule::Kind kind);

}  // namespace attend::nn
