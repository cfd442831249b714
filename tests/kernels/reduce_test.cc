// Sum and max kernels against their reference twins: every axis subset of small odd shapes, large
// threaded shapes, accuracy of long float sums, ties and NaN for max, and the scatter of its backward.
#include "kernels/reduce.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "kernels/ref/reduce.h"
#include "tensor/rng.h"

namespace attend::kernels {
namespace {

ReduceGeometry geometry(const std::vector<int64_t>& shape, unsigned mask) {
  ReduceGeometry g;
  g.ndim = static_cast<int>(shape.size());
  for (int i = 0; i < g.ndim; ++i) {
    g.shape[i] = shape[static_cast<size_t>(i)];
    g.reduced[i] = (mask >> i) & 1u;
  }
  return g;
}

// Float kernel vs double reference on the same float inputs, for store and accumulate.
void expect_sum_matches(const std::vector<int64_t>& shape, unsigned mask, Rng& rng) {
  const ReduceGeometry g = geometry(shape, mask);
  int64_t n = 1, outputs = 1;
  for (int i = 0; i < g.ndim; ++i) {
    n *= g.shape[i];
    if (!g.reduced[i]) outputs *= g.shape[i];
  }
  std::vector<float> x(static_cast<size_t>(n));
  for (auto& v : x) v = static_cast<float>(rng.uniform(-1, 1));
  const std::vector<double> xd(x.begin(), x.end());
  for (bool acc : {false, true}) {
    std::vector<float> y(static_cast<size_t>(outputs), acc ? 0.5f : NAN);  // poison when storing
    std::vector<double> ref(y.begin(), y.end());
    reduce_sum<float>(g, x.data(), y.data(), 0.5, acc);
    ref::reduce_sum<double>(g, xd.data(), ref.data(), 0.5, acc);
    for (size_t i = 0; i < y.size(); ++i)
      ASSERT_NEAR(y[i], ref[i], 1e-6 * (1 + std::abs(ref[i]))) << "mask " << mask << " acc " << acc << " at " << i;
  }
}

TEST(ReduceSumKernel, EveryAxisSubsetMatchesReference) {
  Rng rng(21);
  for (unsigned mask = 0; mask < 16; ++mask) expect_sum_matches({3, 5, 1, 7}, mask, rng);
  for (unsigned mask = 0; mask < 8; ++mask) expect_sum_matches({65, 2, 63}, mask, rng);
  for (unsigned mask = 0; mask < 4; ++mask) expect_sum_matches({1, 1000}, mask, rng);
  expect_sum_matches({}, 0, rng);  // 0-d: a scaled copy
  expect_sum_matches({2, 1, 2, 1, 2, 1, 2, 3}, 0b10100101, rng);
}

TEST(ReduceSumKernel, LargeShapesMatchReference) {
  Rng rng(22);
  expect_sum_matches({1000, 300}, 0b01, rng);    // bias gradient: last axis kept, column blocks
  expect_sum_matches({300, 1000}, 0b10, rng);    // row sums
  expect_sum_matches({7, 40, 301}, 0b101, rng);  // middle axis kept
  expect_sum_matches({123457}, 0b1, rng);        // everything, blocked partial sums
}

TEST(ReduceSumKernel, LongFloatSumKeepsFloatPrecision) {
  // 2^22 copies of 0.1f: a float running sum drifts by percent; a double accumulator does not.
  const int64_t n = int64_t{1} << 22;
  std::vector<float> x(static_cast<size_t>(n), 0.1f);
  const double exact = static_cast<double>(0.1f) * static_cast<double>(n);
  for (unsigned mask : {1u}) {
    float y = 0;
    reduce_sum<float>(geometry({n}, mask), x.data(), &y, 1.0, false);
    EXPECT_NEAR(y, exact, exact * 1e-7);
  }
  // The same along a kept last axis: [n/4, 4] summed over rows.
  std::vector<float> y4(4);
  reduce_sum<float>(geometry({n / 4, 4}, 0b01), x.data(), y4.data(), 1.0, false);
  for (float v : y4) EXPECT_NEAR(v, exact / 4, exact / 4 * 1e-7);
}

TEST(ReduceSumKernel, EmptyReducedAxisGivesZero) {
  float y[3] = {NAN, NAN, NAN};
  reduce_sum<float>(geometry({3, 0}, 0b10), nullptr, y, 1.0, false);
  for (float v : y) EXPECT_EQ(v, 0.f);
}

TEST(MaxKernel, MatchesReferenceWithFirstArgmaxOnTies) {
  Rng rng(23);
  for (int64_t outer : {1, 7})
    for (int64_t n : {1, 2, 63})
      for (int64_t inner : {1, 5, 65}) {
        std::vector<float> x(static_cast<size_t>(outer * n * inner));
        for (auto& v : x) v = static_cast<float>(static_cast<int>(rng.uniform(0, 4)));  // many ties
        const std::vector<double> xd(x.begin(), x.end());
        std::vector<float> y(static_cast<size_t>(outer * inner), NAN);
        std::vector<int64_t> at(y.size(), -1);
        std::vector<double> ry(y.size());
        std::vector<int64_t> rat(y.size());
        max_forward<float>(outer, n, inner, x.data(), y.data(), at.data());
        ref::max_forward<double>(outer, n, inner, xd.data(), ry.data(), rat.data());
        for (size_t i = 0; i < y.size(); ++i) {
          ASSERT_EQ(y[i], ry[i]);
          ASSERT_EQ(at[i], rat[i]) << outer << "x" << n << "x" << inner << " at " << i;
        }
        // backward scatters dy to exactly the argmax positions
        std::vector<float> dy(y.size()), dx(x.size(), 0.f);
        std::vector<double> rdx(x.size(), 0.0);
        for (auto& v : dy) v = static_cast<float>(rng.uniform(-1, 1));
        const std::vector<double> dyd(dy.begin(), dy.end());
        max_backward<float>(outer, n, inner, at.data(), dy.data(), dx.data());
        ref::max_backward<double>(outer, n, inner, rat.data(), dyd.data(), rdx.data());
        for (size_t i = 0; i < dx.size(); ++i) ASSERT_EQ(dx[i], rdx[i]);
      }
}

TEST(MaxKernel, NanPropagatesAndWinsFirst) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float x[6] = {1.f, nan, 5.f, nan, 2.f, -std::numeric_limits<float>::infinity()};
  float y;
  int64_t at;
  max_forward<float>(1, 6, 1, x, &y, &at);
  EXPECT_TRUE(std::isnan(y));
  EXPECT_EQ(at, 1);
  const float column[4] = {nan, 1.f, 3.f, nan};  // [2 rows, 2 columns]
  float y2[2];
  int64_t at2[2];
  max_forward<float>(1, 2, 2, column, y2, at2);
  EXPECT_TRUE(std::isnan(y2[0]));
  EXPECT_EQ(at2[0], 0);
  EXPECT_TRUE(std::isnan(y2[1]));
  EXPECT_EQ(at2[1], 1);
}

}  // namespace
}  // namespace attend::kernels
