// Element types a Tensor can hold: float32 for activations and weights, float64 for gradient checks
// and reference twins, int32/int64 for token ids.
#pragma once
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "base/error.h"

namespace attend {

enum class DType : uint8_t { F32, F64, I32, I64 };

constexpr size_t dtype_size(DType t) {
  switch (t) {
    case DType::F32: return 4;
    case DType::F64: return 8;
    case DType::I32: return 4;
    case DType::I64: return 8;
  }
  return 0;
}

constexpr const char* dtype_name(DType t) {
  switch (t) {
    case DType::F32: return "float32";
    case DType::F64: return "float64";
    case DType::I32: return "int32";
    case DType::I64: return "int64";
  }
  return "?";
}

constexpr bool is_floating(DType t) { return t == DType::F32 || t == DType::F64; }

template <class T>
constexpr DType dtype_of() {
  if constexpr (std::is_same_v<T, float>) return DType::F32;
  else if constexpr (std::is_same_v<T, double>) return DType::F64;
  else if constexpr (std::is_same_v<T, int32_t>) return DType::I32;
  else {
    static_assert(std::is_same_v<T, int64_t>, "unsupported element type");
    return DType::I64;
  }
}

// Calls fn.template operator()<T>() with T = float or double. `op` names the caller for the error.
template <class Fn>
decltype(auto) dispatch_float(DType t, const char* op, Fn&& fn) {
  switch (t) {
    case DType::F32: return fn.template operator()<float>();
    case DType::F64: return fn.template operator()<double>();
    default: break;
  }
  ATTEND_FAIL("{}: expected a floating-point tensor, got {}", op, dtype_name(t));
}

// Calls fn.template operator()<T>() with T = the element type of any dtype.
template <class Fn>
decltype(auto) dispatch_any(DType t, const char* op, Fn&& fn) {
  switch (t) {
    case DType::F32: return fn.template operator()<float>();
    case DType::F64: return fn.template operator()<double>();
    case DType::I32: return fn.template operator()<int32_t>();
    case DType::I64: return fn.template operator()<int64_t>();
  }
  ATTEND_FAIL("{}: unknown dtype {}", op, static_cast<int>(t));
}

// Calls fn.template operator()<T>() with T = int32_t or int64_t.
template <class Fn>
decltype(auto) dispatch_index(DType t, const char* op, Fn&& fn) {
  switch (t) {
    case DType::I32: return fn.template operator()<int32_t>();
    case DType::I64: return fn.template operator()<int64_t>();
    default: break;
  }
  ATTEND_FAIL("{}: expected an int32 or int64 index tensor, got {}", op, dtype_name(t));
}

}  // namespace attend
