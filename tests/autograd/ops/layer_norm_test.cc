// layer_norm op: gradients for x, gamma and beta (together, separately, with gamma/beta absent, on a
// strided input), values of a hand-computed row, and shape errors.
#include "autograd/ops/layer_norm.h"

#include <gtest/gtest.h>

#include <cmath>

#include "autograd/gradcheck.h"
#include "autograd/ops/shape.h"

namespace attend {
namespace {

using testing::expect_gradients_match;
using testing::random_input;

GRADCHECK_TEST("layer_norm", LayerNormAllInputs) {
  Rng rng(71);
  Tensor x = random_input({2, 3, 5}, rng, -2, 2);
  Tensor gamma = random_input({5}, rng, 0.5, 1.5);
  Tensor beta = random_input({5}, rng);
  expect_gradients_match([](const std::vector<Tensor>& v) { return layer_norm(v[0], v[1], v[2], 1e-5); },
                         {x, gamma, beta});
}

GRADCHECK_TEST("layer_norm", LayerNormWithoutAffineAndOnStridedInput) {
  Rng rng(72);
  Tensor x = random_input({4, 7}, rng, -2, 2);
  expect_gradients_match([](const std::vector<Tensor>& v) { return layer_norm(v[0], Tensor(), Tensor(), 1e-5); },
                         {x});
  Tensor gamma = random_input({4}, rng, 0.5, 1.5);
  expect_gradients_match(
      [](const std::vector<Tensor>& v) { return layer_norm(transpose(v[0], 0, 1), v[1], Tensor(), 1e-3); },
      {x, gamma});
}

GRADCHECK_TEST("layer_norm", LayerNormOnlyParametersNeedGrad) {
  Rng rng(73);
  Tensor x = random_input({3, 6}, rng, -2, 2);
  x.set_requires_grad(false);
  Tensor gamma = random_input({6}, rng, 0.5, 1.5);
  Tensor beta = random_input({6}, rng);
  expect_gradients_match([&](const std::vector<Tensor>& v) { return layer_norm(x, v[0], v[1], 1e-5); },
                         {gamma, beta});
  EXPECT_FALSE(x.grad().defined());
}

TEST(LayerNorm, HandComputedRow) {
  // x = [1, 2, 3, 6]: mean 3, biased variance (4 + 1 + 0 + 9) / 4 = 3.5
  Tensor x = Tensor::from<double>({1, 2, 3, 6}, {1, 4});
  Tensor gamma = Tensor::from<double>({1, 2, 1, 0.5}, {4});
  Tensor beta = Tensor::from<double>({0, 0, 1, -1}, {4});
  auto y = layer_norm(x, gamma, beta, 0.0).to_vector<double>();
  const double rs = 1 / std::sqrt(3.5);
  EXPECT_NEAR(y[0], -2 * rs, 1e-12);
  EXPECT_NEAR(y[1], -1 * rs * 2, 1e-12);
  EXPECT_NEAR(y[2], 1.0, 1e-12);
  EXPECT_NEAR(y[3], 3 * rs * 0.5 - 1, 1e-12);
}

TEST(LayerNorm, ParameterShapeErrorsNameShapes) {
  try {
    layer_norm(Tensor::zeros({2, 8}), Tensor::ones({7}), Tensor(), 1e-5);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("layer_norm: gamma must be [8] for input [2,8], got [7]"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(layer_norm(Tensor::zeros({2, 8}), Tensor(), Tensor::zeros({8}, DType::F64), 1e-5), Error);
  EXPECT_THROW(layer_norm(Tensor::zeros({2, 8}), Tensor(), Tensor(), -1.0), Error);
}

}  // namespace
}  // namespace attend
