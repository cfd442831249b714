// Reduction kernels. reduce_sum first simplifies the geometry (drops size-1 axes, merges neighbours
// that are both kept or both summed), then takes one of two loops:
//   last axis summed: each output is a sum of dense runs (vectorised double accumulator);
//   last axis kept:   each output row adds whole input rows into a block of double accumulators.
// A sum of everything is split into fixed blocks, so its rounding does not depend on the thread count.
#include "kernels/reduce.h"

#include <algorithm>

#include "kernels/parallel_chunks.h"
#include "kernels/vecmath.h"

namespace attend::kernels {
namespace detail {

// Axes of a contiguous tensor after simplification, each with its element stride.
struct ReducePlan {
  int ndim = 0;
  int64_t shape[kMaxReduceDims] = {};
  int64_t stride[kMaxReduceDims] = {};
  bool reduced[kMaxReduceDims] = {};
};

ReducePlan make_plan(const ReduceGeometry& g) {
  ReducePlan p;
  for (int i = 0; i < g.ndim; ++i) {
    if (g.shape[i] == 1) continue;
    if (p.ndim > 0 && p.reduced[p.ndim - 1] == g.reduced[i]) {
      p.shape[p.ndim - 1] *= g.shape[i];  // dense input: neighbours of one kind merge
      continue;
    }
    p.shape[p.ndim] = g.shape[i];
    p.reduced[p.ndim] = g.reduced[i];
    ++p.ndim;
  }
  for (int64_t i = p.ndim - 1, s = 1; i >= 0; --i) {
    p.stride[i] = s;
    s *= p.shape[i];
  }
  return p;
}

// Walks the combinations of a subset of axes, keeping the element offset in step.
struct AxisWalker {
  int n = 0;
  int64_t shape[kMaxReduceDims] = {};
  int64_t stride[kMaxReduceDims] = {};
  int64_t idx[kMaxReduceDims] = {};
  int64_t offset = 0;

  void add_axis(int64_t size, int64_t step) {
    shape[n] = size;
    stride[n] = step;
    ++n;
  }
  int64_t count() const {
    int64_t c = 1;
    for (int i = 0; i < n; ++i) c *= shape[i];
    return c;
  }
  void seek(int64_t linear) {
    offset = 0;
    for (int d = n - 1; d >= 0; --d) {
      idx[d] = linear % shape[d];
      linear /= shape[d];
      offset += idx[d] * stride[d];
    }
  }
  void next() {
    for (int d = n - 1; d >= 0; --d) {
      ++idx[d];
      offset += stride[d];
      if (idx[d] < shape[d]) return;
      offset -= stride[d] * shape[d];
      idx[d] = 0;
    }
  }
};

template <class T>
[[gnu::always_inline]] inline double sum_dense(const T* x, int64_t n) {
  double s = 0;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(x[i]);
  return s;
}

template <class T>
[[gnu::always_inline]] inline void store(T& dst, double sum, double alpha, bool accumulate) {
  dst = accumulate ? static_cast<T>(dst + alpha * sum) : static_cast<T>(alpha * sum);
}

// Last axis summed: outputs [o0, o1), each the sum over `outer_reduced` combinations of dense runs of n.
template <class T>
ATTEND_TARGET_CLONES void sum_last_axis(AxisWalker kept, AxisWalker outer_reduced, int64_t n, int64_t o0, int64_t o1,
                                        const T* x, T* y, double alpha, bool accumulate) {
  const int64_t combos = outer_reduced.count();
  kept.seek(o0);
  for (int64_t o = o0; o < o1; ++o, kept.next()) {
    double s = 0;
    outer_reduced.seek(0);
    for (int64_t c = 0; c < combos; ++c, outer_reduced.next())
      s += sum_dense(x + kept.offset + outer_reduced.offset, n);
    store(y[o], s, alpha, accumulate);
  }
}

// Columns per accumulator block when the last axis is kept (double accumulators on the stack).
inline constexpr int64_t kColumnBlock = 128;

// Last axis kept (length n): tasks [t0, t1) are (output row, column block) pairs; each adds the input
// rows of every reduced combination into a block of double accumulators.
template <class T>
ATTEND_TARGET_CLONES void sum_keep_last_axis(AxisWalker kept_outer, AxisWalker reduced, int64_t n, int64_t t0,
                                             int64_t t1, const T* x, T* y, double alpha, bool accumulate) {
  const int64_t blocks = (n + kColumnBlock - 1) / kColumnBlock;
  const int64_t combos = reduced.count();
  double acc[kColumnBlock];
  for (int64_t t = t0; t < t1; ++t) {
    const int64_t r = t / blocks;
    const int64_t c0 = (t % blocks) * kColumnBlock;
    const int64_t cols = std::min(kColumnBlock, n - c0);
    kept_outer.seek(r);
    const T* base = x + kept_outer.offset + c0;
    for (int64_t j = 0; j < cols; ++j) acc[j] = 0;
    reduced.seek(0);
    for (int64_t c = 0; c < combos; ++c, reduced.next()) {
      const T* row = base + reduced.offset;
      for (int64_t j = 0; j < cols; ++j) acc[j] += static_cast<double>(row[j]);
    }
    T* out = y + r * n + c0;
    for (int64_t j = 0; j < cols; ++j) store(out[j], acc[j], alpha, accumulate);
  }
}

template <class T>
ATTEND_TARGET_CLONES double sum_range(const T* x, int64_t n) {
  return sum_dense(x, n);
}

}  // namespace detail

template <class T>
void reduce_sum(const ReduceGeometry& g, const T* x, T* y, double alpha, bool accumulate) {
  int64_t total = 1, outputs = 1;
  for (int i = 0; i < g.ndim; ++i) {
    total *= g.shape[i];
    if (!g.reduced[i]) outputs *= g.shape[i];
  }
  if (outputs == 0) return;
  if (total == 0) {  // summing over an empty axis
    for (int64_t o = 0; o < outputs; ++o) detail::store(y[o], 0.0, alpha, accumulate);
    return;
  }
  const detail::ReducePlan p = detail::make_plan(g);
  if (p.ndim == 0) {
    detail::store(y[0], static_cast<double>(x[0]), alpha, accumulate);
    return;
  }
  const int last = p.ndim - 1;
  const int64_t n = p.shape[last];
  if (p.ndim == 1 && p.reduced[0]) {
    // Everything summed: fixed blocks of partial sums, the same whatever the thread count.
    constexpr int64_t kMaxBlocks = 256;
    const int64_t blocks = std::clamp<int64_t>(n / 4096, 1, kMaxBlocks);
    double partial[kMaxBlocks];
    parallel_chunks(blocks, n, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        const int64_t lo = n * b / blocks, hi = n * (b + 1) / blocks;
        partial[b] = detail::sum_range(x + lo, hi - lo);
      }
    });
    double s = 0;
    for (int64_t b = 0; b < blocks; ++b) s += partial[b];
    detail::store(y[0], s, alpha, accumulate);
    return;
  }
  detail::AxisWalker kept, reduced;
  for (int i = 0; i < last; ++i) {
    if (p.reduced[i]) reduced.add_axis(p.shape[i], p.stride[i]);
    else kept.add_axis(p.shape[i], p.stride[i]);
  }
  if (p.reduced[last]) {
    parallel_chunks(outputs, total, [&](int64_t o0, int64_t o1) {
      detail::sum_last_axis(kept, reduced, n, o0, o1, x, y, alpha, accumulate);
    });
  } else {
    const int64_t tasks = (outputs / n) * ((n + detail::kColumnBlock - 1) / detail::kColumnBlock);
    parallel_chunks(tasks, total, [&](int64_t t0, int64_t t1) {
      detail::sum_keep_last_axis(kept, reduced, n, t0, t1, x, y, alpha, accumulate);
    });
  }
}

namespace {
// a beats b: larger, or the first NaN.
template <class T>
inline bool beats(T a, T b) {
  return a > b || (a != a && b == b);
}
}  // namespace

template <class T>
void max_forward(int64_t outer, int64_t n, int64_t inner, const T* x, T* y, int64_t* argmax) {
  parallel_chunks(outer, outer * n * inner, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o) {
      const T* xo = x + o * n * inner;
      T* yo = y + o * inner;
      int64_t* ao = argmax + o * inner;
      if (inner == 1) {
        T best = xo[0];
        int64_t at = 0;
        for (int64_t r = 1; r < n; ++r)
          if (beats(xo[r], best)) {
            best = xo[r];
            at = r;
          }
        yo[0] = best;
        ao[0] = at;
        continue;
      }
      for (int64_t j = 0; j < inner; ++j) {
        yo[j] = xo[j];
        ao[j] = 0;
      }
      for (int64_t r = 1; r < n; ++r) {
        const T* row = xo + r * inner;
        for (int64_t j = 0; j < inner; ++j)
          if (beats(row[j], yo[j])) {
            yo[j] = row[j];
            ao[j] = r;
          }
      }
    }
  });
}

template <class T>
void max_backward(int64_t outer, int64_t n, int64_t inner, const int64_t* argmax, const T* dy, T* dx) {
  parallel_chunks(outer, outer * inner, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o)
      for (int64_t j = 0; j < inner; ++j) dx[(o * n + argmax[o * inner + j]) * inner + j] += dy[o * inner + j];
  });
}

template void reduce_sum<float>(const ReduceGeometry&, const float*, float*, double, bool);
template void reduce_sum<double>(const ReduceGeometry&, const double*, double*, double, bool);
template void max_forward<float>(int64_t, int64_t, int64_t, const float*, float*, int64_t*);
template void max_forward<double>(int64_t, int64_t, int64_t, const double*, double*, int64_t*);
template void max_backward<float>(int64_t, int64_t, int64_t, const int64_t*, const float*, float*);
template void max_backward<double>(int64_t, int64_t, int64_t, const int64_t*, const double*, double*);

}  // namespace attend::kernels
