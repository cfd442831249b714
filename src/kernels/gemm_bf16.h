// Mixed-precision GEMM: float matrices rounded to bfloat16 (round to nearest even), multiplied by oneDNN's
// matmul primitive with float accumulation (AMX or AVX-512 BF16 where the CPU has them), float result.
// kernels::gemm routes large float GEMMs here when the process-wide precision is Bf16; float stays the
// default everywhere (gradient checks, references).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "kernels/gemm.h"

namespace attend::kernels {

enum class GemmPrecision { F32, Bf16 };

// The process-wide choice for float GEMMs (set once at start-up, e.g. by `attend --precision bf16`).
void set_gemm_precision(GemmPrecision p);
GemmPrecision gemm_precision();
// "f32" / "bf16"; parse_gemm_precision throws a one-line error naming the bad value.
const char* gemm_precision_name(GemmPrecision p);
GemmPrecision parse_gemm_precision(const std::string& s);

// True when oneDNN has a native (non-reference) bf16 matmul on this CPU. Without one, kernels::gemm stays in
// float under Bf16, and gemm_bf16 (called directly) multiplies the rounded operands widened back to float.
bool bf16_gemm_native();
// oneDNN's implementation name for the bf16 matmul ("brg:avx512_core_amx_bf16", ...), for benchmark lines.
std::string bf16_gemm_impl();

// Whether a GEMM of this shape gains from bf16. Rounding costs k*(m+n) element passes per call against
// m*n*k multiply-adds, so it pays only when m*n/(m+n) is large (the all-steps GEMMs of training, the output
// layer); the per-step GEMMs of a recurrence (m = batch rows) and short inner dimensions stay in float.
// set_bf16_all_sizes(true) lifts the rule (tests route tiny models through bf16 with it).
bool bf16_pays_off(const GemmShape& s);
// With B frozen (rounded and packed once, see FrozenBf16Operands) only A is rounded per call, so much
// smaller products pay: a recurrent layer's per-step h W_hh^T with a batch of 64.
bool bf16_pays_off_frozen_b(const GemmShape& s);
// Whether p lies in a buffer of a live FrozenBf16Operands scope.
bool is_frozen_bf16_operand(const float* p);
void set_bf16_all_sizes(bool all);
// Whether kernels::gemm sends this float product to gemm_bf16 (precision Bf16, native bf16, and the shape rule
// above, the relaxed one when b is frozen). Callers that pick an orientation by the path use it too.
bool gemm_routes_to_bf16(const GemmShape& s, const float* b);

// C = alpha * op(A) op(B) + beta * C through bf16 inputs. Thread-safe; inside an OpenMP region it runs on
// the calling thread alone (oneDNN does not nest), so threads may each multiply their own rows.
void gemm_bf16(const GemmShape& s, float alpha, const float* a, const float* b, float beta, float* c);

// While alive, the float buffers it names are promised not to change (a model's parameters during a decode):
// gemm_bf16 rounds an operand stored in such a buffer (all of it, or a block such as a column block of an
// output layer) once and reuses the copy, instead of rounding the same weights at every decoder step.
// Process-wide: the GEMMs may run on any thread while the scope lives, and the scope must outlive every GEMM
// that reads its buffers (the copies go with it); scopes may nest. The buffers must not overlap.
class FrozenBf16Operands {
 public:
  explicit FrozenBf16Operands(const std::vector<std::pair<const float*, int64_t>>& buffers);  // (data, elements)
  ~FrozenBf16Operands();
  FrozenBf16Operands(const FrozenBf16Operands&) = delete;
  FrozenBf16Operands& operator=(const FrozenBf16Operands&) = delete;

 private:
  std::vector<const float*> registered_;
};

// Round-to-nearest-even float -> bfloat16 bits (NaN stays NaN), and back; exposed for tests.
uint16_t to_bf16(float x);
float from_bf16(uint16_t b);

}  // namespace attend::kernels
