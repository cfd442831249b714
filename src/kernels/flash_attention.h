// Fused scaled-dot-product attention for the CPU (FlashAttention-2 style), forward and backward, float.
// Tiles of queries meet tiles of keys in registers and a small per-thread scratch: the Tq x Tk score
// matrix never exists. Forward keeps a running max and sum per query (online softmax) and saves the
// log-sum-exp L; backward recomputes P = exp(S - L) tile by tile. The reference twin (full matrices,
// any T) is kernels/ref/attention.h.
//
//   q: [B,H,Tq,D]  k: [B,H,Tk,D]  v: [B,H,Tk,Dv]  ->  o: [B,H,Tq,Dv], lse: [B,H,Tq]   (row-major, dense)
//
// Masking: query i (0-based) sees key j iff j < key_lengths[b] (when given) and, with `causal`,
// j <= i + (Tk - Tq): the causal diagonal is aligned to the END of the keys, as when Tq new queries are
// appended to a cache of Tk - Tq earlier keys (Tq == Tk is the usual lower triangle; the first Tq - Tk
// queries see nothing when Tq > Tk). Every query therefore sees a prefix of the keys, and key tiles that
// no query of a tile sees are skipped. A query that sees no key gets output 0 and L = -inf (no NaN), and
// contributes nothing to any gradient.
//
// Threads: one OpenMP region over (batch, head, query tile) for forward, over heads or key tiles for
// backward; per-thread scratch is kept between calls (no heap allocation once warm).
#pragma once
#include <cstdint>

namespace attend::kernels {

struct AttentionShape {
  int64_t batch = 1;
  int64_t heads = 1;
  int64_t q_len = 0;   // Tq
  int64_t kv_len = 0;  // Tk
  int64_t dim = 0;     // D, of queries and keys
  int64_t dim_v = 0;   // Dv, of values and outputs
};

struct AttentionParams {
  double scale = 1.0;                     // logits are scale * q.k (the op defaults it to 1/sqrt(D))
  bool causal = false;                    // see the masking rule above
  const int32_t* key_lengths = nullptr;   // [B] valid keys per batch entry (keys >= length are padding); null: all
};

// o = softmax(scale * q k^T + mask) v and lse = log(sum_j exp(scale * q.k_j)) over the visible keys
// (natural log; -inf for a query that sees no key). Writes every element of o and lse; lse may be null.
void flash_attention_forward(const AttentionShape& s, const AttentionParams& p, const float* q, const float* k,
                             const float* v, float* o, float* lse);

// Adds the gradients of the forward into dq [B,H,Tq,D], dk [B,H,Tk,D], dv [B,H,Tk,Dv], given the
// forward's o and lse and the output gradient dout [B,H,Tq,Dv]. Memory: O(tile^2) per thread, plus one
// [Tq, D] dQ accumulator per extra thread when fewer heads than threads force key tiles of one head to
// be split across threads.
void flash_attention_backward(const AttentionShape& s, const AttentionParams& p, const float* q, const float* k,
                              const float* v, const float* o, const float* lse, const float* dout, float* dq,
                              float* dk, float* dv);

// Which vector code the kernels run: "avx512", "avx2" or "generic" (the widest this CPU supports).
const char* flash_attention_isa();
// For tests and benchmarks: run on the named vector code if this CPU supports it (nullptr: the widest
// again). Returns whether it did. Not to be called while a kernel runs.
bool flash_attention_set_isa(const char* name);

}  // namespace attend::kernels
