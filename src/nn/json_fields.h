// Checked reads of JSON fields for configs, optimizer state and checkpoints: each failure is an
// attend::Error that names the context ("schedule", "checkpoint 'x/state.json'") and the key.
#pragma once
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/json_excerpt.h"

namespace attend::nn::json_fields {

using nlohmann::json;

inline const json& require(const json& obj, std::string_view ctx, const char* key) {
  ATTEND_CHECK(obj.is_object(), "{}: expected a JSON object, got {}", ctx, obj.type_name());
  auto it = obj.find(key);
  ATTEND_CHECK(it != obj.end(), "{}: missing key '{}'", ctx, key);
  return *it;
}

inline double number(const json& v, std::string_view ctx, const char* key) {
  ATTEND_CHECK(v.is_number(), "{}: '{}' must be a number, got {} {}", ctx, key, v.type_name(), json_excerpt(v));
  const double d = v.get<double>();
  ATTEND_CHECK(std::isfinite(d), "{}: '{}' must be finite, got {}", ctx, key, d);
  return d;
}

inline int64_t integer(const json& v, std::string_view ctx, const char* key) {
  if (v.is_number_float()) {
    const double d = v.get<double>();
    ATTEND_CHECK(std::isfinite(d) && d == std::floor(d) && std::abs(d) < 9e15, "{}: '{}' must be an integer, got {}",
                 ctx, key, json_excerpt(v));
    return static_cast<int64_t>(d);
  }
  ATTEND_CHECK(v.is_number_integer(), "{}: '{}' must be an integer, got {} {}", ctx, key, v.type_name(), json_excerpt(v));
  if (v.is_number_unsigned())
    ATTEND_CHECK(v.get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX), "{}: '{}' is too large: {}", ctx, key,
                 json_excerpt(v));
  return v.get<int64_t>();
}

inline std::string string(const json& v, std::string_view ctx, const char* key) {
  ATTEND_CHECK(v.is_string(), "{}: '{}' must be a string, got {} {}", ctx, key, v.type_name(), json_excerpt(v));
  return v.get<std::string>();
}

// Rejects keys outside `allowed`, naming the first unknown one.
inline void only_keys(const json& obj, std::string_view ctx, std::initializer_list<std::string_view> allowed) {
  ATTEND_CHECK(obj.is_object(), "{}: expected a JSON object, got {}", ctx, obj.type_name());
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool known = false;
    for (std::string_view a : allowed) known = known || it.key() == a;
    std::string list;
    if (!known)
      for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    ATTEND_CHECK(known, "{}: unknown key '{}' (known: {})", ctx, it.key(), list);
  }
}

}  // namespace attend::nn::json_fields
