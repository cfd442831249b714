// PackedGemm against the reference GEMM: odd shapes, both weight layouts, row strides wider than the
// matrices, beta 0 and 1, and several threads running plans at once.
#include "kernels/packed_gemm.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <vector>

#include "tensor/rng.h"

namespace attend::kernels {
namespace {

std::vector<float> random_floats(Rng& rng, size_t n) {
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(rng.uniform(-1, 1));
  return v;
}

// Runs the packed product of shape s (beta) from `threads` threads at once, each on its own output.
void check(const GemmShape& s, float beta, int threads, Rng& rng) {
  const std::vector<float> a = random_floats(rng, s.m * s.lda);
  const std::vector<float> w = random_floats(rng, (s.trans_b ? s.n : s.k) * s.ldb);
  const std::vector<float> c0 = random_floats(rng, s.m * s.ldc);
  std::vector<double> want(s.m * s.ldc);
  {
    std::vector<double> ad(a.begin(), a.end()), wd(w.begin(), w.end());
    for (size_t i = 0; i < c0.size(); ++i) want[i] = c0[i];
    ref::gemm<double>(s, 1.0, ad.data(), wd.data(), beta, want.data());
  }
  PackedGemm plan(s, beta);
  std::vector<float> packed(plan.packed_bytes() / sizeof(float) + 16);
  plan.pack(w.data(), packed.data());
  std::vector<std::vector<float>> outs(threads, c0);
  std::vector<std::vector<char>> scratch(threads, std::vector<char>(plan.scratch_bytes() + 64));
#pragma omp parallel for num_threads(threads)
  for (int t = 0; t < threads; ++t) plan.run(a.data(), packed.data(), outs[t].data(), scratch[t].data());
  for (int t = 0; t < threads; ++t)
    for (int64_t i = 0; i < s.m; ++i)
      for (int64_t j = 0; j < s.ldc; ++j) {
        const size_t k = i * s.ldc + j;
        // Columns past n belong to someone else and must stay untouched.
        if (j >= s.n) {
          ASSERT_EQ(outs[t][k], c0[k]) << "column " << j << " outside the product was written";
        } else {
          ASSERT_NEAR(outs[t][k], want[k], 1e-4) << "thread " << t << " row " << i << " column " << j;
        }
      }
}

TEST(PackedGemm, MatchesReferenceOnOddShapes) {
  Rng rng(1);
  for (int64_t m : {1, 7, 64})
    for (int64_t n : {1, 130})
      for (int64_t k : {33, 129})
        for (bool trans_b : {false, true})
          for (float beta : {0.f, 1.f}) {
            SCOPED_TRACE(::testing::Message()
                         << m << "x" << n << "x" << k << " trans_b " << trans_b << " beta " << beta);
            // Wider row strides than the matrices, as for gate slices of a [B,4H] buffer.
            const GemmShape s{false, trans_b, m, n, k, k + 3, (trans_b ? k : n) + 5, n + 2};
            check(s, beta, 1, rng);
            if (::testing::Test::HasFatalFailure()) return;
          }
}

TEST(PackedGemm, PlansRunConcurrently) {
  Rng rng(2);
  check({false, true, 64, 256, 512, 512, 512, 2048}, 1.f, 2, rng);
}

}  // namespace
}  // namespace attend::kernels
