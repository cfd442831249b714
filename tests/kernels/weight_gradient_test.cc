// add_weight_gradient (grad[N,K] += g^T a) in both orientations against a double-precision triple loop:
// odd sizes (tile edges of the transposed add), a gradient that already holds values, extreme magnitudes,
// and the choice kAuto makes.
#include "kernels/weight_gradient.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "tensor/rng.h"

namespace attend::kernels {
namespace {

struct Case {
  int64_t rows, N, K;
};

std::vector<float> random_floats(Rng& rng, size_t n, double scale) {
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(scale * rng.uniform(-1, 1));
  return v;
}

void check(const Case& c, WeightGradientOrder order, double scale, Rng& rng) {
  const std::vector<float> g = random_floats(rng, c.rows * c.N, scale), a = random_floats(rng, c.rows * c.K, 1.0);
  const std::vector<float> grad0 = random_floats(rng, c.N * c.K, scale);
  std::vector<float> grad = grad0;
  add_weight_gradient<float>(g.data(), a.data(), c.rows, c.N, c.K, grad.data(), order);
  for (int64_t n = 0; n < c.N; ++n)
    for (int64_t k = 0; k < c.K; ++k) {
      double want = grad0[n * c.K + k], magnitude = std::abs(want);
      for (int64_t r = 0; r < c.rows; ++r) {
        const double term = static_cast<double>(g[r * c.N + n]) * a[r * c.K + k];
        want += term;
        magnitude += std::abs(term);
      }
      ASSERT_NEAR(grad[n * c.K + k], want, 1e-5 * magnitude + 1e-30)
          << c.rows << " rows, " << c.N << " x " << c.K << ", entry " << n << "," << k;
    }
}

TEST(WeightGradient, BothOrientationsMatchTheReference) {
  Rng rng(3);
  for (const Case c : {Case{1, 1, 1}, Case{5, 33, 17}, Case{64, 97, 31}, Case{130, 65, 129}, Case{1100, 40, 70}})
    for (WeightGradientOrder order :
         {WeightGradientOrder::kDirect, WeightGradientOrder::kTransposed, WeightGradientOrder::kAuto})
      for (double scale : {1.0, 1e-30, 1e30}) {
        SCOPED_TRACE(::testing::Message() << "order " << static_cast<int>(order) << " scale " << scale);
        check(c, order, scale, rng);
      }
}

TEST(WeightGradient, DoubleMatchesTheReference) {
  const int64_t rows = 9, N = 5, K = 7;
  std::vector<double> g(rows * N), a(rows * K), grad(N * K, 0.5);
  for (size_t i = 0; i < g.size(); ++i) g[i] = 0.1 * static_cast<double>(i % 7) - 0.3;
  for (size_t i = 0; i < a.size(); ++i) a[i] = 0.2 * static_cast<double>(i % 5) - 0.4;
  for (WeightGradientOrder order : {WeightGradientOrder::kDirect, WeightGradientOrder::kTransposed}) {
    std::vector<double> got = grad;
    add_weight_gradient<double>(g.data(), a.data(), rows, N, K, got.data(), order);
    for (int64_t n = 0; n < N; ++n)
      for (int64_t k = 0; k < K; ++k) {
        double want = 0.5;
        for (int64_t r = 0; r < rows; ++r) want += g[r * N + n] * a[r * K + k];
        EXPECT_NEAR(got[n * K + k], want, 1e-12);
      }
  }
}

TEST(WeightGradient, AutoTransposesOnlyManyRowsOfWideGradients) {
  std::vector<float> a(2048 * 256, 0.f);
  EXPECT_EQ(auto_weight_gradient_order(a.data(), 64, 768, 256), WeightGradientOrder::kDirect);
  EXPECT_EQ(auto_weight_gradient_order(a.data(), 1023, 768, 256), WeightGradientOrder::kDirect);
  EXPECT_EQ(auto_weight_gradient_order(a.data(), 2048, 768, 256), WeightGradientOrder::kTransposed);
  EXPECT_EQ(auto_weight_gradient_order(a.data(), 2048, 511, 256), WeightGradientOrder::kDirect);
}

}  // namespace
}  // namespace attend::kernels
