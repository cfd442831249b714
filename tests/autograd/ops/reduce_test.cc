// sum, mean, max, argmax, sum_to_shape: gradients by central differences, values against double loops,
// shapes with keepdim and negative axes, ties, and the errors naming the shape.
#include "autograd/ops/reduce.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "autograd/gradcheck.h"
#include "autograd/ops/binary.h"

namespace attend {
namespace {

using testing::expect_gradients_match;
using testing::random_input;

GRADCHECK_TEST("sum", SumOverAxisSets) {
  Rng rng(1);
  Tensor x = random_input({2, 3, 4}, rng);
  expect_gradients_match([](const std::vector<Tensor>& in) { return sum(in[0]); }, {x});
  for (bool keep : {false, true}) {
    expect_gradients_match([keep](const std::vector<Tensor>& in) { return sum(in[0], 1, keep); }, {x});
    expect_gradients_match([keep](const std::vector<Tensor>& in) { return sum(in[0], {0, -1}, keep); }, {x});
    expect_gradients_match([keep](const std::vector<Tensor>& in) { return sum(in[0], {-2, 0, 2}, keep); }, {x});
  }
}

GRADCHECK_TEST("mean", MeanOverAxisSets) {
  Rng rng(2);
  Tensor x = random_input({3, 2, 5}, rng);
  expect_gradients_match([](const std::vector<Tensor>& in) { return mean(in[0]); }, {x});
  expect_gradients_match([](const std::vector<Tensor>& in) { return mean(in[0], -1); }, {x});
  expect_gradients_match([](const std::vector<Tensor>& in) { return mean(in[0], {0, 2}, true); }, {x});
}

GRADCHECK_TEST("max", MaxAlongEachAxis) {
  Rng rng(3);
  Tensor x = random_input({3, 4, 5}, rng);
  for (int axis : {0, 1, 2, -1})
    for (bool keep : {false, true})
      expect_gradients_match([axis, keep](const std::vector<Tensor>& in) { return max(in[0], axis, keep); }, {x});
}

GRADCHECK_TEST("sum_to_shape", SumToShapeUndoesBroadcasting) {
  Rng rng(4);
  Tensor x = random_input({2, 3, 4}, rng);
  for (const Shape& s : {Shape{4}, Shape{3, 1}, Shape{2, 1, 4}, Shape{}, Shape{1, 3, 4}, Shape{2, 3, 4}})
    expect_gradients_match([s](const std::vector<Tensor>& in) { return sum_to_shape(in[0], s); }, {x});
}

TEST(Reduce, ShapesWithKeepdimAndNegativeAxes) {
  Tensor x = Tensor::zeros({2, 3, 4});
  EXPECT_EQ(sum(x).shape(), Shape{});
  EXPECT_EQ(sum(x, -1).shape(), (Shape{2, 3}));
  EXPECT_EQ(sum(x, {0, 2}, true).shape(), (Shape{1, 3, 1}));
  EXPECT_EQ(mean(x, {1}).shape(), (Shape{2, 4}));
  EXPECT_EQ(max(x, 1, true).shape(), (Shape{2, 1, 4}));
  EXPECT_EQ(argmax(x, 0).shape(), (Shape{3, 4}));
  EXPECT_EQ(argmax(x, 0).dtype(), DType::I64);
  std::vector<int> none;
  EXPECT_EQ(sum(x, std::span<const int>(none)).shape(), (Shape{2, 3, 4}));  // an empty list reduces nothing
}

TEST(Reduce, FloatValuesMatchDoubleLoopsOnOddSizes) {
  Rng rng(5);
  for (int64_t r : {1, 7, 65})
    for (int64_t c : {1, 63, 1000}) {
      Tensor x = Tensor::empty({r, c});
      rng.fill_uniform(x, -1, 1);
      const auto v = x.to_vector<double>();
      const auto rows = sum(x, 1).to_vector<float>();
      const auto cols = mean(x, 0).to_vector<float>();
      const auto colmax = max(x, 0).to_vector<float>();
      const auto total = sum(x).item();
      double all = 0;
      for (int64_t i = 0; i < r; ++i) {
        double s = 0;
        for (int64_t j = 0; j < c; ++j) s += v[static_cast<size_t>(i * c + j)];
        EXPECT_NEAR(rows[static_cast<size_t>(i)], s, 1e-5 * (1 + std::abs(s)));
        all += s;
      }
      EXPECT_NEAR(total, all, 1e-5 * (1 + std::abs(all)));
      for (int64_t j = 0; j < c; ++j) {
        double s = 0, m = -1e300;
        for (int64_t i = 0; i < r; ++i) {
          s += v[static_cast<size_t>(i * c + j)];
          m = std::max(m, v[static_cast<size_t>(i * c + j)]);
        }
        EXPECT_NEAR(cols[static_cast<size_t>(j)], s / static_cast<double>(r), 1e-6);
        EXPECT_EQ(colmax[static_cast<size_t>(j)], static_cast<float>(m));
      }
    }
}

TEST(Reduce, MaxGradientGoesToTheFirstOfTiedMaxima) {
  Tensor x = Tensor::from<double>({1, 3, 3, 2, 5, 5}, {2, 3});
  x.set_requires_grad();
  max(x, 1).backward(Tensor::from<double>({10, 20}, {2}));
  EXPECT_EQ(x.grad().to_vector<double>(), (std::vector<double>{0, 10, 0, 0, 20, 0}));
  EXPECT_EQ(argmax(x, 1).to_vector<int64_t>(), (std::vector<int64_t>{1, 1}));
}

TEST(Reduce, MeanOfEmptyAxisIsNan) {
  Tensor x = Tensor::zeros({3, 0});
  EXPECT_TRUE(std::isnan(mean(x, 1).to_vector<float>()[0]));
  EXPECT_EQ(sum(x, 1).to_vector<float>(), (std::vector<float>{0, 0, 0}));
}

TEST(Reduce, StridedInputIsSummedByValue) {
  Tensor x = Tensor::from<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor xt = x.view_strided({3, 2}, {1, 3}, 0);
  EXPECT_EQ(sum(xt, 1).to_vector<float>(), (std::vector<float>{5, 7, 9}));
  EXPECT_EQ(max(xt, 0).to_vector<float>(), (std::vector<float>{3, 6}));
}

void expect_error(const std::function<void()>& f, const std::string& message) {
  try {
    f();
    ADD_FAILURE() << "expected: " << message;
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), message);
  }
}

TEST(Reduce, BadAxesNameTheShape) {
  Tensor x = Tensor::zeros({2, 3, 4});
  expect_error([&] { sum(x, {1, -2}); }, "sum: axis -2 given twice for shape [2,3,4]");
  expect_error([&] { mean(x, 3); }, "mean: axis 3 out of range for shape [2,3,4]");
  expect_error([&] { sum(x, {0, -4}); }, "sum: axis -4 out of range for shape [2,3,4]");
  expect_error([&] { max(x, -5); }, "max: axis -5 out of range for shape [2,3,4]");
  expect_error([&] { max(Tensor::zeros({2, 0}), 1); }, "max: axis 1 of shape [2,0] is empty; there is no maximum");
  expect_error([&] { sum_to_shape(x, {3}); }, "sum_to_shape: [3] does not broadcast to [2,3,4]");
  expect_error([&] { sum(Tensor::arange(4)); }, "sum: expected a floating-point tensor, got int64 of shape [4]");
}

}  // namespace
}  // namespace attend
