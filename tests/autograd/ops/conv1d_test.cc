// conv1d_same op: gradients by central differences, values against a hand-written sum, shapes and errors.
#include "autograd/ops/conv1d.h"

#include <gtest/gtest.h>

#include "autograd/gradcheck.h"
#include "autograd/ops/shape.h"

namespace attend {
namespace {

using testing::expect_gradients_match;
using testing::random_input;

GRADCHECK_TEST("conv1d_same", Conv1dSame) {
  Rng rng(321);
  Tensor x = random_input({2, 3, 6}, rng);
  Tensor w = random_input({4, 5}, rng);
  expect_gradients_match([](const std::vector<Tensor>& v) { return conv1d_same(v[0], v[1]); }, {x, w});
  // a strided x, and a filter wider than the sequence
  Tensor wide = random_input({2, 9}, rng);
  expect_gradients_match([](const std::vector<Tensor>& v) { return conv1d_same(transpose(v[0], 0, 1), v[1]); },
                         {x, wide});
}

TEST(Conv1dSame, MatchesHandSum) {
  Tensor x = Tensor::from<double>({1, 2, 3, -1, 0.5, 2}, {2, 3});
  Tensor w = Tensor::from<double>({1, 10, 100, -1, 0, 1}, {2, 3});
  Tensor y = conv1d_same(x, w);
  ASSERT_EQ(y.shape(), (Shape{2, 3, 2}));
  // y[n, l, c] = w[c,0] x[l-1] + w[c,1] x[l] + w[c,2] x[l+1]
  EXPECT_DOUBLE_EQ(y.at({0, 0, 0}), 10 * 1 + 100 * 2);
  EXPECT_DOUBLE_EQ(y.at({0, 1, 0}), 1 * 1 + 10 * 2 + 100 * 3);
  EXPECT_DOUBLE_EQ(y.at({0, 2, 1}), -1 * 2);
  EXPECT_DOUBLE_EQ(y.at({1, 0, 1}), 0.5);
}

TEST(Conv1dSame, BadShapesNameThem) {
  try {
    conv1d_same(Tensor::zeros({2, 5}), Tensor::zeros({3, 4}));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("odd width K, got [3,4]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(conv1d_same(Tensor::zeros({2, 5}), Tensor::zeros({3, 3}, DType::F64)), Error);
  EXPECT_EQ(conv1d_same(Tensor::zeros({2, 0}), Tensor::zeros({3, 3})).shape(), (Shape{2, 0, 3}));
}

}  // namespace
}  // namespace attend
