// Strided copy/add: drop size-1 axes, merge axes that are dense in both views (so contiguous pairs
// become one flat loop), then run the innermost axis as a tight loop and split the rest over threads.
#include "kernels/strided.h"

#include "kernels/parallel_rows.h"

namespace attend::kernels {
namespace {

StridedLayout coalesce(const StridedLayout& in) {
  StridedLayout out;
  for (int d = 0; d < in.ndim; ++d) {
    if (in.shape[d] == 1) continue;
    const int k = out.ndim;
    if (k > 0 && out.dst_strides[k - 1] == in.dst_strides[d] * in.shape[d] &&
        out.src_strides[k - 1] == in.src_strides[d] * in.shape[d]) {
      // axis d continues axis k-1 densely in both views: merge
      out.shape[k - 1] *= in.shape[d];
      out.dst_strides[k - 1] = in.dst_strides[d];
      out.src_strides[k - 1] = in.src_strides[d];
      continue;
    }
    out.shape[k] = in.shape[d];
    out.dst_strides[k] = in.dst_strides[d];
    out.src_strides[k] = in.src_strides[d];
    out.ndim = k + 1;
  }
  if (out.ndim == 0) {  // a single element
    out.ndim = 1;
    out.shape[0] = 1;
    out.dst_strides[0] = out.src_strides[0] = 1;
  }
  return out;
}

template <bool kAdd, class T>
void strided_apply(const StridedLayout& layout, const T* src, T* dst) {
  for (int d = 0; d < layout.ndim; ++d)
    if (layout.shape[d] == 0) return;
  const StridedLayout l = coalesce(layout);
  const int nd = l.ndim;
  const int64_t inner = l.shape[nd - 1];
  const int64_t ds = l.dst_strides[nd - 1], ss = l.src_strides[nd - 1];
  int64_t outer = 1;
  for (int d = 0; d < nd - 1; ++d) outer *= l.shape[d];
  parallel_rows(outer, inner, [&](int64_t first, int64_t last) {
    // multi-index of row `first` over the outer axes
    int64_t idx[kMaxStridedDims] = {};
    int64_t doff = 0, soff = 0;
    for (int64_t r = first, d = nd - 2; d >= 0; --d) {
      idx[d] = r % l.shape[d];
      r /= l.shape[d];
      doff += idx[d] * l.dst_strides[d];
      soff += idx[d] * l.src_strides[d];
    }
    for (int64_t row = first; row < last; ++row) {
      T* o = dst + doff;
      const T* s = src + soff;
      if (ds == 1 && ss == 1) {
        for (int64_t i = 0; i < inner; ++i) {
          if constexpr (kAdd) o[i] += s[i];
          else o[i] = s[i];
        }
      } else {
        for (int64_t i = 0; i < inner; ++i) {
          if constexpr (kAdd) o[i * ds] += s[i * ss];
          else o[i * ds] = s[i * ss];
        }
      }
      for (int d = nd - 2; d >= 0; --d) {
        ++idx[d];
        doff += l.dst_strides[d];
        soff += l.src_strides[d];
        if (idx[d] < l.shape[d]) break;
        doff -= l.dst_strides[d] * l.shape[d];
        soff -= l.src_strides[d] * l.shape[d];
        idx[d] = 0;
      }
    }
  });
}

}  // namespace

template <class T>
void strided_copy(const StridedLayout& layout, const T* src, T* dst) {
  strided_apply<false>(layout, src, dst);
}
template <class T>
void strided_add(const StridedLayout& layout, const T* src, T* dst) {
  strided_apply<true>(layout, src, dst);
}

template void strided_copy<float>(const StridedLayout&, const float*, float*);
template void strided_copy<double>(const StridedLayout&, const double*, double*);
template void strided_copy<int32_t>(const StridedLayout&, const int32_t*, int32_t*);
template void strided_copy<int64_t>(const StridedLayout&, const int64_t*, int64_t*);
template void strided_add<float>(const StridedLayout&, const float*, float*);
template void strided_add<double>(const StridedLayout&, const double*, double*);

}  // namespace attend::kernels
