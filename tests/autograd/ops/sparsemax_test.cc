// sparsemax op: gradients on every axis, with a broadcast mask and on strided input; values against the
// double reference on a non-last axis; masks (including fully masked rows) give zeros and no NaN; errors.
#include "autograd/ops/sparsemax.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "kernels/ref/sparsemax.h"

namespace attend {
namespace {

using testing::expect_gradients_match;
using testing::random_input;

GRADCHECK_TEST("sparsemax", SparsemaxEveryAxis) {
  Rng rng(71);
  // Values spread over [-1, 1] with sizes up to 5: supports of several entries, none within eps of the kink.
  Tensor x = random_input({3, 4, 5}, rng, -1, 1);
  for (int axis : {0, 1, 2, -1})
    expect_gradients_match([axis](const std::vector<Tensor>& v) { return sparsemax(v[0], axis); }, {x});
  expect_gradients_match([](const std::vector<Tensor>& v) { return sparsemax(transpose(v[0], 0, 2), 1); }, {x});
}

GRADCHECK_TEST("sparsemax", SparsemaxWithBroadcastMask) {
  Rng rng(72);
  Tensor x = random_input({2, 3, 6}, rng, -1, 1);
  // key mask [2, 1, 6]; batch 1 is fully masked
  Tensor mask = Tensor::from<float>({1, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0}, {2, 1, 6});
  expect_gradients_match([&](const std::vector<Tensor>& v) { return sparsemax(v[0], -1, mask); }, {x});
  Tensor y = sparsemax(x, -1, mask);
  for (int64_t q = 0; q < 3; ++q)
    for (int64_t k = 0; k < 6; ++k) {
      EXPECT_EQ(y.at({1, q, k}), 0.0);
      if (k == 1 || k == 4) {
        EXPECT_EQ(y.at({0, q, k}), 0.0);
      }
    }
}

TEST(Sparsemax, NonLastAxisMatchesDoubleReference) {
  Rng rng(73);
  Tensor x = Tensor::empty({3, 65, 7});
  rng.fill_uniform(x, -2, 2);
  Tensor y = sparsemax(x, 1);
  std::vector<double> xd = x.to_vector<double>(), ref(xd.size());
  kernels::ref::sparsemax_forward(kernels::SparsemaxShape{3, 65, 7}, xd.data(), static_cast<const double*>(nullptr),
                                  ref.data());
  const std::vector<float> yv = y.to_vector<float>();
  int zeros = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    ASSERT_NEAR(yv[i], ref[i], 1e-6);
    zeros += yv[i] == 0.f;
  }
  EXPECT_GT(zeros, 1000);  // sparse: most of the 65 entries per slice are exactly 0
}

TEST(Sparsemax, FullyMaskedRowsGiveZerosAndZeroGradient) {
  Tensor x = Tensor::from<double>({1e4, -1e4, 3, 0.5, 0.25, 0.125}, {2, 3}).set_requires_grad();
  Tensor mask = Tensor::from<double>({0, 0, 0, 1, 1, 1}, {2, 3});
  Tensor y = sparsemax(x, -1, mask);
  for (double v : y.to_vector<double>()) EXPECT_FALSE(std::isnan(v));
  EXPECT_EQ(y.at({0, 0}), 0.0);
  EXPECT_EQ(y.at({0, 2}), 0.0);
  EXPECT_NEAR(y.at({1, 0}) + y.at({1, 1}) + y.at({1, 2}), 1.0, 1e-15);
  y.backward(Tensor::from<double>({1, 2, 3, 4, 5, 6}, {2, 3}));
  std::vector<double> g = x.grad().to_vector<double>();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(g[static_cast<size_t>(i)], 0.0);
  // row 1: all three in the support ([0.5, 0.25, 0.125] - tau = [0.5417, 0.2917, 0.1667]), dx = dy - mean(dy)
  EXPECT_NEAR(g[3], -1, 1e-12);
  EXPECT_NEAR(g[4], 0, 1e-12);
  EXPECT_NEAR(g[5], 1, 1e-12);
  // All -inf rows (the way score masks arrive) behave the same.
  const double inf = std::numeric_limits<double>::infinity();
  Tensor z = sparsemax(Tensor::from<double>({-inf, -inf, 2, -inf}, {2, 2}));
  EXPECT_EQ(z.to_vector<double>(), (std::vector<double>{0, 0, 1, 0}));
}

TEST(Sparsemax, ExtremeInputsAndTiesThroughTheOp) {
  Tensor x = Tensor::from<float>({1e4f, 1e4f, -1e4f, 9999.5f, -1e4f, -1e4f}, {1, 6});
  std::vector<float> y = sparsemax(x).to_vector<float>();
  // tau = (1e4 + 1e4 + 9999.5 - 1) / 3 = 9999.5: the 9999.5 entry sits on the threshold.
  EXPECT_FLOAT_EQ(y[0], 0.5f);
  EXPECT_FLOAT_EQ(y[1], 0.5f);
  EXPECT_EQ(y[3], 0.f);
  EXPECT_EQ(y[2] + y[4] + y[5], 0.f);
}

TEST(Sparsemax, BadInputsNameTheOp) {
  try {
    sparsemax(Tensor::zeros({2, 3}), -1, Tensor::ones({4}));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sparsemax"), std::string::npos) << e.what();
  }
  EXPECT_THROW(sparsemax(Tensor::zeros({2, 3}), 2), Error);
  EXPECT_THROW(sparsemax(Tensor::arange(3)), Error);
}

}  // namespace
}  // namespace attend
