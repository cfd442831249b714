// Broadcast binary kernels against their reference twin in double: every op, store and accumulate,
// broadcast patterns up to 8-d, strided inputs, odd and large (threaded) sizes; and the coalescing.
#include "kernels/elementwise.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/ref/elementwise.h"
#include "tensor/rng.h"

namespace attend::kernels {
namespace {

using Dims = std::vector<int64_t>;

// Geometry for dense a and b of the given shapes broadcast against each other (NumPy rules).
BroadcastGeometry dense_geometry(const Dims& a, const Dims& b) {
  BroadcastGeometry g;
  g.ndim = static_cast<int>(std::max(a.size(), b.size()));
  auto fill = [&](const Dims& s, int64_t* strides) {
    const int lead = g.ndim - static_cast<int>(s.size());
    int64_t step = 1;
    for (int i = g.ndim - 1; i >= 0; --i) {
      const int64_t d = i < lead ? 1 : s[static_cast<size_t>(i - lead)];
      strides[i] = d == 1 ? 0 : step;
      step *= d;
    }
  };
  for (int i = 0; i < g.ndim; ++i) {
    const int la = g.ndim - static_cast<int>(a.size()), lb = g.ndim - static_cast<int>(b.size());
    const int64_t da = i < la ? 1 : a[static_cast<size_t>(i - la)];
    const int64_t db = i < lb ? 1 : b[static_cast<size_t>(i - lb)];
    g.shape[i] = da == 1 ? db : da;
  }
  fill(a, g.a_strides);
  fill(b, g.b_strides);
  return g;
}

int64_t numel(const Dims& d) {
  int64_t n = 1;
  for (int64_t v : d) n *= v;
  return n;
}

std::vector<double> random_values(int64_t n, Rng& rng, double lo, double hi) {
  std::vector<double> v(static_cast<size_t>(n));
  for (auto& x : v) x = rng.uniform(lo, hi);
  return v;
}

// Runs the float kernel and the double reference on the same (float-representable) inputs.
void expect_matches_reference(const Dims& as, const Dims& bs, Rng& rng) {
  const BroadcastGeometry g = dense_geometry(as, bs);
  const int64_t n = g.numel();
  const auto ad = random_values(numel(as), rng, -2, 2);
  const auto bd = random_values(numel(bs), rng, 0.5, 1.5);  // no division by ~0
  const std::vector<float> af(ad.begin(), ad.end()), bf(bd.begin(), bd.end());
  const std::vector<double> a2(af.begin(), af.end()), b2(bf.begin(), bf.end());
  for (BinaryOp op : {BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div})
    for (bool acc : {false, true}) {
      const BinaryParams p{op, acc, -0.75};
      const auto init = random_values(n, rng, -1, 1);
      std::vector<float> y(static_cast<size_t>(n), NAN);  // poison: every element must be written
      if (acc) y.assign(init.begin(), init.end());
      std::vector<double> ref(y.begin(), y.end());
      binary<float>(p, g, af.data(), bf.data(), y.data());
      ref::binary<double>(p, g, a2.data(), b2.data(), ref.data());
      for (int64_t i = 0; i < n; ++i)
        ASSERT_NEAR(y[static_cast<size_t>(i)], ref[static_cast<size_t>(i)], 1e-6 * (1 + std::abs(ref[static_cast<size_t>(i)])))
            << "op " << static_cast<int>(op) << " acc " << acc << " at " << i << " of " << n;
    }
}

TEST(BinaryKernel, MatchesReferenceOnBroadcastPatterns) {
  Rng rng(11);
  const std::vector<std::pair<Dims, Dims>> cases = {
      {{1}, {1}},           {{7}, {7}},           {{65}, {}},           {{}, {63}},
      {{63, 65}, {65}},     {{65}, {63, 65}},     {{2, 3, 4}, {3, 1}},  {{2, 3, 4}, {2, 1, 4}},
      {{2, 1, 4}, {3, 1}},  {{7, 1}, {1, 65}},    {{1000}, {1000}},     {{3, 1, 5}, {1, 7, 1}},
      {{2, 1, 3, 1, 2, 1, 2, 3}, {1, 2, 1, 3, 1, 2, 1, 3}},               {{2, 3, 2, 3, 2, 3, 2, 3}, {3}},
  };
  for (const auto& [a, b] : cases) expect_matches_reference(a, b, rng);
}

TEST(BinaryKernel, LargeThreadedShapesMatchReference) {
  Rng rng(12);
  // Above the threading threshold (2^15 elements).
  expect_matches_reference({70, 1001}, {1001}, rng);   // bias row, split by rows
  expect_matches_reference({71, 1000}, {71, 1}, rng);  // column broadcast
  expect_matches_reference({70001}, {}, rng);          // scalar, split by element ranges
  expect_matches_reference({40, 1000}, {40, 1000}, rng);
}

TEST(BinaryKernel, ReadsStridedInputs) {
  // a is the transpose of a dense [5, 7] buffer; b a strided column (every other element).
  Rng rng(13);
  const auto a = random_values(35, rng, -1, 1);
  const auto b = random_values(14, rng, 0.5, 1.5);
  BroadcastGeometry g;
  g.ndim = 2;
  g.shape[0] = 7;
  g.shape[1] = 5;
  g.a_strides[0] = 1;
  g.a_strides[1] = 7;
  g.b_strides[0] = 2;
  g.b_strides[1] = 0;
  std::vector<double> y(35, NAN);
  binary<double>({BinaryOp::Div}, g, a.data(), b.data(), y.data());
  for (int i = 0; i < 7; ++i)
    for (int j = 0; j < 5; ++j) EXPECT_DOUBLE_EQ(y[i * 5 + j], a[j * 7 + i] / b[i * 2]);
}

TEST(BinaryKernel, InPlaceOnDenseOperand) {
  std::vector<float> y = {1, 2, 3, 4, 5, 6};
  const float b[3] = {10, 20, 30};
  const BroadcastGeometry g = dense_geometry({2, 3}, {3});
  binary<float>({BinaryOp::Add}, g, y.data(), b, y.data());
  EXPECT_EQ(y, (std::vector<float>{11, 22, 33, 14, 25, 36}));
}

TEST(BinaryKernel, CoalesceFindsTheFastPaths) {
  BroadcastGeometry same = coalesce(dense_geometry({4, 5, 6}, {4, 5, 6}));
  EXPECT_EQ(same.ndim, 1);
  EXPECT_EQ(same.shape[0], 120);
  EXPECT_EQ(same.a_strides[0], 1);
  EXPECT_EQ(same.b_strides[0], 1);

  BroadcastGeometry bias = coalesce(dense_geometry({4, 5, 6}, {6}));
  ASSERT_EQ(bias.ndim, 2);
  EXPECT_EQ(bias.shape[0], 20);
  EXPECT_EQ(bias.shape[1], 6);
  EXPECT_EQ(bias.b_strides[0], 0);
  EXPECT_EQ(bias.b_strides[1], 1);

  BroadcastGeometry scalar = coalesce(dense_geometry({4, 5, 6}, {}));
  ASSERT_EQ(scalar.ndim, 1);
  EXPECT_EQ(scalar.shape[0], 120);
  EXPECT_EQ(scalar.b_strides[0], 0);

  BroadcastGeometry column = coalesce(dense_geometry({2, 3, 4}, {3, 1}));
  ASSERT_EQ(column.ndim, 3);  // [2,3,4] with b strides {0,1,0}: nothing merges

  BroadcastGeometry zero_d = coalesce(dense_geometry({}, {}));
  EXPECT_EQ(zero_d.ndim, 1);
  EXPECT_EQ(zero_d.shape[0], 1);
}

TEST(BinaryKernel, EmptyOutputWritesNothing) {
  float y = 42.f;
  const float a = 1.f, b = 2.f;
  binary<float>({BinaryOp::Add}, dense_geometry({3, 0}, {0}), &a, &b, &y);
  EXPECT_EQ(y, 42.f);
}

}  // namespace
}  // namespace attend::kernels
