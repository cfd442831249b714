// Element-wise copy and accumulation between two strided views of one logical shape (strides in
// elements, any sign-free layout). Used by the layout ops: concat/stack forward, and the backward of
// views (transpose, slice, ...), which adds a dense gradient into a strided window of another one.
#pragma once
#include <cstdint>

namespace attend::kernels {

inline constexpr int kMaxStridedDims = 8;

// dst and src: `shape` with their own strides.
struct StridedLayout {
  int ndim = 0;
  int64_t shape[kMaxStridedDims] = {};
  int64_t dst_strides[kMaxStridedDims] = {};
  int64_t src_strides[kMaxStridedDims] = {};
};

// dst[i] = src[i] for every index i of the shape.
template <class T>
void strided_copy(const StridedLayout& layout, const T* src, T* dst);
// dst[i] += src[i]. dst must not overlap itself (no two indices map to one element).
template <class T>
void strided_add(const StridedLayout& layout, const T* src, T* dst);

}  // namespace attend::kernels
