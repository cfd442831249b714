// Internal to the flash attention kernels: the tile code, written once over GCC vector types of W floats
// and compiled once per ISA by flash_isa_{avx512,avx2,generic}.cc, each of which includes this file
// after its `#pragma GCC target`. Everything here sits in an anonymous namespace, so every ISA's
// translation unit owns its copy and no AVX-512 code can be picked by the linker for another ISA.
//
// Layouts (LQ = queries per tile, LK = keys per tile, lanes of the vector code in brackets):
//   forward, one query tile:  Qt [D][LQ] = scale Q^T,   S^T [LK][LQ] = K Qt,   O^T [Dv][LQ] += V^T P^T
//     (lanes run along queries, so the running max / sum of the online softmax are plain vectors and the
//     softmax needs no horizontal reduction; K and V are read in place as broadcast scalars)
//   backward, one key tile:   S [LQ][LK] = Q (scale K^T),  dP [LQ][LK] = dO V^T,  dS' = scale P (dP - D),
//     dV^T [Dv][LK] += dO^T P,  dK^T [D][LK] += Q^T dS',  dQ [LQ][Dp] += dS' K   (lanes along keys; dQ along D)
#pragma once
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "kernels/flash_job.h"

namespace attend::kernels::flash {
namespace {

// Vector of W floats / int32s; may_alias and 4-byte alignment make loads from any float* legal.
template <int W>
struct Vec {
  typedef float F __attribute__((vector_size(4 * W), aligned(4), may_alias));
  typedef int32_t I __attribute__((vector_size(4 * W), aligned(4), may_alias));
};

// A register-blocking configuration: W lanes per vector, micro-kernels of up to R rows by NV vectors.
template <int kW, int kR, int kNV>
struct Config {
  static constexpr int W = kW;
  static constexpr int R = kR;
  static constexpr int NV = kNV;
  using F = typename Vec<kW>::F;
  using I = typename Vec<kW>::I;
  static F load(const float* p) { return *reinterpret_cast<const F*>(p); }
  static void store(float* p, F x) { *reinterpret_cast<F*>(p) = x; }
  static F splat(float x) { return x - F{}; }  // x - 0 == x for every x, so this folds to a broadcast
  static F max(F a, F b) { return a > b ? a : b; }
  static F iota() {
    F r{};
    for (int l = 0; l < W; ++l) r[l] = static_cast<float>(l);
    return r;
  }
};

// exp for the scores: the degree-6 polynomial of vecmath.h exp_f32 on vectors. Arguments here are
// scores minus a running max or minus L, so <= ~0, or -inf for masked keys: below -87.34 the result is
// 0 exactly (a masked key must weigh nothing), and the argument is clamped at 88 so nothing overflows.
template <class C>
inline typename C::F exp_scores(typename C::F x) {
  using F = typename C::F;
  using I = typename C::I;
  const F lo = C::splat(-87.3365478f);
  const I under = x < lo;
  x = x < lo ? lo : x;
  x = x > 88.f ? C::splat(88.f) : x;
  const F magic = C::splat(12582912.f);  // 1.5 * 2^23: adding it rounds to the nearest integer
  const F t = x * 1.44269504088896341f + magic;
  const F n = t - magic;
  F r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  F p = C::splat(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const I e = ((__builtin_bit_cast(I, t) - __builtin_bit_cast(I, magic)) + 127) << 23;  // 2^n
  const F y = p * __builtin_bit_cast(F, e);
  return under ? F{} : y;
}

// How a GEMM tile treats C: overwrite, add, or scale each column by colscale[col] first.
enum class Acc { Zero, Add, Scale };

// C[r][col] (op)= sum_{x<k} A(r, x) * B[x][col] for r < m and col < nvec * W, where A(r, x) is the
// scalar a[r * a_rs + x * a_ks] (any layout) and B, C are row-major with row strides ldb, ldc.
struct GemmArgs {
  int64_t m, k;
  const float* a;
  int64_t a_rs, a_ks;
  const float* b;
  int64_t ldb;
  float* c;
  int64_t ldc;
  const float* colscale;
};

// R x (NV * W) block of C in registers: per step x, NV vector loads of B and R broadcasts of A.
template <class C, int R, int NV, Acc mode>
[[gnu::always_inline]] inline void micro_kernel(const GemmArgs& g, int64_t row, int64_t col) {
  using F = typename C::F;
  F acc[R][NV];
  const float* a = g.a + row * g.a_rs;
  const float* b = g.b + col;
  float* c = g.c + row * g.ldc + col;
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) {
      if constexpr (mode == Acc::Zero) acc[r][v] = F{};
      else if constexpr (mode == Acc::Add) acc[r][v] = C::load(c + r * g.ldc + v * C::W);
      else acc[r][v] = C::load(c + r * g.ldc + v * C::W) * C::load(g.colscale + col + v * C::W);
    }
  for (int64_t x = 0; x < g.k; ++x) {
    F bv[NV];
#pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) bv[v] = C::load(b + x * g.ldb + v * C::W);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const F ar = C::splat(a[r * g.a_rs + x * g.a_ks]);
#pragma GCC unroll 16
      for (int v = 0; v < NV; ++v) acc[r][v] += ar * bv[v];
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) C::store(c + r * g.ldc + v * C::W, acc[r][v]);
}

// The last m % R rows.
template <class C, int NV, Acc mode, int R = C::R - 1>
inline void tail_rows(const GemmArgs& g, int64_t row, int64_t rows, int64_t col) {
  if constexpr (R >= 1) {
    if (rows == R) return micro_kernel<C, R, NV, mode>(g, row, col);
    tail_rows<C, NV, mode, R - 1>(g, row, rows, col);
  }
}

template <class C, int NV, Acc mode>
inline void gemm_columns(const GemmArgs& g, int64_t col) {
  int64_t row = 0;
  for (; row + C::R <= g.m; row += C::R) micro_kernel<C, C::R, NV, mode>(g, row, col);
  if (row < g.m) tail_rows<C, NV, mode>(g, row, g.m - row, col);
}

// The last nvec % NV vectors of columns.
template <class C, Acc mode, int NV = C::NV - 1>
inline void tail_columns(const GemmArgs& g, int64_t nv, int64_t col) {
  if constexpr (NV >= 1) {
    if (nv == NV) return gemm_columns<C, NV, mode>(g, col);
    tail_columns<C, mode, NV - 1>(g, nv, col);
  }
}

template <class C, Acc mode>
void gemm_tile(const GemmArgs& g, int64_t nvec) {
  if (g.m <= 0) return;
  int64_t v0 = 0;
  for (; v0 + C::NV <= nvec; v0 += C::NV) gemm_columns<C, C::NV, mode>(g, v0 * C::W);
  if (v0 < nvec) tail_columns<C, mode>(g, nvec - v0, v0 * C::W);
}

inline int64_t vectors_for(int64_t n, int w) { return (n + w - 1) / w; }

// ---------------------------------------------------------------------------------------------------
// Forward: query rows [i0, i0 + m) of head bh against every key tile that one of them sees.
template <class C>
void forward_query_tile(const Job& j, int64_t bh, int64_t i0, float* scratch) {
  using F = typename C::F;
  constexpr int W = C::W;
  constexpr int64_t LQ = kQueryTile, LK = kKeyTileForward;
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  const AttentionShape& s = j.s;
  const int64_t D = s.dim, Dv = s.dim_v, Tq = s.q_len, Tk = s.kv_len;
  const int64_t b = bh / s.heads;
  const int64_t m = std::min(LQ, Tq - i0);
  const int64_t nvec = vectors_for(m, W);  // lane vectors in use
  const float* q = j.q + (bh * Tq + i0) * D;
  const float* k = j.k + bh * Tk * D;
  const float* v = j.v + bh * Tk * Dv;
  float* qt = scratch;            // [D][LQ]
  float* st = qt + D * LQ;        // [LK][LQ]: S^T, then P^T
  float* ot = st + LK * LQ;       // [Dv][LQ]: unnormalised O^T
  float* row_max = ot + Dv * LQ;  // [LQ] running max of the scores
  float* row_sum = row_max + LQ;  // [LQ] running sum of exp(score - max)
  float* alpha = row_sum + LQ;    // [LQ] rescale of the accumulator for the current key tile
  float* nvis = alpha + LQ;       // [LQ] keys each query sees (a prefix), as float
  for (int64_t i = 0; i < LQ; ++i) {
    nvis[i] = i < m ? static_cast<float>(visible_keys(j, b, i0 + i)) : 0.f;
    row_max[i] = kNegInf;
    row_sum[i] = 0.f;
  }
  const int64_t n_first = visible_keys(j, b, i0), n_last = visible_keys(j, b, i0 + m - 1);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t d = 0; d < D; ++d) qt[d * LQ + i] = j.scale * q[i * D + d];
  for (int64_t d = 0; d < D; ++d)
    for (int64_t i = m; i < nvec * W; ++i) qt[d * LQ + i] = 0.f;
  for (int64_t x = 0; x < Dv * LQ; ++x) ot[x] = 0.f;

  // Keys at and beyond n_last are masked for every query of the tile: never touched.
  for (int64_t j0 = 0; j0 < n_last; j0 += LK) {
    const int64_t nk = std::min(LK, n_last - j0);
    gemm_tile<C, Acc::Zero>({nk, D, k + j0 * D, D, 1, qt, LQ, st, LQ, nullptr}, nvec);
    if (j0 + nk > n_first) {  // some query sees only part of this tile
      for (int64_t jj = std::max<int64_t>(0, n_first - j0); jj < nk; ++jj) {
        const F key = C::splat(static_cast<float>(j0 + jj));
        for (int64_t c = 0; c < nvec; ++c) {
          const F x = C::load(st + jj * LQ + c * W);
          C::store(st + jj * LQ + c * W, key >= C::load(nvis + c * W) ? C::splat(kNegInf) : x);
        }
      }
    }
    for (int64_t c = 0; c < nvec; ++c) {
      float* col = st + c * W;
      F mx = C::splat(kNegInf);
      for (int64_t jj = 0; jj < nk; ++jj) mx = C::max(mx, C::load(col + jj * LQ));
      const F m_old = C::load(row_max + c * W);
      const F m_new = C::max(m_old, mx);
      const F m_use = m_new == kNegInf ? F{} : m_new;  // nothing seen yet: any finite value will do
      const F a = exp_scores<C>(m_old - m_use);
      F sum{};
      for (int64_t jj = 0; jj < nk; ++jj) {
        const F p = exp_scores<C>(C::load(col + jj * LQ) - m_use);
        C::store(col + jj * LQ, p);
        sum += p;
      }
      C::store(row_sum + c * W, C::load(row_sum + c * W) * a + sum);
      C::store(row_max + c * W, m_new);
      C::store(alpha + c * W, a);
    }
    // O^T[e][i] = alpha[i] O^T[e][i] + sum_j V[j][e] P^T[j][i]
    gemm_tile<C, Acc::Scale>({Dv, nk, v + j0 * Dv, 1, Dv, st, LQ, ot, LQ, alpha}, nvec);
  }

  float* o = j.o + (bh * Tq + i0) * Dv;
  for (int64_t i = 0; i < m; ++i) {
    const float l = row_sum[i];
    const float inv = l > 0.f ? 1.f / l : 0.f;
    for (int64_t e = 0; e < Dv; ++e) o[i * Dv + e] = ot[e * LQ + i] * inv;
    if (j.lse) j.lse[bh * Tq + i0 + i] = l > 0.f ? row_max[i] + std::log(l) : kNegInf;
  }
}

// ---------------------------------------------------------------------------------------------------
// Backward: key tile kt of head bh against every query tile that sees one of its keys.
template <class C>
void backward_key_tile(const Job& j, int64_t bh, int64_t kt, const float* dvec, float* dq, int64_t ldq,
                       float* scratch) {
  using F = typename C::F;
  constexpr int W = C::W;
  constexpr int64_t LQ = kQueryTile, LK = kKeyTileBackward;
  const AttentionShape& s = j.s;
  const int64_t D = s.dim, Dv = s.dim_v, Tq = s.q_len, Tk = s.kv_len;
  const int64_t b = bh / s.heads;
  const int64_t j0 = kt * LK;
  const int64_t nk = std::min(LK, Tk - j0);
  const int64_t key_len = j.key_lengths ? std::clamp<int64_t>(j.key_lengths[b], 0, Tk) : Tk;
  if (nk <= 0 || j0 >= key_len) return;  // padding keys: no query sees them
  // The first query that sees key j0 (with causal masking, the later queries see more).
  const int64_t i_start = j.causal ? std::max<int64_t>(0, j0 - (Tk - Tq)) : 0;
  if (i_start >= Tq) return;
  const int64_t Dp = padded_dim(D, W);
  const int64_t nvk = vectors_for(nk, W);  // lane vectors along keys
  float* kt_s = scratch;         // [D][LK]  scale K^T
  float* vt = kt_s + D * LK;     // [Dv][LK] V^T
  float* kp = vt + Dv * LK;      // [LK][Dp] K, rows padded with zeros to Dp
  float* dkt = kp + LK * Dp;     // [D][LK]  dK^T accumulator
  float* dvt = dkt + D * LK;     // [Dv][LK] dV^T accumulator
  float* sp = dvt + Dv * LK;     // [LQ][LK] S, then P
  float* dp = sp + LQ * LK;      // [LQ][LK] dP, then dS'
  const float* k = j.k + (bh * Tk + j0) * D;
  const float* v = j.v + (bh * Tk + j0) * Dv;
  for (int64_t jj = 0; jj < nk; ++jj) {
    for (int64_t d = 0; d < D; ++d) {
      kt_s[d * LK + jj] = j.scale * k[jj * D + d];
      kp[jj * Dp + d] = k[jj * D + d];
    }
    for (int64_t d = D; d < Dp; ++d) kp[jj * Dp + d] = 0.f;
    for (int64_t e = 0; e < Dv; ++e) vt[e * LK + jj] = v[jj * Dv + e];
  }
  for (int64_t jj = nk; jj < nvk * W; ++jj) {  // padding lanes: zero scores, masked below anyway
    for (int64_t d = 0; d < D; ++d) kt_s[d * LK + jj] = 0.f;
    for (int64_t e = 0; e < Dv; ++e) vt[e * LK + jj] = 0.f;
  }
  for (int64_t x = 0; x < D * LK; ++x) dkt[x] = 0.f;
  for (int64_t x = 0; x < Dv * LK; ++x) dvt[x] = 0.f;

  const float* q = j.q + bh * Tq * D;
  const float* dout = j.dout + bh * Tq * Dv;
  const float* lse = j.lse_in + bh * Tq;
  const F iota = C::iota();
  for (int64_t i0 = i_start; i0 < Tq; i0 += LQ) {
    const int64_t m = std::min(LQ, Tq - i0);
    gemm_tile<C, Acc::Zero>({m, D, q + i0 * D, D, 1, kt_s, LK, sp, LK, nullptr}, nvk);
    gemm_tile<C, Acc::Zero>({m, Dv, dout + i0 * Dv, Dv, 1, vt, LK, dp, LK, nullptr}, nvk);
    for (int64_t ii = 0; ii < m; ++ii) {
      const int64_t i = i0 + ii;
      const float count = static_cast<float>(std::clamp<int64_t>(visible_keys(j, b, i) - j0, 0, nk));
      const float l = lse[i], di = dvec[i];
      for (int64_t c = 0; c < nvk; ++c) {
        float* sr = sp + ii * LK + c * W;
        float* dr = dp + ii * LK + c * W;
        const F visible = C::splat(static_cast<float>(c * W)) + iota;
        const F e = exp_scores<C>(C::load(sr) - l);
        const F p = visible < count ? e : F{};
        C::store(sr, p);
        C::store(dr, (p * j.scale) * (C::load(dr) - di));
      }
    }
    // dV^T[e][j] += sum_i dO[i][e] P[i][j];  dK^T[d][j] += sum_i Q[i][d] dS'[i][j];  dQ[i] += sum_j dS'[i][j] K[j]
    gemm_tile<C, Acc::Add>({Dv, m, dout + i0 * Dv, 1, Dv, sp, LK, dvt, LK, nullptr}, nvk);
    gemm_tile<C, Acc::Add>({D, m, q + i0 * D, 1, D, dp, LK, dkt, LK, nullptr}, nvk);
    gemm_tile<C, Acc::Add>({m, nk, dp, LK, 1, kp, Dp, dq + i0 * ldq, ldq, nullptr}, Dp / W);
  }

  float* dk = j.dk + (bh * Tk + j0) * D;
  float* dv = j.dv + (bh * Tk + j0) * Dv;
  for (int64_t jj = 0; jj < nk; ++jj) {
    for (int64_t d = 0; d < D; ++d) dk[jj * D + d] += dkt[d * LK + jj];
    for (int64_t e = 0; e < Dv; ++e) dv[jj * Dv + e] += dvt[e * LK + jj];
  }
}

template <class C>
TileFns make_tile_fns(const char* name) {
  return TileFns{name, C::W, &forward_query_tile<C>, &backward_key_tile<C>};
}

}  // namespace
}  // namespace attend::kernels::flash
