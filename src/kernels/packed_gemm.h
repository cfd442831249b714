// GEMM with a pre-packed right-hand operand: c[M,N] = a[M,K] * op(w)[K,N] + beta * c for one fixed
// shape and many calls that share w, such as the per-step products h W_hh^T of a recurrent layer.
// sgemm repacks w on every call; here w is reordered once into oneDNN's blocked layout (matmul
// primitive with "any" weights format) and each call only multiplies. float only.
// A plan is immutable after construction; run() may be called from several threads at once, each with
// its own scratch (and runs on the calling thread when called inside an OpenMP parallel region).
#pragma once
#include <cstddef>
#include <memory>

#include "kernels/gemm.h"

namespace attend::kernels {

class PackedGemm {
 public:
  // shape as for gemm(): w is the B operand (trans_b, ldb); a and c use lda and ldc. beta is fixed.
  PackedGemm(const GemmShape& shape, float beta);
  ~PackedGemm();
  PackedGemm(PackedGemm&&) noexcept;
  PackedGemm& operator=(PackedGemm&&) noexcept;

  size_t packed_bytes() const;   // memory pack() writes
  size_t scratch_bytes() const;  // memory one run() call uses
  // Reorders w (the B operand in shape's layout) into `packed`.
  void pack(const float* w, void* packed) const;
  // c = a * W + beta * c with the W packed earlier.
  void run(const float* a, const void* packed, float* c, void* scratch) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace attend::kernels
