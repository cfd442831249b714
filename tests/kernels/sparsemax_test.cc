// Sparsemax kernels (float and double) against the sort-based double reference twin: odd sizes on the last
// and inner axes, every output written, +-1e4 inputs, ties, masks and fully masked slices, and the backward.
#include "kernels/sparsemax.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "kernels/ref/sparsemax.h"
#include "tensor/rng.h"

namespace attend::kernels {
namespace {

std::vector<float> random_floats(int64_t n, Rng& rng, double lo, double hi) {
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = static_cast<float>(rng.uniform(lo, hi));
  return v;
}
std::vector<double> widen(const std::vector<float>& v) { return {v.begin(), v.end()}; }

// Runs the float kernel on x (poisoned output) and compares with the double reference; also checks
// every slice sums to 1 (or 0 when nothing takes part) and values are non-negative.
void expect_forward_matches_ref(const SparsemaxShape& s, const std::vector<float>& x, const std::vector<float>* mask,
                                double tol) {
  const size_t n = x.size();
  std::vector<float> y(n, std::numeric_limits<float>::quiet_NaN());
  sparsemax_forward(s, x.data(), mask ? mask->data() : nullptr, y.data());
  std::vector<double> xd = widen(x), ref(n), md;
  if (mask) md = widen(*mask);
  ref::sparsemax_forward(s, xd.data(), mask ? md.data() : nullptr, ref.data());
  for (size_t i = 0; i < n; ++i) {
    ASSERT_FALSE(std::isnan(y[i])) << "element " << i << " not written";
    ASSERT_GE(y[i], 0.f);
    ASSERT_NEAR(y[i], ref[i], tol) << "outer=" << s.outer << " dim=" << s.dim << " inner=" << s.inner << " at " << i;
    ASSERT_EQ(y[i] == 0.f, ref[i] == 0.0) << "support differs at " << i;  // exact zeros off the support
  }
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t c = 0; c < s.inner; ++c) {
      double sum = 0, ref_sum = 0;
      for (int64_t d = 0; d < s.dim; ++d) {
        sum += y[static_cast<size_t>(o * s.dim * s.inner + d * s.inner + c)];
        ref_sum += ref[static_cast<size_t>(o * s.dim * s.inner + d * s.inner + c)];
      }
      ASSERT_NEAR(sum, ref_sum, 1e-4);
      ASSERT_TRUE(std::abs(ref_sum - 1) < 1e-9 || ref_sum == 0) << ref_sum;
    }
}

TEST(SparsemaxKernel, ForwardMatchesReferenceOnOddSizes) {
  Rng rng(61);
  for (int64_t dim : {1, 2, 7, 63, 65, 1000})
    for (int64_t inner : {1, 3, 65})
      for (int64_t outer : {1, 5}) {
        const SparsemaxShape s{outer, dim, inner};
        // narrow range: large supports; wide range: few winners
        expect_forward_matches_ref(s, random_floats(outer * dim * inner, rng, -0.05, 0.05), nullptr, 2e-6);
        expect_forward_matches_ref(s, random_floats(outer * dim * inner, rng, -5, 5), nullptr, 2e-6);
      }
}

TEST(SparsemaxKernel, KnownValues) {
  // [0.5, 0.2, -1]: tau = (0.5 + 0.2 - 1) / 2 = -0.15 -> [0.65, 0.35, 0]
  const std::vector<double> x{0.5, 0.2, -1.0, 3.0, 0.0, 0.0};
  std::vector<double> y(6, -1);
  sparsemax_forward(SparsemaxShape{2, 3, 1}, x.data(), nullptr, y.data());
  EXPECT_NEAR(y[0], 0.65, 1e-15);
  EXPECT_NEAR(y[1], 0.35, 1e-15);
  EXPECT_EQ(y[2], 0.0);
  EXPECT_EQ(y[3], 1.0);  // a clear winner takes everything, the rest exactly 0
  EXPECT_EQ(y[4], 0.0);
  EXPECT_EQ(y[5], 0.0);
}

TEST(SparsemaxKernel, ExtremeInputsAndTies) {
  Rng rng(62);
  // +-1e4: the largest entries win, no NaN or overflow.
  for (int64_t dim : {7, 65, 1000}) {
    std::vector<float> x = random_floats(3 * dim, rng, -1e4, 1e4);
    expect_forward_matches_ref(SparsemaxShape{3, dim, 1}, x, nullptr, 1e-6);
  }
  // Exact ties at +-1e4 share the mass evenly.
  std::vector<float> x{1e4f, -1e4f, 1e4f, 1e4f, -1e4f, 0.f, 1e4f};
  std::vector<float> y(x.size());
  sparsemax_forward(SparsemaxShape{1, 7, 1}, x.data(), nullptr, y.data());
  for (size_t i : {0u, 2u, 3u, 6u}) EXPECT_FLOAT_EQ(y[i], 0.25f);
  for (size_t i : {1u, 4u, 5u}) EXPECT_EQ(y[i], 0.f);
  // All entries tied: uniform; ties with a small gap below.
  std::vector<float> t(65, 3.f), ty(65);
  sparsemax_forward(SparsemaxShape{1, 65, 1}, t.data(), nullptr, ty.data());
  for (float v : ty) EXPECT_FLOAT_EQ(v, 1.f / 65);
  std::vector<float> tie2{2.f, 2.f, 1.5f, 1.f}, tie2y(4);
  sparsemax_forward(SparsemaxShape{1, 4, 1}, tie2.data(), nullptr, tie2y.data());
  // tau = (2 + 2 + 1.5 - 1) / 3 = 1.5: the 1.5 entry sits exactly on the threshold and gets 0.
  EXPECT_FLOAT_EQ(tie2y[0], 0.5f);
  EXPECT_FLOAT_EQ(tie2y[1], 0.5f);
  EXPECT_EQ(tie2y[2], 0.f);
  EXPECT_EQ(tie2y[3], 0.f);
  // Many discrete levels with repeated values.
  std::vector<float> levels(1000);
  for (auto& v : levels) v = static_cast<float>(static_cast<int>(rng.below(7))) * 0.125f;
  expect_forward_matches_ref(SparsemaxShape{1, 1000, 1}, levels, nullptr, 2e-6);
}

TEST(SparsemaxKernel, MasksAndMinusInfinityExcludeEntries) {
  Rng rng(63);
  for (int64_t dim : {1, 7, 65})
    for (int64_t inner : {1, 3}) {
      const SparsemaxShape s{4, dim, inner};
      std::vector<float> x = random_floats(4 * dim * inner, rng, -1, 1), mask(x.size());
      for (auto& m : mask) m = rng.uniform() < 0.3 ? 0.f : 1.f;
      for (int64_t c = 0; c < inner; ++c)  // slice (outer 1, column c): fully masked
        for (int64_t d = 0; d < dim; ++d) mask[static_cast<size_t>(dim * inner + d * inner + c)] = 0.f;
      expect_forward_matches_ref(s, x, &mask, 2e-6);
      std::vector<float> y(x.size(), 7.f);
      sparsemax_forward(s, x.data(), mask.data(), y.data());
      for (size_t i = 0; i < x.size(); ++i)
        if (mask[i] == 0.f) {
          ASSERT_EQ(y[i], 0.f) << i;
        }
      // -inf entries behave exactly like masked ones.
      std::vector<float> xi = x, yi(x.size());
      for (size_t i = 0; i < x.size(); ++i)
        if (mask[i] == 0.f) xi[i] = -std::numeric_limits<float>::infinity();
      sparsemax_forward(s, xi.data(), nullptr, yi.data());
      for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ(yi[i], y[i]) << i;
    }
}

TEST(SparsemaxKernel, BackwardAddsReferenceGradient) {
  Rng rng(64);
  for (int64_t dim : {1, 7, 63, 65, 1000})
    for (int64_t inner : {1, 65}) {
      const SparsemaxShape s{3, dim, inner};
      const int64_t n = 3 * dim * inner;
      std::vector<float> x = random_floats(n, rng, -0.1, 0.1), y(static_cast<size_t>(n));
      sparsemax_forward(s, x.data(), nullptr, y.data());
      std::vector<float> dy = random_floats(n, rng, -1, 1), dx = random_floats(n, rng, -1, 1);
      std::vector<double> yd = widen(y), dyd = widen(dy), dxd = widen(dx);
      sparsemax_backward(s, y.data(), dy.data(), dx.data());
      ref::sparsemax_backward(s, yd.data(), dyd.data(), dxd.data());
      for (size_t i = 0; i < dx.size(); ++i) ASSERT_NEAR(dx[i], dxd[i], 1e-5) << "dim=" << dim << " at " << i;
      // The double kernel agrees with the reference to rounding.
      std::vector<double> dx2 = widen(random_floats(n, rng, 0, 0));
      std::vector<double> dx3 = dx2;
      sparsemax_backward(s, yd.data(), dyd.data(), dx2.data());
      ref::sparsemax_backward(s, yd.data(), dyd.data(), dx3.data());
      for (size_t i = 0; i < dx2.size(); ++i) ASSERT_NEAR(dx2[i], dx3[i], 1e-12);
    }
}

TEST(SparsemaxKernel, LargeThreadedInputMatchesDoubleKernel) {
  Rng rng(65);
  const SparsemaxShape s{256, 1000, 1};
  std::vector<float> x = random_floats(s.outer * s.dim, rng, -3, 3), y(x.size());
  std::vector<double> xd = widen(x), yd(x.size());
  sparsemax_forward(s, x.data(), nullptr, y.data());
  sparsemax_forward(s, xd.data(), nullptr, yd.data());
  for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], yd[i], 1e-6);
}

}  // namespace
}  // namespace attend::kernels
