// Fast float exp/tanh/sigmoid against <cmath> in double over the whole range, extremes and NaN.
#include "kernels/vecmath.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace attend::kernels {
namespace {

double rel_err(double a, double b) { return std::abs(a - b) / std::max(std::abs(b), 1e-30); }

TEST(VecMath, ExpWithinFewUlpOverRange) {
  double worst = 0;
  for (float x = -87.f; x <= 88.f; x += 0.0137f) worst = std::max(worst, rel_err(exp_f32(x), std::exp((double)x)));
  EXPECT_LT(worst, 5e-7);
}

TEST(VecMath, ExpExtremes) {
  EXPECT_EQ(exp_f32(-1e4f), 0.f);
  EXPECT_EQ(exp_f32(-100.f), 0.f);
  EXPECT_TRUE(std::isinf(exp_f32(1e4f)));
  EXPECT_TRUE(std::isnan(exp_f32(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_EQ(exp_f32(0.f), 1.f);
  EXPECT_EQ(exp_f32(-std::numeric_limits<float>::infinity()), 0.f);
}

TEST(VecMath, TanhAndSigmoidAccurate) {
  double wt = 0, ws = 0;
  for (float x = -20.f; x <= 20.f; x += 0.00731f) {
    wt = std::max(wt, std::abs(tanh_f32(x) - std::tanh((double)x)));
    ws = std::max(ws, std::abs(sigmoid_f32(x) - 1.0 / (1.0 + std::exp(-(double)x))));
  }
  EXPECT_LT(wt, 3e-7);
  EXPECT_LT(ws, 3e-7);
  // relative accuracy near zero
  for (float x : {1e-6f, -3e-4f, 0.01f, 0.5f, -0.62f}) EXPECT_LT(rel_err(tanh_f32(x), std::tanh((double)x)), 1e-6) << x;
  EXPECT_EQ(tanh_f32(1e4f), 1.f);
  EXPECT_EQ(tanh_f32(-1e4f), -1.f);
  EXPECT_EQ(sigmoid_f32(1e4f), 1.f);
  EXPECT_EQ(sigmoid_f32(-1e4f), 0.f);
  EXPECT_TRUE(std::isnan(tanh_f32(std::numeric_limits<float>::quiet_NaN())));
}

TEST(VecMath, RationalTanhAccurate) {
  double worst = 0, worst_rel = 0;
  for (float x = -20.f; x <= 20.f; x += 0.00031f) {
    const double want = std::tanh(static_cast<double>(x));
    worst = std::max(worst, std::abs(tanh_rational_f32(x) - want));
    if (std::abs(x) < 1.f && x != 0.f) worst_rel = std::max(worst_rel, rel_err(tanh_rational_f32(x), want));
  }
  EXPECT_LT(worst, 5e-7);
  EXPECT_LT(worst_rel, 5e-7);
  for (float x : {1e-6f, -3e-4f, 4e-4f, 0.01f, -0.62f}) EXPECT_LT(rel_err(tanh_rational_f32(x), std::tanh((double)x)), 1e-6) << x;
  EXPECT_EQ(tanh_rational_f32(0.f), 0.f);
  EXPECT_EQ(tanh_rational_f32(-2.5f), -tanh_rational_f32(2.5f));  // odd
  EXPECT_EQ(tanh_rational_f32(1e4f), 1.f);
  EXPECT_EQ(tanh_rational_f32(-std::numeric_limits<float>::infinity()), -1.f);
  EXPECT_TRUE(std::isnan(tanh_rational_f32(std::numeric_limits<float>::quiet_NaN())));
}

}  // namespace
}  // namespace attend::kernels
