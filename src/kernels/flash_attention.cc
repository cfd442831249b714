// Flash attention entry points: run-time ISA choice, per-thread scratch, and the thread split. The tile
// math is in flash_tiles.h (compiled per ISA by flash_isa_*.cc).
#include "kernels/flash_attention.h"

#include <omp.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "base/error.h"
#include "kernels/flash_job.h"
#include "kernels/vecmath.h"

namespace attend::kernels {
namespace flash {

int64_t padded_dim(int64_t dim, int vector_width) { return (dim + vector_width - 1) / vector_width * vector_width; }

int64_t forward_scratch_floats(const AttentionShape& s) {
  return (s.dim + kKeyTileForward + s.dim_v + 4) * kQueryTile;
}

int64_t backward_scratch_floats(const AttentionShape& s) {
  const int64_t dp = padded_dim(s.dim, 16);  // widest vector
  return (2 * s.dim + 2 * s.dim_v) * kKeyTileBackward + kKeyTileBackward * dp + 2 * kQueryTile * kKeyTileBackward;
}

}  // namespace flash

namespace {

using flash::Job;
using flash::TileFns;

TileFns best_tile_fns() {
#ifdef ATTEND_FLASH_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq"))
    return flash::tile_fns_avx512();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return flash::tile_fns_avx2();
#endif
  return flash::tile_fns_generic();
}

// The ISA in use: the widest this CPU has, or ATTEND_FLASH_ISA (avx512, avx2, generic) when that is
// set to one the CPU supports (to measure the fallbacks).
TileFns chosen_tile_fns();
TileFns& tile_fns() {
  static TileFns fns = chosen_tile_fns();
  return fns;
}

// A 64-byte aligned buffer per thread that only grows: the kernels' scratch between calls.
struct ThreadScratch {
  float* data = nullptr;
  int64_t floats = 0;
  ~ThreadScratch() { std::free(data); }
};

// nullptr when the allocation fails (the caller reports it outside the parallel region).
float* thread_scratch(int64_t floats) noexcept {
  thread_local ThreadScratch buf;
  if (buf.floats < floats) {
    std::free(buf.data);
    const size_t bytes = (static_cast<size_t>(floats) * sizeof(float) + 63) / 64 * 64;
    buf.data = static_cast<float*>(std::aligned_alloc(64, bytes));
    buf.floats = buf.data ? floats : 0;
  }
  return buf.data;
}

int64_t round_up16(int64_t n) { return (n + 15) / 16 * 16; }

// Threads for `flops` of work on `items` independent pieces: small problems stay on the caller.
int thread_count(double flops, int64_t items) {
  if (omp_in_parallel() || flops < 4.0e6) return 1;
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(omp_get_max_threads(), items)));
}

// dvec[i] = sum_e dout[i][e] * o[i][e]  (16 partial sums so the loop vectorises without -ffast-math)
ATTEND_TARGET_CLONES void row_dots(const float* dout, const float* o, int64_t rows, int64_t dv, float* dvec) {
  for (int64_t i = 0; i < rows; ++i) {
    const float* a = dout + i * dv;
    const float* b = o + i * dv;
    float acc[16] = {};
    int64_t e = 0;
    for (; e + 16 <= dv; e += 16)
      for (int l = 0; l < 16; ++l) acc[l] += a[e + l] * b[e + l];
    float sum = 0.f;
    for (int l = 0; l < 16; ++l) sum += acc[l];
    for (; e < dv; ++e) sum += a[e] * b[e];
    dvec[i] = sum;
  }
}

// dst[i][0..cols) += sum over the non-null srcs of src[i][0..cols) (src row stride lds), rows [first, last).
ATTEND_TARGET_CLONES void add_rows(float* dst, int64_t ldd, float* const* srcs, int nsrc, int64_t lds, int64_t cols,
                                   int64_t first, int64_t last) {
  for (int t = 0; t < nsrc; ++t) {
    const float* src = srcs[t];
    if (!src) continue;
    for (int64_t i = first; i < last; ++i)
      for (int64_t c = 0; c < cols; ++c) dst[i * ldd + c] += src[i * lds + c];
  }
}

void check_shape(const AttentionShape& s, const char* op) {
  ATTEND_CHECK(s.batch >= 0 && s.heads >= 0 && s.q_len >= 0 && s.kv_len >= 0 && s.dim >= 0 && s.dim_v >= 0,
               "{}: negative size in B={} H={} Tq={} Tk={} D={} Dv={}", op, s.batch, s.heads, s.q_len, s.kv_len, s.dim,
               s.dim_v);
}

}  // namespace

const char* flash_attention_isa() { return tile_fns().name; }

namespace {
// The named tile functions if this CPU supports them (they are the best or narrower).
bool find_tile_fns(const char* name, TileFns* out) {
  const TileFns best = best_tile_fns();
  const std::string want = name;
  // Supported: the best one and anything narrower.
  const std::vector<TileFns> order = {
#ifdef ATTEND_FLASH_X86
      flash::tile_fns_avx512(), flash::tile_fns_avx2(),
#endif
      flash::tile_fns_generic()};
  bool reachable = false;
  for (const TileFns& f : order) {
    if (std::string(f.name) == best.name) reachable = true;
    if (reachable && want == f.name) {
      *out = f;
      return true;
    }
  }
  return false;
}

TileFns chosen_tile_fns() {
  TileFns f = best_tile_fns();
  if (const char* env = std::getenv("ATTEND_FLASH_ISA")) find_tile_fns(env, &f);
  return f;
}
}  // namespace

bool flash_attention_set_isa(const char* name) {
  TileFns f = best_tile_fns();
  if (name != nullptr && !find_tile_fns(name, &f)) return false;
  tile_fns() = f;
  return true;
}

void flash_attention_forward(const AttentionShape& s, const AttentionParams& p, const float* q, const float* k,
                             const float* v, float* o, float* lse) {
  check_shape(s, "flash_attention_forward");
  const int64_t bh_count = s.batch * s.heads;
  const int64_t tiles = (s.q_len + flash::kQueryTile - 1) / flash::kQueryTile;
  const int64_t items = bh_count * tiles;
  if (items == 0) return;
  Job job;
  job.s = s;
  job.scale = static_cast<float>(p.scale);
  job.causal = p.causal;
  job.key_lengths = p.key_lengths;
  job.q = q, job.k = k, job.v = v, job.o = o, job.lse = lse;
  const TileFns& fns = tile_fns();
  const int64_t scratch_floats = flash::forward_scratch_floats(s);
  const double flops = 2.0 * static_cast<double>(bh_count) * s.q_len * s.kv_len * (s.dim + s.dim_v);
  const int threads = thread_count(flops, items);
  std::atomic<int64_t> next{0};
  std::atomic<bool> failed{false};
  auto worker = [&] {
    float* scratch = thread_scratch(scratch_floats);
    if (!scratch) {
      failed.store(true);
      return;
    }
    // Head by head, so that the threads stream the same keys and values through the shared cache;
    // within a head, latest query tiles first (with causal masking they see the most keys).
    for (int64_t it = next.fetch_add(1); it < items; it = next.fetch_add(1)) {
      const int64_t tile = tiles - 1 - it % tiles;
      fns.forward_query_tile(job, it / tiles, tile * flash::kQueryTile, scratch);
    }
  };
  if (threads <= 1) {
    worker();
  } else {
#pragma omp parallel num_threads(threads)
    worker();
  }
  ATTEND_CHECK(!failed.load(), "flash_attention_forward: out of memory for {} floats of scratch", scratch_floats);
}

void flash_attention_backward(const AttentionShape& s, const AttentionParams& p, const float* q, const float* k,
                              const float* v, const float* o, const float* lse, const float* dout, float* dq,
                              float* dk, float* dv) {
  check_shape(s, "flash_attention_backward");
  const int64_t bh_count = s.batch * s.heads;
  const int64_t key_tiles = (s.kv_len + flash::kKeyTileBackward - 1) / flash::kKeyTileBackward;
  if (bh_count == 0 || s.q_len == 0 || key_tiles == 0) return;
  Job job;
  job.s = s;
  job.scale = static_cast<float>(p.scale);
  job.causal = p.causal;
  job.key_lengths = p.key_lengths;
  job.q = q, job.k = k, job.v = v, job.o_in = o, job.lse_in = lse, job.dout = dout, job.dk = dk, job.dv = dv;
  const TileFns& fns = tile_fns();
  const int64_t D = s.dim, Tq = s.q_len;
  const int64_t dp = flash::padded_dim(D, fns.vector_width);
  // dQ rows can be accumulated in place when they are whole vectors; otherwise in a padded buffer.
  const bool dq_in_place = dp == D;
  const double flops = 5.0 * static_cast<double>(bh_count) * Tq * s.kv_len * (D + s.dim_v);

  // Whole heads per thread when they divide evenly (or are plentiful); otherwise the key tiles of each
  // head are dealt out to the threads, each adding into its own dQ (thread 0 in place when possible).
  constexpr int kMaxSplitThreads = 64;
  int threads = thread_count(flops, std::max<int64_t>(bh_count, key_tiles));
  const bool by_heads = threads == 1 || bh_count % threads == 0 || bh_count >= 4 * threads;
  if (by_heads) threads = static_cast<int>(std::min<int64_t>(threads, bh_count));
  else threads = std::min(threads, kMaxSplitThreads);

  const int64_t tile_floats = round_up16(flash::backward_scratch_floats(s));
  const int64_t dvec_floats = round_up16(Tq);
  const bool private_dq = !by_heads || !dq_in_place;
  const int64_t scratch_floats = tile_floats + dvec_floats + (private_dq ? Tq * dp : 0);
  std::atomic<int64_t> next{0};
  std::atomic<bool> failed{false};
  float* dq_parts[kMaxSplitThreads] = {};

  auto head_worker = [&] {
    float* scratch = thread_scratch(scratch_floats);
    if (!scratch) {
      failed.store(true);
      return;
    }
    float* dvec = scratch + tile_floats;
    float* dq_buf = dvec + dvec_floats;
    for (int64_t bh = next.fetch_add(1); bh < bh_count; bh = next.fetch_add(1)) {
      row_dots(dout + bh * Tq * s.dim_v, o + bh * Tq * s.dim_v, Tq, s.dim_v, dvec);
      float* dq_head = dq + bh * Tq * D;
      float* acc = dq_in_place ? dq_head : dq_buf;
      const int64_t ld = dq_in_place ? D : dp;
      if (!dq_in_place) std::memset(dq_buf, 0, sizeof(float) * static_cast<size_t>(Tq * dp));
      for (int64_t kt = 0; kt < key_tiles; ++kt) fns.backward_key_tile(job, bh, kt, dvec, acc, ld, scratch);
      if (!dq_in_place) add_rows(dq_head, D, &dq_buf, 1, dp, D, 0, Tq);
    }
  };

  auto split_worker = [&] {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    float* scratch = thread_scratch(scratch_floats);
    if (!scratch) failed.store(true);
#pragma omp barrier
    if (failed.load()) return;  // every thread leaves before the next barrier
    float* dvec = scratch + tile_floats;
    float* dq_buf = dvec + dvec_floats;
    const bool in_place = dq_in_place && t == 0;
    dq_parts[t] = in_place ? nullptr : dq_buf;
    for (int64_t bh = 0; bh < bh_count; ++bh) {
      row_dots(dout + bh * Tq * s.dim_v, o + bh * Tq * s.dim_v, Tq, s.dim_v, dvec);
      float* dq_head = dq + bh * Tq * D;
      if (!in_place) std::memset(dq_buf, 0, sizeof(float) * static_cast<size_t>(Tq * dp));
      for (int64_t kt = t; kt < key_tiles; kt += nt)
        fns.backward_key_tile(job, bh, kt, dvec, in_place ? dq_head : dq_buf, in_place ? D : dp, scratch);
#pragma omp barrier
      add_rows(dq_head, D, dq_parts, nt, dp, D, Tq * t / nt, Tq * (t + 1) / nt);
#pragma omp barrier
    }
  };

  if (threads <= 1) {
    head_worker();
  } else if (by_heads) {
#pragma omp parallel num_threads(threads)
    head_worker();
  } else {
#pragma omp parallel num_threads(threads)
    split_worker();
  }
  ATTEND_CHECK(!failed.load(), "flash_attention_backward: out of memory for {} floats of scratch", scratch_floats);
}

}  // namespace attend::kernels
