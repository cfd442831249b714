// Learning-rate schedule formulas and their JSON / text parsing.
#include "nn/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "nn/json_fields.h"
#include "base/json_excerpt.h"

namespace attend::nn {
namespace jf = json_fields;
using nlohmann::json;

const char* schedule_kind_name(Schedule::Kind kind) {
  switch (kind) {
    case Schedule::Kind::Constant: return "constant";
    case Schedule::Kind::Step: return "step";
    case Schedule::Kind::InverseSqrt: return "inverse_sqrt";
    case Schedule::Kind::Cosine: return "cosine";
  }
  return "?";
}

double Schedule::lr_at(int64_t step) const {
  ATTEND_CHECK(step >= 0, "schedule: step must be >= 0, got {}", step);
  validate();  // a hand-filled Schedule with step_size 0 would divide by zero
  const double s = static_cast<double>(step);
  const double w = static_cast<double>(warmup);
  switch (kind) {
    case Kind::InverseSqrt: {
      const double s1 = s + 1;
      return base_lr * std::min(s1 / w, std::sqrt(w / s1));
    }
    default: break;
  }
  if (step < warmup) {
    // Ramp towards the value the schedule has at the end of warm-up.
    const double peak = kind == Kind::Step ? base_lr * std::pow(gamma, std::floor(w / step_size)) : base_lr;
    return peak * (s + 1) / w;
  }
  switch (kind) {
    case Kind::Constant: return base_lr;
    case Kind::Step: return base_lr * std::pow(gamma, std::floor(s / static_cast<double>(step_size)));
    case Kind::Cosine: {
      const double p = std::clamp((s - w) / static_cast<double>(total_steps - warmup), 0.0, 1.0);
      return min_lr + (base_lr - min_lr) * 0.5 * (1 + std::cos(std::numbers::pi * p));
    }
    case Kind::InverseSqrt: break;
  }
  return base_lr;
}

void Schedule::validate() const {
  const char* name = schedule_kind_name(kind);
  ATTEND_CHECK(std::isfinite(base_lr) && base_lr >= 0, "schedule {}: 'lr' must be finite and >= 0, got {}", name,
               base_lr);
  ATTEND_CHECK(warmup >= 0, "schedule {}: 'warmup' must be >= 0, got {}", name, warmup);
  switch (kind) {
    case Kind::Constant: break;
    case Kind::Step:
      ATTEND_CHECK(step_size > 0, "schedule step: 'step_size' must be > 0, got {}", step_size);
      ATTEND_CHECK(std::isfinite(gamma) && gamma > 0, "schedule step: 'gamma' must be finite and > 0, got {}", gamma);
      break;
    case Kind::InverseSqrt:
      ATTEND_CHECK(warmup > 0, "schedule inverse_sqrt: 'warmup' must be > 0, got {}", warmup);
      break;
    case Kind::Cosine:
      ATTEND_CHECK(total_steps > warmup, "schedule cosine: 'total_steps' must be > warmup ({}), got {}", warmup,
                   total_steps);
      ATTEND_CHECK(std::isfinite(min_lr) && min_lr >= 0 && min_lr <= base_lr,
                   "schedule cosine: 'min_lr' must be in [0, lr = {}], got {}", base_lr, min_lr);
      break;
  }
}

namespace {

Schedule::Kind parse_kind(const std::string& name) {
  if (name == "constant") return Schedule::Kind::Constant;
  if (name == "step") return Schedule::Kind::Step;
  if (name == "inverse_sqrt" || name == "noam") return Schedule::Kind::InverseSqrt;
  if (name == "cosine") return Schedule::Kind::Cosine;
  ATTEND_FAIL("schedule: unknown type '{}' (known: constant, step, inverse_sqrt, noam, cosine)", name);
}

int64_t non_negative_int(const json& v, const char* key) {
  const int64_t i = jf::integer(v, "schedule", key);
  ATTEND_CHECK(i >= 0, "schedule: '{}' must be >= 0, got {}", key, i);
  return i;
}

}  // namespace

Schedule Schedule::from_json(const json& spec, double base_lr) {
  Schedule s;
  s.base_lr = base_lr;
  if (spec.is_string()) {
    s.kind = parse_kind(spec.get<std::string>());
  } else {
    ATTEND_CHECK(spec.is_object(), "schedule: expected a type name or a JSON object, got {}", json_excerpt(spec));
    s.kind = parse_kind(jf::string(jf::require(spec, "schedule", "type"), "schedule", "type"));
    const std::string ctx = fmt::format("schedule {}", schedule_kind_name(s.kind));
    switch (s.kind) {
      case Kind::Constant: jf::only_keys(spec, ctx, {"type", "lr", "warmup"}); break;
      case Kind::Step: jf::only_keys(spec, ctx, {"type", "lr", "warmup", "step_size", "gamma"}); break;
      case Kind::InverseSqrt: jf::only_keys(spec, ctx, {"type", "lr", "warmup"}); break;
      case Kind::Cosine: jf::only_keys(spec, ctx, {"type", "lr", "warmup", "total_steps", "min_lr"}); break;
    }
    for (auto it = spec.begin(); it != spec.end(); ++it) {
      const std::string& key = it.key();
      if (key == "lr") s.base_lr = jf::number(*it, ctx, "lr");
      else if (key == "warmup") s.warmup = non_negative_int(*it, "warmup");
      else if (key == "step_size") s.step_size = non_negative_int(*it, "step_size");
      else if (key == "gamma") s.gamma = jf::number(*it, ctx, "gamma");
      else if (key == "total_steps") s.total_steps = non_negative_int(*it, "total_steps");
      else if (key == "min_lr") s.min_lr = jf::number(*it, ctx, "min_lr");
    }
  }
  s.validate();
  return s;
}

Schedule Schedule::parse(std::string_view spec, double base_lr) {
  const size_t first = spec.find_first_not_of(" \t\n");
  if (first != std::string_view::npos && (spec[first] == '{' || spec[first] == '"')) {
    json j = json::parse(spec, nullptr, /*allow_exceptions=*/false);
    ATTEND_CHECK(!j.is_discarded(), "schedule: '{}' is not valid JSON", spec);
    return from_json(j, base_lr);
  }
  const size_t colon = spec.find(':');
  json obj = json::object();
  obj["type"] = std::string(spec.substr(0, colon));
  if (colon != std::string_view::npos) {
    std::string_view rest = spec.substr(colon + 1);
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      const std::string_view item = rest.substr(0, comma);
      const size_t eq = item.find('=');
      ATTEND_CHECK(eq != std::string_view::npos && eq > 0, "schedule: expected key=value in '{}', got '{}'", spec,
                   item);
      const std::string key(item.substr(0, eq));
      const std::string value(item.substr(eq + 1));
      // Values are numbers; parse them as JSON so "1e-4" and "100" both work.
      json v = json::parse(value, nullptr, false);
      ATTEND_CHECK(!v.is_discarded() && v.is_number(), "schedule: '{}' must be a number, got '{}'", key, value);
      obj[key] = v;
      if (comma == std::string_view::npos) break;
      rest = rest.substr(comma + 1);
    }
  }
  return from_json(obj, base_lr);
}

json Schedule::to_json() const {
  json j{{"type", schedule_kind_name(kind)}, {"lr", base_lr}, {"warmup", warmup}};
  if (kind == Kind::Step) {
    j["step_size"] = step_size;
    j["gamma"] = gamma;
  }
  if (kind == Kind::Cosine) {
    j["total_steps"] = total_steps;
    j["min_lr"] = min_lr;
  }
  return j;
}

}  // namespace attend::nn
