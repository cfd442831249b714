// conv1d_same kernels: rows are independent, so forward and dx thread over rows; dweight is a reduction
// over every row, so it threads over channels instead (C * K outputs, each a sum over N * L): no
// per-thread partial buffers, no allocation.
#include "kernels/conv1d.h"

#include <algorithm>

#include "kernels/parallel_chunks.h"

namespace attend::kernels {
namespace {

// Positions l for which x[l + k - half] is inside [0, L): [first_l, last_l).
inline void valid_range(int64_t length, int64_t k, int64_t half, int64_t* first_l, int64_t* last_l) {
  const int64_t shift = k - half;
  *first_l = std::max<int64_t>(0, -shift);
  *last_l = std::min<int64_t>(length, length - shift);
}

template <class T>
void forward_rows(const Conv1dShape& s, const T* x, const T* w, T* y, int64_t first, int64_t last) {
  const int64_t L = s.length, C = s.channels, K = s.width, half = K / 2;
  for (int64_t n = first; n < last; ++n) {
    const T* xr = x + n * L;
    T* yr = y + n * L * C;
    std::fill(yr, yr + L * C, T(0));
    for (int64_t k = 0; k < K; ++k) {
      int64_t l0, l1;
      valid_range(L, k, half, &l0, &l1);
      const int64_t shift = k - half;
      for (int64_t l = l0; l < l1; ++l) {
        const T xv = xr[l + shift];
        T* yl = yr + l * C;
        for (int64_t c = 0; c < C; ++c) yl[c] += w[c * K + k] * xv;
      }
    }
  }
}

// dx[n, l + shift] += sum_c w[c, k] dy[n, l, c]
template <class T>
void backward_x_rows(const Conv1dShape& s, const T* w, const T* dy, T* dx, int64_t first, int64_t last) {
  const int64_t L = s.length, C = s.channels, K = s.width, half = K / 2;
  for (int64_t n = first; n < last; ++n) {
    const T* gr = dy + n * L * C;
    T* dxr = dx + n * L;
    for (int64_t k = 0; k < K; ++k) {
      int64_t l0, l1;
      valid_range(L, k, half, &l0, &l1);
      const int64_t shift = k - half;
      for (int64_t l = l0; l < l1; ++l) {
        const T* gl = gr + l * C;
        T acc = 0;
        for (int64_t c = 0; c < C; ++c) acc += w[c * K + k] * gl[c];
        dxr[l + shift] += acc;
      }
    }
  }
}

// dw[c, k] += sum_{n, l} dy[n, l, c] x[n, l + shift], for channels [first, last)
template <class T>
void backward_w_channels(const Conv1dShape& s, const T* x, const T* dy, T* dw, int64_t first, int64_t last) {
  const int64_t L = s.length, C = s.channels, K = s.width, half = K / 2;
  for (int64_t c = first; c < last; ++c)
    for (int64_t k = 0; k < K; ++k) {
      int64_t l0, l1;
      valid_range(L, k, half, &l0, &l1);
      const int64_t shift = k - half;
      T acc = 0;
      for (int64_t n = 0; n < s.rows; ++n) {
        const T* xr = x + n * L;
        const T* gr = dy + n * L * C + c;
        for (int64_t l = l0; l < l1; ++l) acc += gr[l * C] * xr[l + shift];
      }
      dw[c * K + k] += acc;
    }
}

template <class T>
void forward_impl(const Conv1dShape& s, const T* x, const T* w, T* y) {
  parallel_chunks(s.rows, s.rows * s.length * s.channels * s.width,
                  [&](int64_t first, int64_t last) { forward_rows(s, x, w, y, first, last); });
}

template <class T>
void backward_impl(const Conv1dShape& s, const T* x, const T* w, const T* dy, T* dx, T* dw) {
  const int64_t work = s.rows * s.length * s.channels * s.width;
  if (dx)
    parallel_chunks(s.rows, work, [&](int64_t first, int64_t last) { backward_x_rows(s, w, dy, dx, first, last); });
  if (dw)
    parallel_chunks(s.channels, work,
                    [&](int64_t first, int64_t last) { backward_w_channels(s, x, dy, dw, first, last); });
}

}  // namespace

void conv1d_same_forward(const Conv1dShape& s, const float* x, const float* weight, float* y) {
  forward_impl(s, x, weight, y);
}
void conv1d_same_forward(const Conv1dShape& s, const double* x, const double* weight, double* y) {
  forward_impl(s, x, weight, y);
}
void conv1d_same_backward(const Conv1dShape& s, const float* x, const float* weight, const float* dy, float* dx,
                          float* dweight) {
  backward_impl(s, x, weight, dy, dx, dweight);
}
void conv1d_same_backward(const Conv1dShape& s, const double* x, const double* weight, const double* dy, double* dx,
                          double* dweight) {
  backward_impl(s, x, weight, dy, dx, dweight);
}

}  // namespace attend::kernels
