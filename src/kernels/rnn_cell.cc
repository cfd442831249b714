// Fused pointwise LSTM / GRU / Elman step kernels. Each kernel is a row function (a range of batch rows,
// inner loops over H that GCC vectorises) instantiated once for double and once for float inside an
// ATTEND_TARGET_CLONES wrapper; the step entry points split the rows over OpenMP threads when the step
// is big enough to pay for waking them.
#include "kernels/rnn_cell.h"

#include <omp.h>

#include <cstring>
#include <type_traits>

#include "kernels/vecmath.h"

namespace attend::kernels {
namespace {

// Below this many gate elements per step one thread is faster than a parallel region.
constexpr int64_t kParallelElements = 24 * 1024;

template <class F>
void for_row_ranges(int64_t rows, int64_t elements_per_row, F&& f) {
  if (rows < 2 || rows * elements_per_row < kParallelElements || omp_get_max_threads() < 2 || omp_in_parallel()) {
    f(int64_t{0}, rows);
    return;
  }
#pragma omp parallel
  {
    const int64_t nt = omp_get_num_threads(), id = omp_get_thread_num();
    const int64_t b0 = rows * id / nt, b1 = rows * (id + 1) / nt;
    if (b0 < b1) f(b0, b1);
  }
}

// A padded row: the state is carried over unchanged and the step's output is zero.
template <class T>
inline void carry_row(int64_t H, const T* h_prev, const T* c_prev, T* h_next, T* c_next, T* out) {
  std::memcpy(h_next, h_prev, sizeof(T) * H);
  if (c_next) std::memcpy(c_next, c_prev, sizeof(T) * H);
  if (out) std::memset(out, 0, sizeof(T) * H);
}

// ---- LSTM ----

template <class T>
[[gnu::always_inline]] inline void lstm_forward_rows(int64_t b0, int64_t b1, int64_t H, T* __restrict gates,
                                                     const T* __restrict bias, const T* __restrict h_prev,
                                                     const T* __restrict c_prev, const uint8_t* __restrict valid,
                                                     T* __restrict h_next, T* __restrict c_next, T* __restrict out) {
  for (int64_t b = b0; b < b1; ++b) {
    const int64_t r = b * H;
    T* out_row = out ? out + r : nullptr;
    if (valid && !valid[b]) {
      carry_row(H, h_prev + r, c_prev + r, h_next + r, c_next + r, out_row);
      continue;
    }
    T* gi = gates + 4 * r;
    T* gf = gi + H;
    T* gg = gi + 2 * H;
    T* go = gi + 3 * H;
    const T* cp = c_prev + r;
    T* cn = c_next + r;
    T* hn = h_next + r;
    for (int64_t j = 0; j < H; ++j) {
      const T i = vsigmoid(gi[j] + bias[j]);
      const T f = vsigmoid(gf[j] + bias[H + j]);
      const T g = vtanh(gg[j] + bias[2 * H + j]);
      const T o = vsigmoid(go[j] + bias[3 * H + j]);
      gi[j] = i;
      gf[j] = f;
      gg[j] = g;
      go[j] = o;
      const T c = f * cp[j] + i * g;
      cn[j] = c;
      hn[j] = o * vtanh(c);
    }
    if (out_row) std::memcpy(out_row, hn, sizeof(T) * H);
  }
}

// forward was c' = f c + i g, h' = o tanh(c'), so with dh' (incl. the output's gradient) and dc':
//   dc_total = dc' + dh' o (1 - tanh(c')^2)
//   d(i) = dc_total g    d(f) = dc_total c    d(g) = dc_total i    d(o) = dh' tanh(c')    dc = dc_total f
// and through the activations: sigmoid' = s (1 - s), tanh' = 1 - t^2.
template <class T>
[[gnu::always_inline]] inline void lstm_backward_rows(int64_t b0, int64_t b1, int64_t H, T* __restrict gates,
                                                      const T* __restrict c_prev, const T* __restrict c_next,
                                                      const uint8_t* __restrict valid, const T* __restrict dout,
                                                      T* __restrict dh, T* __restrict dc) {
  for (int64_t b = b0; b < b1; ++b) {
    const int64_t r = b * H;
    T* gi = gates + 4 * r;
    if (valid && !valid[b]) {
      std::memset(gi, 0, sizeof(T) * 4 * H);
      continue;  // dh, dc pass through; the zero output had no gradient path
    }
    T* gf = gi + H;
    T* gg = gi + 2 * H;
    T* go = gi + 3 * H;
    const T* cp = c_prev + r;
    const T* cn = c_next + r;
    T* dhr = dh + r;
    T* dcr = dc + r;
    if (dout)
      for (int64_t j = 0; j < H; ++j) dhr[j] += dout[r + j];
    for (int64_t j = 0; j < H; ++j) {
      const T i = gi[j], f = gf[j], g = gg[j], o = go[j];
      const T tc = vtanh(cn[j]);
      const T dhs = dhr[j];
      const T dct = dcr[j] + dhs * o * (T(1) - tc * tc);
      gi[j] = dct * g * i * (T(1) - i);
      gf[j] = dct * cp[j] * f * (T(1) - f);
      gg[j] = dct * i * (T(1) - g * g);
      go[j] = dhs * tc * o * (T(1) - o);
      dcr[j] = dct * f;
      dhr[j] = T(0);
    }
  }
}

// ---- GRU ----

template <class T>
[[gnu::always_inline]] inline void gru_forward_rows(int64_t b0, int64_t b1, int64_t H, T* __restrict x_gates,
                                                    T* __restrict h_gates, const T* __restrict b_ih,
                                                    const T* __restrict b_hh, const T* __restrict h_prev,
                                                    const uint8_t* __restrict valid, T* __restrict h_next,
                                                    T* __restrict out) {
  for (int64_t b = b0; b < b1; ++b) {
    const int64_t r = b * H;
    T* out_row = out ? out + r : nullptr;
    if (valid && !valid[b]) {
      carry_row<T>(H, h_prev + r, nullptr, h_next + r, nullptr, out_row);
      continue;
    }
    T* xr = x_gates + 3 * r;
    T* xz = xr + H;
    T* xn = xr + 2 * H;
    const T* hr = h_gates + 3 * r;
    const T* hz = hr + H;
    T* hn = h_gates + 3 * r + 2 * H;
    const T* hp = h_prev + r;
    T* hnext = h_next + r;
    for (int64_t j = 0; j < H; ++j) {
      const T rg = vsigmoid(xr[j] + b_ih[j] + hr[j] + b_hh[j]);
      const T zg = vsigmoid(xz[j] + b_ih[H + j] + hz[j] + b_hh[H + j]);
      const T hnb = hn[j] + b_hh[2 * H + j];
      const T ng = vtanh(xn[j] + b_ih[2 * H + j] + rg * hnb);
      xr[j] = rg;
      xz[j] = zg;
      xn[j] = ng;
      hn[j] = hnb;
      hnext[j] = ng + zg * (hp[j] - ng);  // (1 - z) n + z h, as PyTorch computes it
    }
    if (out_row) std::memcpy(out_row, hnext, sizeof(T) * H);
  }
}

// forward was h' = (1 - z) n + z h, n = tanh(a_n), a_n = xn + r hn, r = sigmoid(a_r), z = sigmoid(a_z), so
//   dn = dh' (1 - z)   dz = dh' (h - n)   da_n = dn (1 - n^2)   dr = da_n hn
//   input side: (da_r, da_z, da_n)   hidden side: (da_r, da_z, da_n r)   dh (direct) = dh' z.
template <class T>
[[gnu::always_inline]] inline void gru_backward_rows(int64_t b0, int64_t b1, int64_t H, T* __restrict x_gates,
                                                     T* __restrict h_gates, const T* __restrict h_prev,
                                                     const uint8_t* __restrict valid, const T* __restrict dout,
                                                     T* __restrict dh) {
  for (int64_t b = b0; b < b1; ++b) {
    const int64_t r = b * H;
    T* xr = x_gates + 3 * r;
    T* hr = h_gates + 3 * r;
    if (valid && !valid[b]) {
      std::memset(xr, 0, sizeof(T) * 3 * H);
      std::memset(hr, 0, sizeof(T) * 3 * H);
      continue;
    }
    T* xz = xr + H;
    T* xn = xr + 2 * H;
    T* hz = hr + H;
    T* hn = hr + 2 * H;
    const T* hp = h_prev + r;
    T* dhr = dh + r;
    if (dout)
      for (int64_t j = 0; j < H; ++j) dhr[j] += dout[r + j];
    for (int64_t j = 0; j < H; ++j) {
      const T rg = xr[j], zg = xz[j], ng = xn[j], hnb = hn[j];
      const T dhs = dhr[j];
      const T dan = dhs * (T(1) - zg) * (T(1) - ng * ng);
      const T daz = dhs * (hp[j] - ng) * zg * (T(1) - zg);
      const T dar = dan * hnb * rg * (T(1) - rg);
      xr[j] = dar;
      xz[j] = daz;
      xn[j] = dan;
      hr[j] = dar;
      hz[j] = daz;
      hn[j] = dan * rg;
      dhr[j] = dhs * zg;
    }
  }
}

// ---- Elman ----

template <class T>
[[gnu::always_inline]] inline void rnn_forward_rows(int64_t b0, int64_t b1, int64_t H, const T* __restrict pre,
                                                    const T* __restrict bias, const T* __restrict h_prev,
                                                    const uint8_t* __restrict valid, T* __restrict h_next,
                                                    T* __restrict out) {
  for (int64_t b = b0; b < b1; ++b) {
    const int64_t r = b * H;
    T* out_row = out ? out + r : nullptr;
    if (valid && !valid[b]) {
      carry_row<T>(H, h_prev + r, nullptr, h_next + r, nullptr, out_row);
      continue;
    }
    const T* p = pre + r;
    T* hn = h_next + r;
    for (int64_t j = 0; j < H; ++j) hn[j] = vtanh(p[j] + bias[j]);
    if (out_row) std::memcpy(out_row, hn, sizeof(T) * H);
  }
}

// forward was h' = tanh(a), so da = dh' (1 - h'^2).
template <class T>
[[gnu::always_inline]] inline void rnn_backward_rows(int64_t b0, int64_t b1, int64_t H, T* __restrict grad_pre,
                                                     const T* __restrict h_next, const uint8_t* __restrict valid,
                                                     const T* __restrict dout, T* __restrict dh) {
  for (int64_t b = b0; b < b1; ++b) {
    const int64_t r = b * H;
    T* gp = grad_pre + r;
    if (valid && !valid[b]) {
      std::memset(gp, 0, sizeof(T) * H);
      continue;
    }
    const T* hn = h_next + r;
    T* dhr = dh + r;
    if (dout)
      for (int64_t j = 0; j < H; ++j) dhr[j] += dout[r + j];
    for (int64_t j = 0; j < H; ++j) {
      const T dhs = dhr[j];
      gp[j] = dhs * (T(1) - hn[j] * hn[j]);
      dhr[j] = T(0);
    }
  }
}

// float row functions with a run-time ISA choice.
ATTEND_TARGET_CLONES void lstm_forward_rows_f32(int64_t b0, int64_t b1, int64_t H, float* __restrict gates,
                                                const float* __restrict bias, const float* __restrict h_prev,
                                                const float* __restrict c_prev, const uint8_t* __restrict valid,
                                                float* __restrict h_next, float* __restrict c_next,
                                                float* __restrict out) {
  lstm_forward_rows<float>(b0, b1, H, gates, bias, h_prev, c_prev, valid, h_next, c_next, out);
}
ATTEND_TARGET_CLONES void lstm_backward_rows_f32(int64_t b0, int64_t b1, int64_t H, float* __restrict gates,
                                                 const float* __restrict c_prev, const float* __restrict c_next,
                                                 const uint8_t* __restrict valid, const float* __restrict dout,
                                                 float* __restrict dh, float* __restrict dc) {
  lstm_backward_rows<float>(b0, b1, H, gates, c_prev, c_next, valid, dout, dh, dc);
}
ATTEND_TARGET_CLONES void gru_forward_rows_f32(int64_t b0, int64_t b1, int64_t H, float* __restrict x_gates,
                                               float* __restrict h_gates, const float* __restrict b_ih,
                                               const float* __restrict b_hh, const float* __restrict h_prev,
                                               const uint8_t* __restrict valid, float* __restrict h_next,
                                               float* __restrict out) {
  gru_forward_rows<float>(b0, b1, H, x_gates, h_gates, b_ih, b_hh, h_prev, valid, h_next, out);
}
ATTEND_TARGET_CLONES void gru_backward_rows_f32(int64_t b0, int64_t b1, int64_t H, float* __restrict x_gates,
                                                float* __restrict h_gates, const float* __restrict h_prev,
                                                const uint8_t* __restrict valid, const float* __restrict dout,
                                                float* __restrict dh) {
  gru_backward_rows<float>(b0, b1, H, x_gates, h_gates, h_prev, valid, dout, dh);
}
ATTEND_TARGET_CLONES void rnn_forward_rows_f32(int64_t b0, int64_t b1, int64_t H, const float* __restrict pre,
                                               const float* __restrict bias, const float* __restrict h_prev,
                                               const uint8_t* __restrict valid, float* __restrict h_next,
                                               float* __restrict out) {
  rnn_forward_rows<float>(b0, b1, H, pre, bias, h_prev, valid, h_next, out);
}
ATTEND_TARGET_CLONES void rnn_backward_rows_f32(int64_t b0, int64_t b1, int64_t H, float* __restrict grad_pre,
                                                const float* __restrict h_next, const uint8_t* __restrict valid,
                                                const float* __restrict dout, float* __restrict dh) {
  rnn_backward_rows<float>(b0, b1, H, grad_pre, h_next, valid, dout, dh);
}

template <class T>
constexpr bool kIsFloat = std::is_same_v<T, float>;

}  // namespace

template <class T>
void lstm_forward_step(const RnnStepShape& s, T* gates, const T* bias, const T* h_prev, const T* c_prev,
                       const uint8_t* valid, T* h_next, T* c_next, T* out) {
  for_row_ranges(s.batch, 4 * s.hidden, [&](int64_t b0, int64_t b1) {
    if constexpr (kIsFloat<T>)
      lstm_forward_rows_f32(b0, b1, s.hidden, gates, bias, h_prev, c_prev, valid, h_next, c_next, out);
    else
      lstm_forward_rows<T>(b0, b1, s.hidden, gates, bias, h_prev, c_prev, valid, h_next, c_next, out);
  });
}

template <class T>
void lstm_backward_step(const RnnStepShape& s, T* gates, const T* c_prev, const T* c_next, const uint8_t* valid,
                        const T* dout, T* dh, T* dc) {
  for_row_ranges(s.batch, 4 * s.hidden, [&](int64_t b0, int64_t b1) {
    if constexpr (kIsFloat<T>)
      lstm_backward_rows_f32(b0, b1, s.hidden, gates, c_prev, c_next, valid, dout, dh, dc);
    else
      lstm_backward_rows<T>(b0, b1, s.hidden, gates, c_prev, c_next, valid, dout, dh, dc);
  });
}

template <class T>
void gru_forward_step(const RnnStepShape& s, T* x_gates, T* h_gates, const T* b_ih, const T* b_hh, const T* h_prev,
                      const uint8_t* valid, T* h_next, T* out) {
  for_row_ranges(s.batch, 3 * s.hidden, [&](int64_t b0, int64_t b1) {
    if constexpr (kIsFloat<T>)
      gru_forward_rows_f32(b0, b1, s.hidden, x_gates, h_gates, b_ih, b_hh, h_prev, valid, h_next, out);
    else
      gru_forward_rows<T>(b0, b1, s.hidden, x_gates, h_gates, b_ih, b_hh, h_prev, valid, h_next, out);
  });
}

template <class T>
void gru_backward_step(const RnnStepShape& s, T* x_gates, T* h_gates, const T* h_prev, const uint8_t* valid,
                       const T* dout, T* dh) {
  for_row_ranges(s.batch, 3 * s.hidden, [&](int64_t b0, int64_t b1) {
    if constexpr (kIsFloat<T>)
      gru_backward_rows_f32(b0, b1, s.hidden, x_gates, h_gates, h_prev, valid, dout, dh);
    else
      gru_backward_rows<T>(b0, b1, s.hidden, x_gates, h_gates, h_prev, valid, dout, dh);
  });
}

template <class T>
void rnn_forward_step(const RnnStepShape& s, const T* pre, const T* bias, const T* h_prev, const uint8_t* valid,
                      T* h_next, T* out) {
  for_row_ranges(s.batch, 2 * s.hidden, [&](int64_t b0, int64_t b1) {
    if constexpr (kIsFloat<T>)
      rnn_forward_rows_f32(b0, b1, s.hidden, pre, bias, h_prev, valid, h_next, out);
    else
      rnn_forward_rows<T>(b0, b1, s.hidden, pre, bias, h_prev, valid, h_next, out);
  });
}

template <class T>
void rnn_backward_step(const RnnStepShape& s, T* grad_pre, const T* h_next, const uint8_t* valid, const T* dout,
                       T* dh) {
  for_row_ranges(s.batch, s.hidden, [&](int64_t b0, int64_t b1) {
    if constexpr (kIsFloat<T>)
      rnn_backward_rows_f32(b0, b1, s.hidden, grad_pre, h_next, valid, dout, dh);
    else
      rnn_backward_rows<T>(b0, b1, s.hidden, grad_pre, h_next, valid, dout, dh);
  });
}

#define ATTEND_INSTANTIATE_RNN_CELL(T)                                                                                \
  template void lstm_forward_step<T>(const RnnStepShape&, T*, const T*, const T*, const T*, const uint8_t*, T*, T*,   \
                                     T*);                                                                             \
  template void lstm_backward_step<T>(const RnnStepShape&, T*, const T*, const T*, const uint8_t*, const T*, T*, T*); \
  template void gru_forward_step<T>(const RnnStepShape&, T*, T*, const T*, const T*, const T*, const uint8_t*, T*,    \
                                    T*);                                                                              \
  template void gru_backward_step<T>(const RnnStepShape&, T*, T*, const T*, const uint8_t*, const T*, T*);            \
  template void rnn_forward_step<T>(const RnnStepShape&, const T*, const T*, const T*, const uint8_t*, T*, T*);       \
  template void rnn_backward_step<T>(const RnnStepShape&, T*, const T*, const uint8_t*, const T*, T*);
ATTEND_INSTANTIATE_RNN_CELL(float)
ATTEND_INSTANTIATE_RNN_CELL(double)
#undef ATTEND_INSTANTIATE_RNN_CELL

}  // namespace attend::kernels
