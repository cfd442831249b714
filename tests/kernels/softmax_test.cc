// Softmax kernels (float, vectorised, threaded) against the double reference twin: odd sizes on the last
// axis and on inner axes, every output written, +-1e4 logits without NaN, all -inf rows.
#include "kernels/softmax.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "kernels/ref/softmax.h"
#include "tensor/rng.h"

namespace attend::kernels {
namespace {

std::vector<float> random_floats(int64_t n, Rng& rng, double lo, double hi) {
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = static_cast<float>(rng.uniform(lo, hi));
  return v;
}
std::vector<double> widen(const std::vector<float>& v) { return {v.begin(), v.end()}; }

void expect_forward_matches_ref(const SoftmaxShape& s, const std::vector<float>& x) {
  const size_t n = x.size();
  std::vector<float> y(n, std::numeric_limits<float>::quiet_NaN());  // poison: every element must be written
  softmax_forward(s, x.data(), y.data());
  std::vector<double> xd = widen(x), ref(n);
  ref::softmax_forward(s, xd.data(), ref.data());
  for (size_t i = 0; i < n; ++i) {
    ASSERT_FALSE(std::isnan(y[i])) << "element " << i << " not written";
    ASSERT_NEAR(y[i], ref[i], 2e-6 * (1 + std::abs(ref[i]))) << "log=" << s.log << " outer=" << s.outer
                                                           << " dim=" << s.dim << " inner=" << s.inner << " at " << i;
  }
}

TEST(SoftmaxKernel, ForwardMatchesReferenceOnOddSizes) {
  Rng rng(41);
  for (bool log : {false, true})
    for (int64_t dim : {1, 7, 63, 65, 1000})
      for (int64_t inner : {1, 3, 65})
        for (int64_t outer : {1, 5}) {
          const SoftmaxShape s{outer, dim, inner, log};
          expect_forward_matches_ref(s, random_floats(outer * dim * inner, rng, -8, 8));
        }
}

TEST(SoftmaxKernel, LargeThreadedInputMatchesReference) {
  Rng rng(42);
  for (int64_t inner : {1, 33}) {
    const SoftmaxShape s{64, 1000, inner, inner > 1};
    expect_forward_matches_ref(s, random_floats(s.outer * s.dim * s.inner, rng, -20, 20));
  }
}

TEST(SoftmaxKernel, BackwardAddsReferenceGradient) {
  Rng rng(43);
  for (bool log : {false, true})
    for (int64_t dim : {1, 7, 63, 65, 1000})
      for (int64_t inner : {1, 65}) {
        const SoftmaxShape s{3, dim, inner, log};
        const int64_t n = s.outer * dim * inner;
        std::vector<float> x = random_floats(n, rng, -5, 5), y(static_cast<size_t>(n));
        softmax_forward(s, x.data(), y.data());
        std::vector<float> dy = random_floats(n, rng, -1, 1), dx = random_floats(n, rng, -1, 1);
        std::vector<double> yd = widen(y), dyd = widen(dy), dxd = widen(dx);
        softmax_backward(s, y.data(), dy.data(), dx.data());
        ref::softmax_backward(s, yd.data(), dyd.data(), dxd.data());
        for (size_t i = 0; i < dx.size(); ++i)
          ASSERT_NEAR(dx[i], dxd[i], 1e-5 * (1 + std::abs(dxd[i]))) << "log=" << log << " dim=" << dim << " at " << i;
      }
}

TEST(SoftmaxKernel, ExtremeLogitsSumToOneWithoutNaN) {
  for (int64_t dim : {1, 7, 63, 65, 1000})
    for (int64_t inner : {1, 7}) {
      const SoftmaxShape s{2, dim, inner, false};
      std::vector<float> x(static_cast<size_t>(2 * dim * inner));
      for (size_t i = 0; i < x.size(); ++i) x[i] = (i * 7919) % 3 == 0 ? 1e4f : -1e4f;
      x[0] = 1e4f;
      std::vector<float> y(x.size()), ly(x.size());
      softmax_forward(s, x.data(), y.data());
      SoftmaxShape sl = s;
      sl.log = true;
      softmax_forward(sl, x.data(), ly.data());
      for (int64_t o = 0; o < 2; ++o)
        for (int64_t c = 0; c < inner; ++c) {
          double sum = 0;
          for (int64_t d = 0; d < dim; ++d) {
            const size_t i = static_cast<size_t>((o * dim + d) * inner + c);
            ASSERT_TRUE(std::isfinite(y[i])) << i;
            ASSERT_FALSE(std::isnan(ly[i])) << i;
            sum += y[i];
          }
          ASSERT_NEAR(sum, 1.0, 1e-5) << "dim " << dim << " inner " << inner;
        }
    }
}

TEST(SoftmaxKernel, AllMinusInfinityRowGivesZerosOrMinusInfinity) {
  const float inf = std::numeric_limits<float>::infinity();
  for (int64_t inner : {1, 4}) {
    const SoftmaxShape s{1, 5, inner, false};
    std::vector<float> x(static_cast<size_t>(5 * inner), -inf), y(x.size()), ly(x.size());
    softmax_forward(s, x.data(), y.data());
    SoftmaxShape sl = s;
    sl.log = true;
    softmax_forward(sl, x.data(), ly.data());
    for (size_t i = 0; i < x.size(); ++i) {
      EXPECT_EQ(y[i], 0.f);
      EXPECT_EQ(ly[i], -inf);
    }
  }
  // a partly masked row: masked entries get exactly 0
  const SoftmaxShape s{1, 4, 1, false};
  std::vector<float> x{0.f, -inf, 0.f, -inf}, y(4);
  softmax_forward(s, x.data(), y.data());
  EXPECT_FLOAT_EQ(y[0], 0.5f);
  EXPECT_EQ(y[1], 0.f);
}

}  // namespace
}  // namespace attend::kernels
