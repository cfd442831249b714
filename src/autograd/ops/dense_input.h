// Helpers for ops that hand raw pointers to kernels: a contiguous version of an input (a copy only when it is
// a strided view; undefined stays undefined) and its data pointer or null.
#pragma once
#include "tensor/tensor.h"

namespace attend {

inline Tensor dense(const Tensor& t) { return !t.defined() || t.is_contiguous() ? t : t.copy(); }

template <class T>
const T* data_or_null(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

}  // namespace attend
