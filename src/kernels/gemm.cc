// GEMM dispatch: oneDNN sgemm for float, reference loops for double, and batching over OpenMP
// when the matrices are too small for sgemm's own threading to pay off.
#include "kernels/gemm.h"

#include <dnnl.h>
#include <omp.h>

#include <atomic>

#include "base/error.h"
#include "kernels/gemm_bf16.h"

namespace attend::kernels {

namespace {
std::atomic<uint64_t> g_sgemm_calls{0};
std::atomic<int> g_sgemm_running{0};
}  // namespace

uint64_t sgemm_calls() { return g_sgemm_calls.load(std::memory_order_relaxed); }
bool sgemm_running() { return g_sgemm_running.load(std::memory_order_relaxed) > 0; }

void gemm(const GemmShape& s, float alpha, const float* a, const float* b, float beta, float* c) {
  if (s.m == 0 || s.n == 0) return;
  if (s.k == 0) {
    for (int64_t i = 0; i < s.m; ++i)
      for (int64_t j = 0; j < s.n; ++j) c[i * s.ldc + j] = beta == 0.f ? 0.f : beta * c[i * s.ldc + j];
    return;
  }
  g_sgemm_calls.fetch_add(1, std::memory_order_relaxed);
  g_sgemm_running.fetch_add(1, std::memory_order_relaxed);
  dnnl_status_t st = dnnl_success;
  if (gemm_routes_to_bf16(s, b)) {
    gemm_bf16(s, alpha, a, b, beta, c);
  } else {
    st = dnnl_sgemm(s.trans_a ? 'T' : 'N', s.trans_b ? 'T' : 'N', s.m, s.n, s.k, alpha, a, s.lda, b, s.ldb, beta, c,
                    s.ldc);
  }
  g_sgemm_running.fetch_sub(1, std::memory_order_relaxed);
  ATTEND_CHECK(st == dnnl_success, "gemm: oneDNN sgemm failed (status {}) for m={} n={} k={}", static_cast<int>(st),
               s.m, s.n, s.k);
}

void gemm(const GemmShape& s, double alpha, const double* a, const double* b, double beta, double* c) {
  ref::gemm(s, alpha, a, b, beta, c);
}

template <class T>
void gemm_batched(const GemmShape& s, int64_t batch, T alpha, const T* a, int64_t stride_a, const T* b,
                  int64_t stride_b, T beta, T* c, int64_t stride_c) {
  // Small matrices: one thread per batch entry (sgemm then runs single-threaded inside the region).
  const double flops = 2.0 * static_cast<double>(s.m) * static_cast<double>(s.n) * static_cast<double>(s.k);
  if (batch > 1 && flops < 4.0e6 && omp_get_max_threads() > 1 && !omp_in_parallel()) {
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < batch; ++i) gemm(s, alpha, a + i * stride_a, b + i * stride_b, beta, c + i * stride_c);
    return;
  }
  for (int64_t i = 0; i < batch; ++i) gemm(s, alpha, a + i * stride_a, b + i * stride_b, beta, c + i * stride_c);
}

template void gemm_batched<float>(const GemmShape&, int64_t, float, const float*, int64_t, const float*, int64_t,
                                  float, float*, int64_t);
template void gemm_batched<double>(const GemmShape&, int64_t, double, const double*, int64_t, const double*, int64_t,
                                   double, double*, int64_t);

namespace ref {

template <class T>
void gemm(const GemmShape& s, T alpha, const T* a, const T* b, T beta, T* c) {
  for (int64_t i = 0; i < s.m; ++i) {
    for (int64_t j = 0; j < s.n; ++j) {
      double acc = 0;
      for (int64_t p = 0; p < s.k; ++p) {
        const double av = s.trans_a ? a[p * s.lda + i] : a[i * s.lda + p];
        const double bv = s.trans_b ? b[j * s.ldb + p] : b[p * s.ldb + j];
        acc += av * bv;
      }
      T& out = c[i * s.ldc + j];
      out = static_cast<T>(static_cast<double>(alpha) * acc + (beta == T(0) ? 0.0 : static_cast<double>(beta) * out));
    }
  }
}

template void gemm<float>(const GemmShape&, float, const float*, const float*, float, float*);
template void gemm<double>(const GemmShape&, double, const double*, const double*, double, double*);

}  // namespace ref
}  // namespace attend::kernels
