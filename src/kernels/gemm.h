// GEMM on raw row-major buffers: C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C.
// float goes to oneDNN's sgemm (large ones to gemm_bf16 when the precision is Bf16, see gemm_bf16.h);
// double goes to the reference twin (used by gradient checks).
// lda/ldb/ldc are row strides of the stored (untransposed) matrices, as in BLAS row-major.
#pragma once
#include <cstdint>

namespace attend::kernels {

struct GemmShape {
  bool trans_a = false;
  bool trans_b = false;
  int64_t m = 0, n = 0, k = 0;
  int64_t lda = 0, ldb = 0, ldc = 0;
};

void gemm(const GemmShape& s, float alpha, const float* a, const float* b, float beta, float* c);
// How many times the float path has called oneDNN's sgemm, and whether a call is running right now (on
// any thread). Tests use these to tell oneDNN's internal heap allocations, which attend cannot avoid,
// from attend's own.
uint64_t sgemm_calls();
bool sgemm_running();

void gemm(const GemmShape& s, double alpha, const double* a, const double* b, double beta, double* c);

// `batch` independent GEMMs with element strides between consecutive A, B and C matrices
// (a stride of 0 broadcasts one matrix to every batch entry).
template <class T>
void gemm_batched(const GemmShape& s, int64_t batch, T alpha, const T* a, int64_t stride_a, const T* b,
                  int64_t stride_b, T beta, T* c, int64_t stride_c);

namespace ref {
// Plain triple loop, the reference twin. Accumulates in double.
template <class T>
void gemm(const GemmShape& s, T alpha, const T* a, const T* b, T beta, T* c);
}  // namespace ref

}  // namespace attend::kernels
