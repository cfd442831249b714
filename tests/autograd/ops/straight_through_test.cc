// straight_through op: forward is bit-exactly the hard tensor, backward hands dy to the soft one.
#include "autograd/ops/straight_through.h"

#include <gtest/gtest.h>

#include "autograd/gradcheck.h"
#include "autograd/ops.h"

namespace attend {
namespace {

using testing::expect_gradients_match;
using testing::random_input;

GRADCHECK_TEST("straight_through", StraightThroughPassesGradientToSoft) {
  Rng rng(81);
  Tensor x = random_input({3, 5}, rng, -2, 2);
  // With hard = a detached copy of the soft value's storage, the function is the identity in value, so the
  // central differences see exactly the gradient the op passes to soft (here through exp).
  expect_gradients_match(
      [](const std::vector<Tensor>& v) {
        Tensor soft = exp(v[0]);
        return straight_through(soft.detach(), soft);
      },
      {x});
  // And to hard, when hard requires grad.
  Tensor h = random_input({3, 5}, rng);
  expect_gradients_match(
      [](const std::vector<Tensor>& v) { return straight_through(v[0], v[1].detach()); }, {h, x});
}

TEST(StraightThrough, ForwardIsExactlyHard) {
  Tensor soft = Tensor::from<float>({0.1f, 0.7f, 0.2f}, {1, 3}).set_requires_grad();
  Tensor hard = Tensor::from<float>({0.f, 1.f, 0.f}, {1, 3});
  Tensor y = straight_through(hard, soft);
  EXPECT_EQ(y.to_vector<float>(), hard.to_vector<float>());
  y.backward(Tensor::from<float>({1.f, 2.f, 3.f}, {1, 3}));
  EXPECT_EQ(soft.grad().to_vector<float>(), (std::vector<float>{1.f, 2.f, 3.f}));
  EXPECT_FALSE(hard.grad().defined());
  EXPECT_THROW(straight_through(hard, Tensor::zeros({3})), Error);
}

}  // namespace
}  // namespace attend
