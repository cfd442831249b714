// Unary kernels in float against the reference twin in double (values and derivatives) on odd sizes,
// extreme inputs, and the float normal CDF behind gelu.
#include "kernels/unary.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "kernels/ref/unary.h"
#include "tensor/rng.h"

namespace attend::kernels {
namespace {

struct Case {
  UnaryOp op;
  double power;
  double lo, hi;  // input range inside the function's domain
  const char* name;
};

const Case kCases[] = {
    {UnaryOp::Neg, 0, -3, 3, "neg"},         {UnaryOp::Abs, 0, -3, 3, "abs"},
    {UnaryOp::Exp, 0, -20, 20, "exp"},       {UnaryOp::Log, 0, 1e-3, 100, "log"},
    {UnaryOp::Sqrt, 0, 1e-3, 100, "sqrt"},   {UnaryOp::Tanh, 0, -10, 10, "tanh"},
    {UnaryOp::Sigmoid, 0, -20, 20, "sigmoid"}, {UnaryOp::Relu, 0, -3, 3, "relu"},
    {UnaryOp::Gelu, 0, -8, 8, "gelu"},       {UnaryOp::Pow, 2, -3, 3, "pow2"},
    {UnaryOp::Pow, 3, -3, 3, "pow3"},        {UnaryOp::Pow, 0.5, 1e-3, 9, "pow0.5"},
    {UnaryOp::Pow, -1, 0.1, 9, "pow-1"},     {UnaryOp::Pow, 1.7, 1e-3, 9, "pow1.7"},
    {UnaryOp::Pow, 0, -3, 3, "pow0"},        {UnaryOp::Pow, 1, -3, 3, "pow1"},
};

TEST(UnaryKernel, FloatMatchesDoubleReferenceOnOddSizes) {
  Rng rng(31);
  for (const Case& c : kCases)
    for (int64_t n : {1, 7, 63, 65, 1000}) {
      std::vector<float> x(static_cast<size_t>(n)), dy(x.size());
      for (auto& v : x) v = static_cast<float>(rng.uniform(c.lo, c.hi));
      for (auto& v : dy) v = static_cast<float>(rng.uniform(-1, 1));
      const std::vector<double> xd(x.begin(), x.end()), dyd(dy.begin(), dy.end());
      std::vector<float> y(x.size(), NAN);  // poison
      std::vector<double> yd(x.size());
      unary_forward<float>(c.op, n, x.data(), y.data(), c.power);
      ref::unary_forward<double>(c.op, n, xd.data(), yd.data(), c.power);
      for (size_t i = 0; i < y.size(); ++i)
        ASSERT_NEAR(y[i], yd[i], 2e-6 * std::max(1.0, std::abs(yd[i]))) << c.name << " x=" << x[i];

      // backward adds into dx: start from a known value
      std::vector<float> dx(x.size(), 0.25f);
      std::vector<double> dxd(x.size(), 0.25);
      unary_backward<float>(c.op, n, x.data(), y.data(), dy.data(), dx.data(), c.power);
      ref::unary_backward<double>(c.op, n, xd.data(), dyd.data(), dxd.data(), c.power);
      for (size_t i = 0; i < dx.size(); ++i)
        ASSERT_NEAR(dx[i], dxd[i], 4e-6 * std::max(1.0, std::abs(dxd[i]))) << c.name << "' x=" << x[i];
    }
}

TEST(UnaryKernel, DoubleMatchesReferenceExactly) {
  Rng rng(32);
  for (const Case& c : kCases) {
    std::vector<double> x(257), y(257), ref(257);
    for (auto& v : x) v = rng.uniform(c.lo, c.hi);
    unary_forward<double>(c.op, 257, x.data(), y.data(), c.power);
    ref::unary_forward<double>(c.op, 257, x.data(), ref.data(), c.power);
    for (size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(y[i], ref[i], 1e-15 * std::max(1.0, std::abs(ref[i]))) << c.name;
  }
}

TEST(UnaryKernel, LargeArraysSplitAcrossThreadsMatch) {
  const int64_t n = 300001;
  std::vector<float> x(static_cast<size_t>(n)), y(x.size(), NAN);
  for (int64_t i = 0; i < n; ++i) x[static_cast<size_t>(i)] = static_cast<float>(i % 2001 - 1000) * 0.01f;
  unary_forward<float>(UnaryOp::Tanh, n, x.data(), y.data());
  for (size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(y[i], std::tanh(static_cast<double>(x[i])), 1e-6) << i;
}

// Value and derivative at +-1e4 and at the domain edges: saturate or overflow as documented, no NaN.
TEST(UnaryKernel, ExtremeInputs) {
  const float inf = std::numeric_limits<float>::infinity();
  auto value = [](UnaryOp op, float x) {
    float y;
    unary_forward<float>(op, 1, &x, &y);
    return y;
  };
  auto slope = [](UnaryOp op, float x) {
    float y, dx = 0.f;
    const float dy = 1.f;
    unary_forward<float>(op, 1, &x, &y);
    unary_backward<float>(op, 1, &x, &y, &dy, &dx);
    return dx;
  };
  EXPECT_EQ(value(UnaryOp::Exp, 1e4f), inf);
  EXPECT_EQ(value(UnaryOp::Exp, -1e4f), 0.f);
  EXPECT_EQ(slope(UnaryOp::Exp, -1e4f), 0.f);
  EXPECT_EQ(value(UnaryOp::Sigmoid, 1e4f), 1.f);
  EXPECT_EQ(value(UnaryOp::Sigmoid, -1e4f), 0.f);
  EXPECT_EQ(slope(UnaryOp::Sigmoid, 1e4f), 0.f);
  EXPECT_EQ(slope(UnaryOp::Sigmoid, -1e4f), 0.f);
  EXPECT_EQ(value(UnaryOp::Tanh, 1e4f), 1.f);
  EXPECT_EQ(value(UnaryOp::Tanh, -1e4f), -1.f);
  EXPECT_EQ(slope(UnaryOp::Tanh, 1e4f), 0.f);
  EXPECT_EQ(slope(UnaryOp::Tanh, -1e4f), 0.f);
  EXPECT_EQ(value(UnaryOp::Gelu, 1e4f), 1e4f);
  EXPECT_EQ(value(UnaryOp::Gelu, -1e4f), 0.f);
  EXPECT_EQ(slope(UnaryOp::Gelu, 1e4f), 1.f);
  EXPECT_EQ(slope(UnaryOp::Gelu, -1e4f), 0.f);
  EXPECT_EQ(value(UnaryOp::Relu, -1e4f), 0.f);
  EXPECT_EQ(slope(UnaryOp::Relu, 0.f), 0.f);
  EXPECT_EQ(slope(UnaryOp::Abs, 0.f), 0.f);
  // log(0) = -inf with gradient +inf; sqrt(0) = 0 with gradient +inf (documented, not errors).
  EXPECT_EQ(value(UnaryOp::Log, 0.f), -inf);
  EXPECT_EQ(slope(UnaryOp::Log, 0.f), inf);
  EXPECT_EQ(value(UnaryOp::Sqrt, 0.f), 0.f);
  EXPECT_EQ(slope(UnaryOp::Sqrt, 0.f), inf);
  // double paths saturate the same way
  const double xs[4] = {1e4, -1e4, 1e4, -1e4};
  double ys[4];
  unary_forward<double>(UnaryOp::Sigmoid, 2, xs, ys);
  unary_forward<double>(UnaryOp::Exp, 2, xs + 2, ys + 2);
  EXPECT_EQ(ys[0], 1.0);
  EXPECT_EQ(ys[1], 0.0);
  EXPECT_TRUE(std::isinf(ys[2]));
  EXPECT_EQ(ys[3], 0.0);
  // NaN passes through relu, abs and gelu
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_TRUE(std::isnan(value(UnaryOp::Relu, nan)));
  EXPECT_TRUE(std::isnan(value(UnaryOp::Abs, nan)));
  EXPECT_TRUE(std::isnan(value(UnaryOp::Gelu, nan)));
}

TEST(UnaryKernel, NormalCdfF32AccurateDownTheTail) {
  double worst_core = 0, worst_tail = 0;
  for (float x = -14.f; x <= 8.f; x += 0.000937f) {
    const double ref = 0.5 * std::erfc(-static_cast<double>(x) / std::sqrt(2.0));
    if (ref < 1e-37) continue;  // float underflow
    const double rel = std::abs(normal_cdf_f32(x) - ref) / ref;
    (x > -5.f ? worst_core : worst_tail) = std::max(x > -5.f ? worst_core : worst_tail, rel);
  }
  EXPECT_LT(worst_core, 3e-6);
  EXPECT_LT(worst_tail, 3e-5);
  EXPECT_EQ(normal_cdf_f32(std::numeric_limits<float>::infinity()), 1.f);
  EXPECT_EQ(normal_cdf_f32(-std::numeric_limits<float>::infinity()), 0.f);
}

}  // namespace
}  // namespace attend::kernels
