// bf16 GEMM through oneDNN's matmul primitive: operands rounded into per-thread bf16 buffers in their stored
// layout (a transpose is only a stride in the memory descriptor), primitives cached per shape and thread,
// frozen operands' copies shared by all threads.
#include "kernels/gemm_bf16.h"

#include <immintrin.h>
#include <omp.h>

#include <atomic>
#include <bit>
#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <tuple>
#include <dnnl.hpp>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/error.h"

namespace attend::kernels {

namespace {

std::atomic<GemmPrecision> g_precision{GemmPrecision::F32};
std::atomic<bool> g_all_sizes{false};

dnnl::engine& cpu_engine() {
  static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  return eng;
}

struct Key {
  bool ta, tb;
  int64_t m, n, k, ldc;
  uint32_t alpha, beta;
  bool packed_b;  // B in the primitive's own layout (a frozen operand, reordered once)
  bool operator==(const Key&) const = default;
};
struct KeyHash {
  size_t operator()(const Key& k) const {
    size_t h = std::hash<int64_t>()(k.m) ^ (std::hash<int64_t>()(k.n) << 1) ^ (std::hash<int64_t>()(k.k) << 2);
    h ^= std::hash<int64_t>()(k.ldc) << 3;
    h ^= (static_cast<size_t>(k.alpha) << 7) ^ (static_cast<size_t>(k.beta) << 11) ^ (k.ta ? 0x9e37u : 0u) ^
         (k.tb ? 0x79b9u : 0u) ^ (k.packed_b ? 0x7f4au : 0u);
    return h;
  }
};

inline uint16_t round_to_bf16(float x) {
  const uint32_t bits = std::bit_cast<uint32_t>(x);
  const uint32_t rounded = (bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16;
  const uint32_t quiet_nan = (bits >> 16) | 0x40u;
  return static_cast<uint16_t>((bits & 0x7fffffffu) > 0x7f800000u ? quiet_nan : rounded);
}

using dims = dnnl::memory::dims;
using dt = dnnl::memory::data_type;

// op(X) of `rows` x `cols` stored densely in its stored orientation: a transpose swaps the strides.
dnnl::memory::desc operand_desc(int64_t rows, int64_t cols, bool trans) {
  return dnnl::memory::desc(dims{rows, cols}, dt::bf16, trans ? dims{1, rows} : dims{cols, 1});
}

dnnl::matmul::primitive_desc make_pd(const Key& key) {
  const float alpha = std::bit_cast<float>(key.alpha), beta = std::bit_cast<float>(key.beta);
  dnnl::primitive_attr attr;
  if (alpha != 1.f) attr.set_output_scales(0, {alpha});
  if (beta != 0.f) {
    dnnl::post_ops po;
    po.append_sum(beta);
    attr.set_post_ops(po);
  }
  dnnl::memory::desc a = operand_desc(key.m, key.k, key.ta);
  dnnl::memory::desc b = key.packed_b ? dnnl::memory::desc(dims{key.k, key.n}, dt::bf16, dnnl::memory::format_tag::any)
                                      : operand_desc(key.k, key.n, key.tb);
  dnnl::memory::desc c(dims{key.m, key.n}, dt::f32, dims{key.ldc, 1});
  return dnnl::matmul::primitive_desc(dnnl::matmul::desc(a, b, c), attr, cpu_engine());
}

// One block of a frozen buffer in bf16: in its stored layout, and reordered into the layouts primitives
// asked for (AMX kernels want B in tiles; a plain B would be repacked by every call). A packed copy is
// keyed by the view it was reordered from as well as by its layout: a square block read as W and as W^T
// asks for the same layout but holds different matrices.
struct PackedCopy {
  dnnl::memory::desc from, layout;
  dnnl::memory memory;
};

struct FrozenCopy {
  std::vector<uint16_t> plain;
  std::vector<PackedCopy> packed;
};

struct Frozen {
  int64_t elements = 0;
  int refs = 0;
  // (offset, rows, cols, ld) -> copy: a GEMM may read a block of the buffer (an output layer in column blocks)
  std::map<std::tuple<int64_t, int64_t, int64_t, int64_t>, FrozenCopy> rounded;
};

struct Primitive {
  dnnl::matmul matmul;
  dnnl::memory::desc weights;  // the B layout it reads
};

struct ThreadState {
  dnnl::stream stream{cpu_engine()};
  std::unordered_map<Key, Primitive, KeyHash> cache;
  std::vector<uint16_t> a, b;
  std::vector<float> wide_a, wide_b;  // the rounded operands widened back, where the CPU has no bf16 matmul
};

// Frozen buffers are shared by all threads (a decoder may run its output layer on every thread at once).
struct FrozenRegistry {
  std::mutex mu;
  std::map<const float*, Frozen> buffers;  // by start address, so a pointer into a buffer finds it
};

FrozenRegistry& frozen_registry() {
  static FrozenRegistry r;
  return r;
}

// The frozen buffer holding p and p's offset in it (in floats), or null; the registry's mutex must be held.
std::pair<Frozen*, int64_t> find_frozen(FrozenRegistry& reg, const float* p) {
  auto it = reg.buffers.upper_bound(p);  // the buffer starting at or before p, if any
  if (it == reg.buffers.begin()) return {nullptr, 0};
  --it;
  // Addresses compared as integers: p need not point into this buffer.
  const uintptr_t bytes = reinterpret_cast<uintptr_t>(p) - reinterpret_cast<uintptr_t>(it->first);
  const auto offset = static_cast<int64_t>(bytes / sizeof(float));
  if (offset >= it->second.elements) return {nullptr, 0};
  return {&it->second, offset};
}

ThreadState& thread_state() {
  thread_local ThreadState st;
  return st;
}

// One row, portable: the baseline build targets plain x86-64.
void round_row_portable(const float* src, int64_t n, uint16_t* dst) {
  for (int64_t j = 0; j < n; ++j) dst[j] = round_to_bf16(src[j]);
}

// One row with AVX-512 BF16's vcvtne2ps2bf16: 32 floats per instruction, the same round-to-nearest-even
// (NaN stays NaN; denormals are flushed to zero, which the portable path keeps — below bf16's useful range).
__attribute__((target("avx512f,avx512bw,avx512bf16"))) void round_row_avx512bf16(const float* src, int64_t n,
                                                                                  uint16_t* dst) {
  int64_t j = 0;
  for (; j + 32 <= n; j += 32) {
    const __m512 lo = _mm512_loadu_ps(src + j), hi = _mm512_loadu_ps(src + j + 16);
    _mm512_storeu_si512(dst + j, (__m512i)_mm512_cvtne2ps_pbh(hi, lo));
  }
  for (; j < n; ++j) dst[j] = round_to_bf16(src[j]);
}

void round_row(const float* src, int64_t n, uint16_t* dst) {
  static const bool hw = __builtin_cpu_supports("avx512bf16");
  if (hw) {
    round_row_avx512bf16(src, n, dst);
  } else {
    round_row_portable(src, n, dst);
  }
}

// Rounds a rows x cols float matrix with row stride ld into a dense bf16 buffer.
void round_matrix(const float* src, int64_t rows, int64_t cols, int64_t ld, std::vector<uint16_t>& dst) {
  dst.resize(static_cast<size_t>(rows * cols));
  uint16_t* out = dst.data();
  const bool threaded = rows * cols >= (1 << 16) && !omp_in_parallel();
#pragma omp parallel for schedule(static) if (threaded)
  for (int64_t i = 0; i < rows; ++i) {
    round_row(src + i * ld, cols, out + i * cols);
  }
}

// The bf16 operand for a rows x cols float matrix at src (row stride ld): a frozen buffer's cached copy (and
// *frozen set to it), or `scratch` rounded afresh.
const uint16_t* bf16_operand(const float* src, int64_t rows, int64_t cols, int64_t ld,
                             std::vector<uint16_t>& scratch, FrozenCopy** frozen) {
  {
    FrozenRegistry& reg = frozen_registry();
    std::lock_guard<std::mutex> lock(reg.mu);  // a copy is made once, by the first thread that needs it
    const auto [buffer, offset] = find_frozen(reg, src);
    if (buffer != nullptr && offset + (rows - 1) * ld + cols <= buffer->elements) {
      FrozenCopy& copy = buffer->rounded[{offset, rows, cols, ld}];
      if (copy.plain.empty()) round_matrix(src, rows, cols, ld, copy.plain);
      if (frozen != nullptr) *frozen = &copy;
      return copy.plain.data();  // stays put: map nodes do not move, and a scope ends after its GEMMs
    }
  }
  round_matrix(src, rows, cols, ld, scratch);
  return scratch.data();
}

}  // namespace

FrozenBf16Operands::FrozenBf16Operands(const std::vector<std::pair<const float*, int64_t>>& buffers) {
  FrozenRegistry& reg = frozen_registry();
  std::lock_guard<std::mutex> lock(reg.mu);
  for (const auto& [data, elements] : buffers) {
    if (data == nullptr || elements <= 0) continue;
    Frozen& f = reg.buffers[data];
    f.elements = std::max(f.elements, elements);
    ++f.refs;
    registered_.push_back(data);
  }
}

FrozenBf16Operands::~FrozenBf16Operands() {
  FrozenRegistry& reg = frozen_registry();
  std::lock_guard<std::mutex> lock(reg.mu);
  for (const float* data : registered_) {
    auto it = reg.buffers.find(data);
    if (it != reg.buffers.end() && --it->second.refs == 0) reg.buffers.erase(it);
  }
}

uint16_t to_bf16(float x) { return round_to_bf16(x); }

float from_bf16(uint16_t b) { return std::bit_cast<float>(static_cast<uint32_t>(b) << 16); }

void set_gemm_precision(GemmPrecision p) { g_precision.store(p, std::memory_order_relaxed); }
GemmPrecision gemm_precision() { return g_precision.load(std::memory_order_relaxed); }
void set_bf16_all_sizes(bool all) { g_all_sizes.store(all, std::memory_order_relaxed); }

bool bf16_pays_off(const GemmShape& s) {
  if (g_all_sizes.load(std::memory_order_relaxed)) return true;
  const double m = static_cast<double>(s.m), n = static_cast<double>(s.n);
  return s.k >= 128 && m * n / (m + n) >= 128 && m * n * static_cast<double>(s.k) >= (1 << 21);
}

bool bf16_pays_off_frozen_b(const GemmShape& s) {
  if (g_all_sizes.load(std::memory_order_relaxed)) return true;
  return s.k >= 64 && s.n >= 64 && s.m * s.n * s.k >= (int64_t{1} << 18);
}

bool is_frozen_bf16_operand(const float* p) {
  FrozenRegistry& reg = frozen_registry();
  std::lock_guard<std::mutex> lock(reg.mu);
  return find_frozen(reg, p).first != nullptr;
}

const char* gemm_precision_name(GemmPrecision p) { return p == GemmPrecision::Bf16 ? "bf16" : "f32"; }

GemmPrecision parse_gemm_precision(const std::string& s) {
  if (s == "f32") return GemmPrecision::F32;
  if (s == "bf16") return GemmPrecision::Bf16;
  ATTEND_FAIL("precision must be \"f32\" or \"bf16\", got '{}'", s);
}

std::string bf16_gemm_impl() {
  static const std::string impl = [] {
    try {
      return std::string(make_pd(Key{false, false, 64, 64, 64, 64, std::bit_cast<uint32_t>(1.f), 0, false}).impl_info_str());
    } catch (const dnnl::error&) {
      return std::string("none");
    }
  }();
  return impl;
}

bool bf16_gemm_native() {
  static const bool native = [] {  // decided once: kernels::gemm asks on every call under Bf16
    const std::string& impl = bf16_gemm_impl();
    return impl != "none" && impl.rfind("ref", 0) != 0;
  }();
  return native;
}

// A frozen B block in the layout `want`, reordered from its plain copy on first use.
dnnl::memory packed_weights(ThreadState& st, FrozenCopy& copy, const dnnl::memory::desc& plain,
                            const dnnl::memory::desc& want) {
  dnnl::memory from(plain, cpu_engine(), copy.plain.data());
  if (want == plain) return from;
  std::lock_guard<std::mutex> lock(frozen_registry().mu);
  for (const PackedCopy& c : copy.packed)
    if (c.from == plain && c.layout == want) return c.memory;
  dnnl::memory to(want, cpu_engine());
  dnnl::reorder(from, to).execute(st.stream, from, to);
  st.stream.wait();
  copy.packed.push_back({plain, want, to});
  return to;
}

bool gemm_routes_to_bf16(const GemmShape& s, const float* b) {
  return gemm_precision() == GemmPrecision::Bf16 && bf16_gemm_native() &&
         (bf16_pays_off(s) || (bf16_pays_off_frozen_b(s) && is_frozen_bf16_operand(b)));
}

// Without a bf16 matmul (oneDNN has none below AVX-512) the same product from the rounded operands widened
// back to float, through sgemm: slower than float, but gemm_bf16 means the same thing on every CPU.
void gemm_widened(ThreadState& st, const GemmShape& s, float alpha, const uint16_t* a16, const uint16_t* b16,
                  float beta, float* c) {
  const int64_t a_cols = s.trans_a ? s.m : s.k, b_cols = s.trans_b ? s.k : s.n;
  auto widen = [](const uint16_t* x, int64_t n, std::vector<float>& out) {
    out.resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) out[static_cast<size_t>(i)] = from_bf16(x[i]);
  };
  widen(a16, s.m * s.k, st.wide_a);
  widen(b16, s.k * s.n, st.wide_b);
  const dnnl_status_t status = dnnl_sgemm(s.trans_a ? 'T' : 'N', s.trans_b ? 'T' : 'N', s.m, s.n, s.k, alpha,
                                          st.wide_a.data(), a_cols, st.wide_b.data(), b_cols, beta, c, s.ldc);
  ATTEND_CHECK(status == dnnl_success, "gemm_bf16: oneDNN sgemm failed (status {}) for m={} n={} k={}",
               static_cast<int>(status), s.m, s.n, s.k);
}

void gemm_bf16(const GemmShape& s, float alpha, const float* a, const float* b, float beta, float* c) {
  if (s.m == 0 || s.n == 0 || s.k == 0) {  // nothing to round: kernels::gemm handles these before any routing
    gemm(s, alpha, a, b, beta, c);
    return;
  }
  ThreadState& st = thread_state();
  // Stored shapes: A is m x k (k x m when transposed), B is k x n (n x k when transposed).
  const uint16_t* a16 = bf16_operand(a, s.trans_a ? s.k : s.m, s.trans_a ? s.m : s.k, s.lda, st.a, nullptr);
  FrozenCopy* frozen_b = nullptr;
  const uint16_t* b16 = bf16_operand(b, s.trans_b ? s.n : s.k, s.trans_b ? s.k : s.n, s.ldb, st.b, &frozen_b);
  if (!bf16_gemm_native()) {
    gemm_widened(st, s, alpha, a16, b16, beta, c);
    return;
  }
  const Key key{s.trans_a, s.trans_b, s.m, s.n, s.k, s.ldc, std::bit_cast<uint32_t>(alpha),
                std::bit_cast<uint32_t>(beta), frozen_b != nullptr};
  auto it = st.cache.find(key);
  if (it == st.cache.end()) {
    if (st.cache.size() >= 512) st.cache.clear();  // bucketed batches give a bounded set of shapes
    const dnnl::matmul::primitive_desc pd = make_pd(key);
    it = st.cache.emplace(key, Primitive{dnnl::matmul(pd), pd.weights_desc()}).first;
  }
  const dnnl::memory::desc b_plain = operand_desc(s.k, s.n, s.trans_b);
  // oneDNN reads but does not write src and weights; its memory handle is untyped.
  dnnl::memory am(operand_desc(s.m, s.k, s.trans_a), cpu_engine(), const_cast<uint16_t*>(a16));
  dnnl::memory bm = frozen_b != nullptr ? packed_weights(st, *frozen_b, b_plain, it->second.weights)
                                        : dnnl::memory(b_plain, cpu_engine(), const_cast<uint16_t*>(b16));
  dnnl::memory cm(dnnl::memory::desc(dims{s.m, s.n}, dt::f32, dims{s.ldc, 1}), cpu_engine(), c);
  it->second.matmul.execute(st.stream, {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}});
  st.stream.wait();
}

}  // namespace attend::kernels
