// softmax / log_softmax ops: gradients on every axis (including strided inputs), values against the
// double reference on a non-last axis, and bad axes.
#include "autograd/ops/softmax.h"

#include <gtest/gtest.h>

#include <cmath>

#include "autograd/gradcheck.h"
#include "autograd/ops/shape.h"

namespace attend {
namespace {

using testing::expect_gradients_match;
using testing::random_input;

GRADCHECK_TEST("softmax", SoftmaxEveryAxis) {
  Rng rng(51);
  Tensor x = random_input({2, 3, 4}, rng, -3, 3);
  for (int axis : {0, 1, 2, -1})
    expect_gradients_match([axis](const std::vector<Tensor>& v) { return softmax(v[0], axis); }, {x});
  expect_gradients_match([](const std::vector<Tensor>& v) { return softmax(transpose(v[0], 0, 2), 1); }, {x});
}

GRADCHECK_TEST("log_softmax", LogSoftmaxEveryAxis) {
  Rng rng(52);
  Tensor x = random_input({3, 2, 5}, rng, -3, 3);
  for (int axis : {0, 1, 2})
    expect_gradients_match([axis](const std::vector<Tensor>& v) { return log_softmax(v[0], axis); }, {x});
  expect_gradients_match([](const std::vector<Tensor>& v) { return log_softmax(transpose(v[0], 1, 2), -1); }, {x});
}

TEST(Softmax, NonLastAxisMatchesDoubleComputation) {
  Rng rng(53);
  Tensor x = Tensor::empty({3, 65, 7});
  rng.fill_uniform(x, -10, 10);
  Tensor y = softmax(x, 1);
  Tensor ly = log_softmax(x, 1);
  for (int64_t a = 0; a < 3; ++a)
    for (int64_t c = 0; c < 7; ++c) {
      double sum = 0;
      for (int64_t d = 0; d < 65; ++d) sum += std::exp(x.at({a, d, c}));
      for (int64_t d = 0; d < 65; ++d) {
        const double expect = std::exp(x.at({a, d, c})) / sum;
        ASSERT_NEAR(y.at({a, d, c}), expect, 1e-6);
        ASSERT_NEAR(ly.at({a, d, c}), std::log(expect), 1e-5);
      }
    }
}

TEST(Softmax, ExtremeLogitsGiveNoNaN) {
  Tensor x = Tensor::from<float>({1e4f, -1e4f, 1e4f, 0.f, -1e4f, -1e4f}, {2, 3});
  auto y = softmax(x).to_vector<float>();
  EXPECT_FLOAT_EQ(y[0], 0.5f);
  EXPECT_EQ(y[1], 0.f);
  EXPECT_FLOAT_EQ(y[3], 1.f);
  auto ly = log_softmax(x).to_vector<float>();
  EXPECT_NEAR(ly[0], -std::log(2.0), 1e-6);
  EXPECT_NEAR(ly[1], -2e4, 1);
  for (float v : ly) EXPECT_FALSE(std::isnan(v));
}

TEST(Softmax, BadAxisNamesOpAndRank) {
  try {
    softmax(Tensor::zeros({2, 3}), 2);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("softmax: axis 2 out of range for a 2-d tensor"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(log_softmax(Tensor::zeros({2, 3}), -3), Error);
  EXPECT_THROW(softmax(Tensor::arange(3), 0), Error);  // integer input
}

}  // namespace
}  // namespace attend
