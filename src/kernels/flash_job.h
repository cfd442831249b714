// Internal to the flash attention kernels: the job description shared by the threading code
// (flash_attention.cc) and the per-ISA tile code (flash_tiles.h compiled in flash_isa_*.cc), the tile
// sizes, the masking rule, and the per-ISA entry points.
#pragma once
#include <algorithm>
#include <cstdint>

#include "kernels/flash_attention.h"

namespace attend::kernels::flash {

// Queries per forward tile and per backward tile; keys per backward tile. Lanes of the vector code run
// along these, so they are multiples of every vector width (16, 8, 4).
inline constexpr int64_t kQueryTile = 64;
inline constexpr int64_t kKeyTileBackward = 64;
// Keys per forward tile (64, 128 and 256 measured within 3% of each other; 64 needs the least scratch).
inline constexpr int64_t kKeyTileForward = 64;

struct Job {
  AttentionShape s;
  float scale = 1.f;
  bool causal = false;
  const int32_t* key_lengths = nullptr;
  const float* q = nullptr;
  const float* k = nullptr;
  const float* v = nullptr;
  float* o = nullptr;  // forward output
  float* lse = nullptr;  // forward output (may be null)
  const float* o_in = nullptr;  // backward inputs
  const float* lse_in = nullptr;
  const float* dout = nullptr;
  float* dk = nullptr;  // backward outputs (added into); dq goes through the accumulator argument
  float* dv = nullptr;
};

// Number of keys (a prefix) that query i of batch entry b sees; see flash_attention.h.
inline int64_t visible_keys(const Job& j, int64_t b, int64_t i) {
  const int64_t tk = j.s.kv_len;
  int64_t n = j.key_lengths ? std::clamp<int64_t>(j.key_lengths[b], 0, tk) : tk;
  if (j.causal) n = std::min(n, std::max<int64_t>(0, i + tk - j.s.q_len + 1));
  return n;
}

// Per-thread scratch (in floats) the tile functions need.
int64_t forward_scratch_floats(const AttentionShape& s);
int64_t backward_scratch_floats(const AttentionShape& s);
// Columns of the padded dQ accumulator rows (D rounded up to the vector width of the running ISA).
int64_t padded_dim(int64_t dim, int vector_width);

// One ISA's tile functions.
struct TileFns {
  const char* name;
  int vector_width;
  // Forward for query rows [i0, i0 + kQueryTile) of head bh (= b * H + h).
  void (*forward_query_tile)(const Job& j, int64_t bh, int64_t i0, float* scratch);
  // Backward for key tile kt of head bh: adds into dk, dv (the tile's rows) and into dq_acc rows
  // (ld = ldq, >= padded_dim(D) columns readable/writable), using dvec[i] = rowsum(dO_i * O_i).
  void (*backward_key_tile)(const Job& j, int64_t bh, int64_t kt, const float* dvec, float* dq_acc, int64_t ldq,
                            float* scratch);
};

TileFns tile_fns_generic();
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define ATTEND_FLASH_X86 1
TileFns tile_fns_avx2();
TileFns tile_fns_avx512();
#endif

}  // namespace attend::kernels::flash
