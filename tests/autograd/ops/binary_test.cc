// add/sub/mul/div: gradients by central differences over the broadcasting cases, scalar forms and
// operators, float values against a double loop, and the errors for bad shapes and dtypes.
#include "autograd/ops/binary.h"

#include <gtest/gtest.h>

#include <vector>

#include "autograd/gradcheck.h"
#include "autograd/ops/unary.h"
#include "autograd/tape.h"

namespace attend {
namespace {

using testing::expect_gradients_match;
using testing::random_input;

// (a, b) shape pairs covering every broadcasting pattern, both ways round.
const std::vector<std::pair<Shape, Shape>> kBroadcastCases = {
    {{2, 3, 4}, {2, 3, 4}}, {{2, 3, 4}, {4}}, {{2, 3, 4}, {3, 1}}, {{2, 3, 4}, {2, 1, 4}},
    {{2, 3, 4}, {}},        {{4}, {2, 3, 4}}, {{3, 1}, {1, 4}},    {{}, {2, 3}},
};

using BinaryFn = Tensor (*)(const Tensor&, const Tensor&);

void check_broadcast_gradients(BinaryFn fn, uint64_t seed) {
  Rng rng(seed);
  for (const auto& [sa, sb] : kBroadcastCases) {
    SCOPED_TRACE(fmt::format("{} with {}", sa, sb));
    Tensor a = random_input(sa, rng, -1, 1);
    Tensor b = random_input(sb, rng, 0.5, 1.5);  // away from 0 for div
    expect_gradients_match([fn](const std::vector<Tensor>& x) { return fn(x[0], x[1]); }, {a, b});
  }
}

GRADCHECK_TEST("add", AddBroadcasting) { check_broadcast_gradients(add, 1); }
GRADCHECK_TEST("sub", SubBroadcasting) { check_broadcast_gradients(sub, 2); }
GRADCHECK_TEST("mul", MulBroadcasting) { check_broadcast_gradients(mul, 3); }
GRADCHECK_TEST("div", DivBroadcasting) { check_broadcast_gradients(div, 4); }

GRADCHECK_TEST("mul", MulOfATensorWithItself) {
  Rng rng(5);
  Tensor a = random_input({3, 4}, rng);
  expect_gradients_match([](const std::vector<Tensor>& x) { return x[0] * x[0]; }, {a});
  expect_gradients_match([](const std::vector<Tensor>& x) { return (x[0] + 1.0) / (x[0] * x[0] + 1.0); }, {a});
}

TEST(Binary, StridedViewIsReadInPlaceAndGetsADenseGradient) {
  Rng rng(15);
  Tensor a = Tensor::empty({3, 4}, DType::F64);
  Tensor b = Tensor::empty({4, 3}, DType::F64);
  Tensor w = Tensor::empty({3, 4}, DType::F64);
  rng.fill_uniform(a, -1, 1);
  rng.fill_uniform(b, -1, 1);
  rng.fill_uniform(w, -1, 1);
  Tensor bt = b.view_strided({3, 4}, {1, 3}, 0);  // b^T, not contiguous
  a.set_requires_grad();
  bt.set_requires_grad();
  Tensor y = a * bt;
  y.backward(w);
  ASSERT_TRUE(bt.grad().is_contiguous());
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 4; ++j) {
      EXPECT_DOUBLE_EQ(y.at({i, j}), a.at({i, j}) * b.at({j, i}));
      EXPECT_DOUBLE_EQ(bt.grad().at({i, j}), w.at({i, j}) * a.at({i, j}));
      EXPECT_DOUBLE_EQ(a.grad().at({i, j}), w.at({i, j}) * b.at({j, i}));
    }
}

GRADCHECK_TEST("div", DivOnlyOneInputRequiresGrad) {
  Rng rng(6);
  Tensor a = random_input({2, 5}, rng);
  Tensor b = random_input({5}, rng, 0.5, 1.5);
  b.set_requires_grad(false);
  expect_gradients_match([](const std::vector<Tensor>& x) { return x[0] / x[1]; }, {a, b});
  a.set_requires_grad(false);
  b.set_requires_grad(true);
  expect_gradients_match([](const std::vector<Tensor>& x) { return x[0] / x[1]; }, {a, b});
}

GRADCHECK_TEST("add_scalar", AddAndSubtractScalar) {
  Rng rng(7);
  Tensor a = random_input({2, 3}, rng);
  expect_gradients_match([](const std::vector<Tensor>& x) { return x[0] + 2.5; }, {a});
  expect_gradients_match([](const std::vector<Tensor>& x) { return 2.5 + x[0]; }, {a});
  expect_gradients_match([](const std::vector<Tensor>& x) { return x[0] - 1.5; }, {a});
}

GRADCHECK_TEST("rsub_scalar", ScalarMinusTensor) {
  Rng rng(8);
  Tensor a = random_input({2, 3}, rng);
  expect_gradients_match([](const std::vector<Tensor>& x) { return 3.0 - x[0]; }, {a});
}

GRADCHECK_TEST("mul_scalar", MultiplyByScalar) {
  Rng rng(9);
  Tensor a = random_input({2, 3}, rng);
  expect_gradients_match([](const std::vector<Tensor>& x) { return x[0] * -3.0; }, {a});
  expect_gradients_match([](const std::vector<Tensor>& x) { return 0.5 * x[0]; }, {a});
}

GRADCHECK_TEST("div_scalar", DivideByScalar) {
  Rng rng(10);
  Tensor a = random_input({2, 3}, rng);
  expect_gradients_match([](const std::vector<Tensor>& x) { return x[0] / 3.0; }, {a});
}

GRADCHECK_TEST("rdiv_scalar", ScalarOverTensor) {
  Rng rng(11);
  Tensor a = random_input({2, 3}, rng, 0.5, 2.0);
  expect_gradients_match([](const std::vector<Tensor>& x) { return 2.0 / x[0]; }, {a});
}

TEST(Binary, FloatMatchesDoubleLoopOnOddSizes) {
  Rng rng(12);
  for (int64_t rows : {1, 7, 65})
    for (int64_t cols : {1, 63, 1000}) {
      Tensor a = Tensor::empty({rows, cols});
      Tensor b = Tensor::empty({cols});
      Tensor c = Tensor::empty({rows, 1});
      rng.fill_uniform(a, -1, 1);
      rng.fill_uniform(b, 0.5, 1.5);
      rng.fill_uniform(c, 0.5, 1.5);
      const auto y = ((a + b) * c - a / b).to_vector<float>();
      const auto av = a.to_vector<double>(), bv = b.to_vector<double>(), cv = c.to_vector<double>();
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < cols; ++j) {
          const double ai = av[static_cast<size_t>(i * cols + j)], bj = bv[static_cast<size_t>(j)];
          const double ref = (ai + bj) * cv[static_cast<size_t>(i)] - ai / bj;
          ASSERT_NEAR(y[static_cast<size_t>(i * cols + j)], ref, 1e-5) << rows << "x" << cols;
        }
    }
}

TEST(Binary, BiasGradientIsTheColumnSum) {
  // Larger than the threading threshold: the bias gradient goes through the column-block reduction.
  Rng rng(13);
  Tensor x = Tensor::empty({1000, 65});
  Tensor bias = Tensor::zeros({65});
  Tensor dy = Tensor::empty({1000, 65});
  rng.fill_uniform(x, -1, 1);
  rng.fill_uniform(dy, -1, 1);
  bias.set_requires_grad();
  (x + bias).backward(dy);
  const auto g = bias.grad().to_vector<float>();
  const auto d = dy.to_vector<double>();
  for (int64_t j = 0; j < 65; ++j) {
    double s = 0;
    for (int64_t i = 0; i < 1000; ++i) s += d[static_cast<size_t>(i * 65 + j)];
    EXPECT_NEAR(g[static_cast<size_t>(j)], s, 1e-4);
  }
}

TEST(Binary, ScalarFormsAndOperatorsGiveTheRightValues) {
  Tensor x = Tensor::from<float>({1, 2, 4}, {3});
  EXPECT_EQ((x + 1.0).to_vector<float>(), (std::vector<float>{2, 3, 5}));
  EXPECT_EQ((x - 1.0).to_vector<float>(), (std::vector<float>{0, 1, 3}));
  EXPECT_EQ((1.0 - x).to_vector<float>(), (std::vector<float>{0, -1, -3}));
  EXPECT_EQ((x * 3.0).to_vector<float>(), (std::vector<float>{3, 6, 12}));
  EXPECT_EQ((x / 4.0).to_vector<float>(), (std::vector<float>{0.25f, 0.5f, 1}));
  EXPECT_EQ((4.0 / x).to_vector<float>(), (std::vector<float>{4, 2, 1}));
  EXPECT_EQ((-x).to_vector<float>(), (std::vector<float>{-1, -2, -4}));
  EXPECT_EQ((x / 3.0).to_vector<float>()[0], 1.f / 3.f);  // true division
  Tensor s = Tensor::scalar(2.0);
  EXPECT_EQ((x * s - x).to_vector<float>(), (std::vector<float>{1, 2, 4}));
  EXPECT_EQ(broadcast_shapes({2, 1, 4}, {3, 1}, "test"), (Shape{2, 3, 4}));
  EXPECT_EQ(broadcast_shapes({0, 1}, {1, 5}, "test"), (Shape{0, 5}));
}

TEST(Binary, NonBroadcastableShapesNameBoth) {
  Tensor a = Tensor::zeros({2, 3});
  Tensor b = Tensor::zeros({4});
  try {
    add(a, b);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "add: shapes do not broadcast: [2,3] vs [4]");
  }
  try {
    div(Tensor::zeros({2, 3, 4}), Tensor::zeros({3, 3}));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "div: shapes do not broadcast: [2,3,4] vs [3,3]");
  }
}

TEST(Binary, MixedDtypesNameBoth) {
  try {
    mul(Tensor::zeros({2}), Tensor::zeros({2}, DType::F64));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "mul: dtypes differ: float32 [2] vs float64 [2]");
  }
  EXPECT_THROW(sub(Tensor::arange(3), Tensor::arange(3)), Error);  // integer tensors
  EXPECT_THROW(add(Tensor::arange(3), 1.0), Error);
}

TEST(Binary, NoRecordingWithoutGrad) {
  Rng rng(14);
  Tensor a = random_input({2, 2}, rng);
  const size_t before = tape().size();
  {
    NoGradGuard ng;
    Tensor y = a * a + 1.0;
    EXPECT_FALSE(y.requires_grad());
  }
  Tensor c = Tensor::ones({2, 2}, DType::F64);
  EXPECT_FALSE((c * c).requires_grad());
  EXPECT_EQ(tape().size(), before);
}

}  // namespace
}  // namespace attend
