// dropout: identity when off, deterministic masks from the Rng, keep rate and scaling, the gradient
// through the same mask, and the p range check.
#include "autograd/ops/dropout.h"

#include <gtest/gtest.h>

#include <cmath>

#include "autograd/gradcheck.h"

namespace attend {
namespace {

using testing::expect_gradients_match;
using testing::random_input;

GRADCHECK_TEST("dropout", DropoutWithReseededRng) {
  Rng rng(81);
  for (int64_t n : {1, 7, 20}) {
    Tensor x = random_input({n, 3}, rng);
    // the Rng is re-seeded inside f so every evaluation draws the same mask
    expect_gradients_match(
        [](const std::vector<Tensor>& v) {
          Rng r(7);
          return dropout(v[0], 0.3, r, true);
        },
        {x});
  }
}

TEST(Dropout, IdentityWhenNotTrainingOrPZero) {
  Tensor x = Tensor::ones({4, 5});
  Rng rng(1);
  const auto state = rng.state();
  EXPECT_EQ(dropout(x, 0.5, rng, false).impl(), x.impl());
  EXPECT_EQ(dropout(x, 0.0, rng, true).impl(), x.impl());
  EXPECT_EQ(rng.state(), state);  // no draws
}

TEST(Dropout, KeepRateScalingAndDeterminism) {
  const int64_t n = 100001;  // odd: the last element takes its own draw
  Tensor x = Tensor::ones({n});
  Rng a(5), b(5), c(6);
  const double p = 0.3;
  auto ya = dropout(x, p, a, true).to_vector<float>();
  auto yb = dropout(x, p, b, true).to_vector<float>();
  auto yc = dropout(x, p, c, true).to_vector<float>();
  EXPECT_EQ(ya, yb);
  EXPECT_NE(ya, yc);
  EXPECT_EQ(a.state(), b.state());
  int64_t dropped = 0;
  double sum = 0;
  for (float v : ya) {
    if (v == 0.f) ++dropped;
    else EXPECT_FLOAT_EQ(v, static_cast<float>(1 / (1 - p)));
    sum += v;
  }
  // binomial(n, 0.3): standard deviation ~145; 5 sigma bounds
  EXPECT_NEAR(static_cast<double>(dropped), p * n, 750);
  EXPECT_NEAR(sum / n, 1.0, 0.02);
  // the next call continues the stream: a different mask
  auto ya2 = dropout(x, p, a, true).to_vector<float>();
  EXPECT_NE(ya, ya2);
}

TEST(Dropout, BackwardUsesTheForwardMask) {
  Tensor x = Tensor::full({3, 33}, 2.0);
  x.set_requires_grad();
  Rng rng(9);
  Tensor y = dropout(x, 0.5, rng, true);
  y.backward(Tensor::ones({3, 33}));
  auto yv = y.to_vector<float>();
  auto gv = x.grad().to_vector<float>();
  for (size_t i = 0; i < yv.size(); ++i) EXPECT_FLOAT_EQ(gv[i], yv[i] / 2.f);  // dy/dx = mask = y / x
}

TEST(Dropout, PMustBeInZeroOne) {
  Tensor x = Tensor::ones({3});
  Rng rng(1);
  for (double p : {-0.1, 1.0, 1.5, std::nan("")}) {
    try {
      dropout(x, p, rng, true);
      ADD_FAILURE() << "expected an error for p=" << p;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("dropout: p must be in [0, 1)"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace attend
