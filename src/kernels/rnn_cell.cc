// Fused pointwise LSTM / GRU / Elman step kernels. Each kernel is a row function over a block (batch rows
// x a range of hidden units, inner loops that GCC vectorises) instantiated for double and, inside an
// ATTEND_TARGET_CLONES wrapper, for float; the step entry points split a whole step's rows over OpenMP
// threads when it is big enough to pay for waking them.
#include "kernels/rnn_cell.h"

#include <omp.h>

#include <cstring>
#include <initializer_list>
#include <type_traits>

#include "kernels/vecmath.h"

namespace attend::kernels {
namespace {

// Below this many gate elements per step one thread is faster than a parallel region.
constexpr int64_t kParallelElements = 24 * 1024;

// The part of a step one call processes: rows [b0,b1) and hidden units [j0,j1) of hidden size H.
struct Block {
  int64_t b0, b1, j0, j1, H;
};

// Runs f(block) over the step: split by rows over OpenMP threads when the step is whole and big.
template <class F>
void for_blocks(const RnnStepShape& s, int64_t gates, F&& f) {
  const int64_t j0 = s.unit_begin, j1 = s.unit_end < 0 ? s.hidden : s.unit_end;
  const bool whole = j0 == 0 && j1 == s.hidden;
  if (!whole || s.batch < 2 || s.batch * gates * s.hidden < kParallelElements || omp_get_max_threads() < 2 ||
      omp_in_parallel()) {
    f(Block{0, s.batch, j0, j1, s.hidden});
    return;
  }
#pragma omp parallel
  {
    const int64_t nt = omp_get_num_threads(), id = omp_get_thread_num();
    const int64_t b0 = s.batch * id / nt, b1 = s.batch * (id + 1) / nt;
    if (b0 < b1) f(Block{b0, b1, j0, j1, s.hidden});
  }
}

// A padded row: the state is carried over unchanged and the step's output is zero (n units).
template <class T>
inline void carry_units(int64_t n, const T* h_prev, const T* c_prev, T* h_next, T* c_next, T* out) {
  std::memcpy(h_next, h_prev, sizeof(T) * n);
  if (c_next) std::memcpy(c_next, c_prev, sizeof(T) * n);
  if (out) std::memset(out, 0, sizeof(T) * n);
}

// Pointers are __restrict so that GCC if-converts and vectorises the loops with the activations inlined.
// In each row function, k = b * H + j0 indexes the first unit of row b in [B,H] buffers, gate buffers
// are indexed from b * G * H + j0 with gate blocks H apart, and n = j1 - j0 units are processed.

// ---- LSTM ----

template <class T>
[[gnu::always_inline]] inline void lstm_forward_rows(Block blk, T* __restrict gates, const T* __restrict bias,
                                                     const T* __restrict h_prev, const T* __restrict c_prev,
                                                     const uint8_t* __restrict valid, T* __restrict h_next,
                                                     T* __restrict c_next, T* __restrict out) {
  const int64_t H = blk.H, n = blk.j1 - blk.j0;
  const T* bi = bias + blk.j0;
  for (int64_t b = blk.b0; b < blk.b1; ++b) {
    const int64_t k = b * H + blk.j0;
    T* out_row = out ? out + k : nullptr;
    if (valid && !valid[b]) {
      carry_units(n, h_prev + k, c_prev + k, h_next + k, c_next + k, out_row);
      continue;
    }
    T* gi = gates + 4 * b * H + blk.j0;
    T* gf = gi + H;
    T* gg = gi + 2 * H;
    T* go = gi + 3 * H;
    const T* cp = c_prev + k;
    T* cn = c_next + k;
    T* hn = h_next + k;
    for (int64_t j = 0; j < n; ++j) {
      const T i = vsigmoid(gi[j] + bi[j]);
      const T f = vsigmoid(gf[j] + bi[H + j]);
      const T g = vtanh(gg[j] + bi[2 * H + j]);
      const T o = vsigmoid(go[j] + bi[3 * H + j]);
      gi[j] = i;
      gf[j] = f;
      gg[j] = g;
      go[j] = o;
      const T c = f * cp[j] + i * g;
      cn[j] = c;
      hn[j] = o * vtanh(c);
    }
    if (out_row) std::memcpy(out_row, hn, sizeof(T) * n);
  }
}

// forward was c' = f c + i g, h' = o tanh(c'), so with dh' (incl. the output's gradient) and dc':
//   dc_total = dc' + dh' o (1 - tanh(c')^2)
//   d(i) = dc_total g    d(f) = dc_total c    d(g) = dc_total i    d(o) = dh' tanh(c')    dc = dc_total f
// and through the activations: sigmoid' = s (1 - s), tanh' = 1 - t^2.
template <class T>
[[gnu::always_inline]] inline void lstm_backward_rows(Block blk, T* __restrict gates, const T* __restrict c_prev,
                                                      const T* __restrict c_next, const uint8_t* __restrict valid,
                                                      const T* __restrict dout, T* __restrict dh, T* __restrict dc) {
  const int64_t H = blk.H, n = blk.j1 - blk.j0;
  for (int64_t b = blk.b0; b < blk.b1; ++b) {
    const int64_t k = b * H + blk.j0;
    T* gi = gates + 4 * b * H + blk.j0;
    T* gf = gi + H;
    T* gg = gi + 2 * H;
    T* go = gi + 3 * H;
    if (valid && !valid[b]) {  // dh, dc pass through; the zero output had no gradient path
      for (T* g : {gi, gf, gg, go}) std::memset(g, 0, sizeof(T) * n);
      continue;
    }
    const T* cp = c_prev + k;
    const T* cn = c_next + k;
    T* dhr = dh + k;
    T* dcr = dc + k;
    if (dout)
      for (int64_t j = 0; j < n; ++j) dhr[j] += dout[k + j];
    for (int64_t j = 0; j < n; ++j) {
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
[[gnu::always_inline]] inline void gru_forward_rows(Block blk, T* __restrict x_gates, T* __restrict h_gates,
                                                    const T* __restrict b_ih, const T* __restrict b_hh,
                                                    const T* __restrict h_prev, const uint8_t* __restrict valid,
                                                    T* __restrict h_next, T* __restrict out) {
  const int64_t H = blk.H, n = blk.j1 - blk.j0;
  const T* bi = b_ih + blk.j0;
  const T* bh = b_hh + blk.j0;
  for (int64_t b = blk.b0; b < blk.b1; ++b) {
    const int64_t k = b * H + blk.j0;
    T* out_row = out ? out + k : nullptr;
    if (valid && !valid[b]) {
      carry_units<T>(n, h_prev + k, nullptr, h_next + k, nullptr, out_row);
      continue;
    }
    T* xr = x_gates + 3 * b * H + blk.j0;
    T* xz = xr + H;
    T* xn = xr + 2 * H;
    const T* hr = h_gates + 3 * b * H + blk.j0;
    const T* hz = hr + H;
    T* hn = h_gates + 3 * b * H + blk.j0 + 2 * H;
    const T* hp = h_prev + k;
    T* hnext = h_next + k;
    for (int64_t j = 0; j < n; ++j) {
      const T rg = vsigmoid(xr[j] + bi[j] + hr[j] + bh[j]);
      const T zg = vsigmoid(xz[j] + bi[H + j] + hz[j] + bh[H + j]);
      const T hnb = hn[j] + bh[2 * H + j];
      const T ng = vtanh(xn[j] + bi[2 * H + j] + rg * hnb);
      xr[j] = rg;
      xz[j] = zg;
      xn[j] = ng;
      hn[j] = hnb;
      hnext[j] = ng + zg * (hp[j] - ng);  // (1 - z) n + z h, as PyTorch computes it
    }
    if (out_row) std::memcpy(out_row, hnext, sizeof(T) * n);
  }
}

// forward was h' = (1 - z) n + z h, n = tanh(a_n), a_n = xn + r hn, r = sigmoid(a_r), z = sigmoid(a_z), so
//   dn = dh' (1 - z)   dz = dh' (h - n)   da_n = dn (1 - n^2)   dr = da_n hn
//   input side: (da_r, da_z, da_n)   hidden side: (da_r, da_z, da_n r)   dh (direct) = dh' z.
template <class T>
[[gnu::always_inline]] inline void gru_backward_rows(Block blk, T* __restrict x_gates, T* __restrict h_gates,
                                                     const T* __restrict h_prev, const uint8_t* __restrict valid,
                                                     const T* __restrict dout, T* __restrict dh) {
  const int64_t H = blk.H, n = blk.j1 - blk.j0;
  for (int64_t b = blk.b0; b < blk.b1; ++b) {
    const int64_t k = b * H + blk.j0;
    T* xr = x_gates + 3 * b * H + blk.j0;
    T* xz = xr + H;
    T* xn = xr + 2 * H;
    T* hr = h_gates + 3 * b * H + blk.j0;
    T* hz = hr + H;
    T* hn = hr + 2 * H;
    if (valid && !valid[b]) {
      for (T* g : {xr, xz, xn, hr, hz, hn}) std::memset(g, 0, sizeof(T) * n);
      continue;
    }
    const T* hp = h_prev + k;
    T* dhr = dh + k;
    if (dout)
      for (int64_t j = 0; j < n; ++j) dhr[j] += dout[k + j];
    for (int64_t j = 0; j < n; ++j) {
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
[[gnu::always_inline]] inline void rnn_forward_rows(Block blk, const T* __restrict pre, const T* __restrict bias,
                                                    const T* __restrict h_prev, const uint8_t* __restrict valid,
                                                    T* __restrict h_next, T* __restrict out) {
  const int64_t H = blk.H, n = blk.j1 - blk.j0;
  const T* bi = bias + blk.j0;
  for (int64_t b = blk.b0; b < blk.b1; ++b) {
    const int64_t k = b * H + blk.j0;
    T* out_row = out ? out + k : nullptr;
    if (valid && !valid[b]) {
      carry_units<T>(n, h_prev + k, nullptr, h_next + k, nullptr, out_row);
      continue;
    }
    const T* p = pre + k;
    T* hn = h_next + k;
    for (int64_t j = 0; j < n; ++j) hn[j] = vtanh(p[j] + bi[j]);
    if (out_row) std::memcpy(out_row, hn, sizeof(T) * n);
  }
}

// forward was h' = tanh(a), so da = dh' (1 - h'^2).
template <class T>
[[gnu::always_inline]] inline void rnn_backward_rows(Block blk, T* __restrict grad_pre, const T* __restrict h_next,
                                                     const uint8_t* __restrict valid, const T* __restrict dout,
                                                     T* __restrict dh) {
  const int64_t H = blk.H, n = blk.j1 - blk.j0;
  for (int64_t b = blk.b0; b < blk.b1; ++b) {
    const int64_t k = b * H + blk.j0;
    T* gp = grad_pre + k;
    if (valid && !valid[b]) {
      std::memset(gp, 0, sizeof(T) * n);
      continue;
    }
    const T* hn = h_next + k;
    T* dhr = dh + k;
    if (dout)
      for (int64_t j = 0; j < n; ++j) dhr[j] += dout[k + j];
    for (int64_t j = 0; j < n; ++j) {
      const T dhs = dhr[j];
      gp[j] = dhs * (T(1) - hn[j] * hn[j]);
      dhr[j] = T(0);
    }
  }
}

// float row functions with a run-time ISA choice.
ATTEND_TARGET_CLONES void lstm_forward_rows_f32(Block blk, float* gates, const float* bias, const float* h_prev,
                                                const float* c_prev, const uint8_t* valid, float* h_next, float* c_next,
                                                float* out) {
  lstm_forward_rows<float>(blk, gates, bias, h_prev, c_prev, valid, h_next, c_next, out);
}
ATTEND_TARGET_CLONES void lstm_backward_rows_f32(Block blk, float* gates, const float* c_prev, const float* c_next,
                                                 const uint8_t* valid, const float* dout, float* dh, float* dc) {
  lstm_backward_rows<float>(blk, gates, c_prev, c_next, valid, dout, dh, dc);
}
ATTEND_TARGET_CLONES void gru_forward_rows_f32(Block blk, float* x_gates, float* h_gates, const float* b_ih,
                                               const float* b_hh, const float* h_prev, const uint8_t* valid,
                                               float* h_next, float* out) {
  gru_forward_rows<float>(blk, x_gates, h_gates, b_ih, b_hh, h_prev, valid, h_next, out);
}
ATTEND_TARGET_CLONES void gru_backward_rows_f32(Block blk, float* x_gates, float* h_gates, const float* h_prev,
                                                const uint8_t* valid, const float* dout, float* dh) {
  gru_backward_rows<float>(blk, x_gates, h_gates, h_prev, valid, dout, dh);
}
ATTEND_TARGET_CLONES void rnn_forward_rows_f32(Block blk, const float* pre, const float* bias, const float* h_prev,
                                               const uint8_t* valid, float* h_next, float* out) {
  rnn_forward_rows<float>(blk, pre, bias, h_prev, valid, h_next, out);
}
ATTEND_TARGET_CLONES void rnn_backward_rows_f32(Block blk, float* grad_pre, const float* h_next, const uint8_t* valid,
                                                const float* dout, float* dh) {
  rnn_backward_rows<float>(blk, grad_pre, h_next, valid, dout, dh);
}

template <class T>
constexpr bool kIsFloat = std::is_same_v<T, float>;

}  // namespace

template <class T>
void lstm_forward_step(const RnnStepShape& s, T* gates, const T* bias, const T* h_prev, const T* c_prev,
                       const uint8_t* valid, T* h_next, T* c_next, T* out) {
  for_blocks(s, 4, [&](Block blk) {
    if constexpr (kIsFloat<T>)
      lstm_forward_rows_f32(blk, gates, bias, h_prev, c_prev, valid, h_next, c_next, out);
    else
      lstm_forward_rows<T>(blk, gates, bias, h_prev, c_prev, valid, h_next, c_next, out);
  });
}

template <class T>
void lstm_backward_step(const RnnStepShape& s, T* gates, const T* c_prev, const T* c_next, const uint8_t* valid,
                        const T* dout, T* dh, T* dc) {
  for_blocks(s, 4, [&](Block blk) {
    if constexpr (kIsFloat<T>)
      lstm_backward_rows_f32(blk, gates, c_prev, c_next, valid, dout, dh, dc);
    else
      lstm_backward_rows<T>(blk, gates, c_prev, c_next, valid, dout, dh, dc);
  });
}

template <class T>
void gru_forward_step(const RnnStepShape& s, T* x_gates, T* h_gates, const T* b_ih, const T* b_hh, const T* h_prev,
                      const uint8_t* valid, T* h_next, T* out) {
  for_blocks(s, 3, [&](Block blk) {
    if constexpr (kIsFloat<T>)
      gru_forward_rows_f32(blk, x_gates, h_gates, b_ih, b_hh, h_prev, valid, h_next, out);
    else
      gru_forward_rows<T>(blk, x_gates, h_gates, b_ih, b_hh, h_prev, valid, h_next, out);
  });
}

template <class T>
void gru_backward_step(const RnnStepShape& s, T* x_gates, T* h_gates, const T* h_prev, const uint8_t* valid,
                       const T* dout, T* dh) {
  for_blocks(s, 3, [&](Block blk) {
    if constexpr (kIsFloat<T>)
      gru_backward_rows_f32(blk, x_gates, h_gates, h_prev, valid, dout, dh);
    else
      gru_backward_rows<T>(blk, x_gates, h_gates, h_prev, valid, dout, dh);
  });
}

template <class T>
void rnn_forward_step(const RnnStepShape& s, const T* pre, const T* bias, const T* h_prev, const uint8_t* valid,
                      T* h_next, T* out) {
  for_blocks(s, 2, [&](Block blk) {
    if constexpr (kIsFloat<T>)
      rnn_forward_rows_f32(blk, pre, bias, h_prev, valid, h_next, out);
    else
      rnn_forward_rows<T>(blk, pre, bias, h_prev, valid, h_next, out);
  });
}

template <class T>
void rnn_backward_step(const RnnStepShape& s, T* grad_pre, const T* h_next, const uint8_t* valid, const T* dout,
                       T* dh) {
  for_blocks(s, 1, [&](Block blk) {
    if constexpr (kIsFloat<T>)
      rnn_backward_rows_f32(blk, grad_pre, h_next, valid, dout, dh);
    else
      rnn_backward_rows<T>(blk, grad_pre, h_next, valid, dout, dh);
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
