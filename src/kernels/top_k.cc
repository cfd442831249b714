// Row top-k by insertion into a short sorted list behind a threshold test that skips whole blocks, and the
// fused output layer (each thread's column blocks of the logits reduced while in its cache). See top_k.h.
#include "kernels/top_k.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/gemm.h"
#include "kernels/parallel_rows.h"
#include "kernels/vecmath.h"

namespace attend::kernels {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// Eight floats / int32s as GCC vector types (one AVX2 register, two SSE ones in the default clone), loadable
// from any float*, and four int32s.
typedef float F8 __attribute__((vector_size(32), aligned(4), may_alias));
typedef int32_t I8 __attribute__((vector_size(32), aligned(4), may_alias));
typedef int32_t I4 __attribute__((vector_size(16)));

// Offers x[0, n) — indices offset + i, later than every index already in the list — to a best list of
// *count entries (best first, at most k). Because indices only grow, an entry equal in value to a kept one
// ranks after it: a strict compare against the k-th value decides, and an insertion shifts only the strictly
// smaller values. Returns false on a NaN or +inf (outside `banned`, an index of x).
ATTEND_TARGET_CLONES bool offer_row(const float* x, int64_t n, int64_t offset, int64_t banned, int64_t k,
                                    TopEntry* best, int64_t* count) {
  int64_t size = *count;
  float threshold = size == k ? best[k - 1].value : -kInf;  // a value must beat it to enter
  // A block in which no value passes the threshold test (NaN passes it) is skipped whole, the common case
  // once the list is full: two 8-lane compares in GCC vector types (as scalar compares GCC left them scalar)
  // and an AND of the lane masks. (No lambdas: GCC does not inline them into a target_clones body.)
  constexpr int64_t kBlock = 16;
  for (int64_t i = 0; i < n;) {
    if (i + kBlock <= n) {
      const F8 t = threshold - F8{};
      const I8 below = (*reinterpret_cast<const F8*>(x + i) <= t) & (*reinterpret_cast<const F8*>(x + i + 8) <= t);
      const I4 both = __builtin_shufflevector(below, below, 0, 1, 2, 3) &
                      __builtin_shufflevector(below, below, 4, 5, 6, 7);
      if (__builtin_bit_cast(unsigned __int128, both) == ~static_cast<unsigned __int128>(0)) {  // all below
        i += kBlock;
        continue;
      }
    }
    for (const int64_t end = std::min(n, i + kBlock); i < end; ++i) {
      const float v = x[i];
      if (v <= threshold || i == banned) continue;
      if (std::isnan(v) || v == kInf) return false;
      int64_t pos = size < k ? size++ : k - 1;  // full: the last entry drops out
      for (; pos > 0 && best[pos - 1].value < v; --pos) best[pos] = best[pos - 1];
      best[pos] = {v, offset + i};
      if (size == k) threshold = best[k - 1].value;
    }
  }
  *count = size;
  return true;
}

// Adds the bias block (if any) into a row block of logits and returns its max (-inf if all are -inf or NaN).
ATTEND_TARGET_CLONES float add_bias_and_max(float* row, const float* bias, int64_t n) {
  constexpr int kLanes = 16;
  float acc[kLanes];
  for (float& a : acc) a = -kInf;
  if (bias != nullptr)
    for (int64_t j = 0; j < n; ++j) row[j] += bias[j];
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] = row[j + l] > acc[l] ? row[j + l] : acc[l];
  float m = -kInf;
  for (float a : acc) m = a > m ? a : m;
  for (; j < n; ++j) m = row[j] > m ? row[j] : m;
  return m;
}

// sum_j exp(row[j] - m) with 16 partial lanes.
ATTEND_TARGET_CLONES float sum_exp(const float* row, float m, int64_t n) {
  constexpr int kLanes = 16;
  float acc[kLanes] = {};
  int64_t j = 0;
  for (; j + kLanes <= n; j += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] += exp_f32(row[j + l] - m);
  float s = 0;
  for (float a : acc) s += a;
  for (; j < n; ++j) s += exp_f32(row[j] - m);
  return s;
}

// One row's running state over the column blocks.
struct RowState {
  float max = -kInf;
  float sum = 0;  // sum of exp(logit - max) so far
  int64_t count = 0;
  bool bad = false;
};

// Columns per block: a fixed grid (the last block narrower), so that the frozen bf16 copies of an output
// layer's column blocks are the same for every row count; 1024 columns of a few hundred rows stay in L2.
constexpr int64_t kBlockColumns = 1024;

// Rows [r0, r1) through every column block: the block's logits by gemm() into this thread's tile, then each
// row's running max, rescaled sum of exponentials and best list.
void reduce_rows(const LogitsTopKShape& s, const float* x, const float* w, const float* bias, int64_t r0, int64_t r1,
                 TopEntry* best, RowState* state) {
  const int64_t nr = r1 - r0, k = s.k;
  thread_local std::vector<float> tile;
  tile.resize(static_cast<size_t>(nr * std::min(kBlockColumns, s.vocab)));
  for (int64_t c0 = 0; c0 < s.vocab; c0 += kBlockColumns) {
    const int64_t nc = std::min(kBlockColumns, s.vocab - c0);
    // tile [nr, nc] = x rows r0 .. r1 * (w rows c0 .. c0 + nc)^T
    gemm(GemmShape{false, true, nr, nc, s.in, s.in, s.in, nc}, 1.f, x + r0 * s.in, w + c0 * s.in, 0.f, tile.data());
    const int64_t banned = s.banned >= c0 && s.banned < c0 + nc ? s.banned - c0 : -1;
    for (int64_t r = r0; r < r1; ++r) {
      RowState& st = state[r];
      if (st.bad) continue;
      float* row = tile.data() + (r - r0) * nc;
      const float m = add_bias_and_max(row, bias != nullptr ? bias + c0 : nullptr, nc);
      // The block's max bounds all its values: once the list is full and the max does not beat its last
      // entry, nothing of the block can enter and its scan is skipped (with a trained model's peaked logits,
      // most blocks after the first). The max passes over NaNs, but sum_exp turns them into a NaN sum, which
      // marks the row at the end; a block with no finite value (m = -inf) is still scanned for a NaN.
      const bool cannot_enter = st.count == k && m > -kInf && m <= best[r * k + k - 1].value;
      if (!cannot_enter && !offer_row(row, nc, c0, banned, k, best + r * k, &st.count)) {
        st.bad = true;
        continue;
      }
      if (m == -kInf) continue;  // every logit of the block is -inf: adds nothing to the sum
      if (m > st.max) {
        st.sum = st.max == -kInf ? 0.f : st.sum * exp_f32(st.max - m);
        st.max = m;
      }
      st.sum += sum_exp(row, st.max, nc);
    }
  }
}

}  // namespace

int64_t top_k_row(const float* x, int64_t n, int64_t k, int64_t banned, TopEntry* out) {
  int64_t count = 0;
  if (k <= 0) return 0;
  return offer_row(x, n, 0, banned, k, out, &count) ? count : -1;
}

int64_t logits_top_k(const LogitsTopKShape& s, const float* x, const float* w, const float* bias, float* logp,
                     int64_t* ids) {
  const int64_t rows = s.rows, vocab = s.vocab, k = s.k;
  if (rows <= 0 || k <= 0) return -1;
  std::vector<TopEntry> best(static_cast<size_t>(rows * k), TopEntry{-kInf, -1});
  std::vector<RowState> state(static_cast<size_t>(rows));
  // Each thread takes its own rows through every column block: its GEMMs (single-threaded inside the
  // region) and the reductions of their output stay on one core, with no barrier between them.
  std::exception_ptr error;  // the first thrown on any thread (an allocation, oneDNN), rethrown after the region
  std::atomic<bool> failed{false};
  parallel_rows(rows, vocab * (s.in + 12), [&](int64_t r0, int64_t r1) {
    try {
      reduce_rows(s, x, w, bias, r0, r1, best.data(), state.data());
    } catch (...) {
      if (!failed.exchange(true)) error = std::current_exception();
    }
  });
  if (error) std::rethrow_exception(error);

  int64_t first_bad = -1;
  for (int64_t r = 0; r < rows; ++r) {
    const RowState& st = state[static_cast<size_t>(r)];
    // A +inf max (the banned token's, or any) or a NaN sum: log_softmax would hold NaNs.
    if (st.bad || st.max == kInf || std::isnan(st.sum)) {
      if (first_bad < 0) first_bad = r;
      continue;
    }
    // As log_softmax forms it: (x - max) - log(sum); +inf when the sum is 0 makes every entry -inf.
    const float ls = st.sum > 0 ? std::log(st.sum) : kInf;
    for (int64_t j = 0; j < k; ++j) {
      const TopEntry& e = best[static_cast<size_t>(r * k + j)];
      const bool real = j < st.count;
      ids[r * k + j] = real ? e.index : -1;
      logp[r * k + j] = real ? (e.value - st.max) - ls : -kInf;
    }
  }
  return first_bad;
}

}  // namespace attend::kernels
