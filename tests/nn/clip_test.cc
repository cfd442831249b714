// Global-norm gradient clipping against hand-computed norms and torch's scale max_norm / (norm + 1e-6).
#include "nn/clip.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace attend::nn {
namespace {

using Vec = std::vector<double>;

Tensor with_grad(const Vec& grad) {
  Tensor p = Tensor::zeros(Shape{static_cast<int64_t>(grad.size())}, DType::F64).set_requires_grad();
  p.set_grad(Tensor::from(grad, Shape{static_cast<int64_t>(grad.size())}));
  return p;
}

TEST(ClipGradNorm, ScalesByMaxOverNormWhenAbove) {
  // norms: |[3, 4]| = 5, |[12]| = 12, global sqrt(25 + 144) = 13
  Tensor a = with_grad({3, 4}), b = with_grad({12});
  Tensor no_grad = Tensor::zeros(Shape{2}, DType::F64).set_requires_grad();
  const double norm = clip_grad_norm(NamedTensors{{"a", a}, {"none", no_grad}, {"b", b}}, 1.0);
  EXPECT_DOUBLE_EQ(norm, 13.0);
  const double coef = 1.0 / (13.0 + 1e-6);
  EXPECT_DOUBLE_EQ(a.grad().at({0}), 3 * coef);
  EXPECT_DOUBLE_EQ(a.grad().at({1}), 4 * coef);
  EXPECT_DOUBLE_EQ(b.grad().at({0}), 12 * coef);
  EXPECT_FALSE(no_grad.grad().defined());
  EXPECT_NEAR(grad_norm({a, b}), 1.0, 1e-6);
}

TEST(ClipGradNorm, LeavesSmallGradientsAlone) {
  Tensor a = with_grad({0.3, -0.4});
  EXPECT_DOUBLE_EQ(clip_grad_norm(std::vector<Tensor>{a}, 1.0), 0.5);
  EXPECT_EQ(a.grad().to_vector<double>(), (Vec{0.3, -0.4}));
  EXPECT_EQ(clip_grad_norm(std::vector<Tensor>{Tensor::zeros(Shape{1})}, 1.0), 0.0);  // no gradients at all
}

TEST(ClipGradNorm, NonFiniteNormIsReportedAndGradientsKept) {
  const double inf = std::numeric_limits<double>::infinity();
  Tensor a = with_grad({1, inf}), b = with_grad({2});
  EXPECT_TRUE(std::isinf(clip_grad_norm(std::vector<Tensor>{a, b}, 1.0)));
  EXPECT_EQ(b.grad().at({0}), 2.0);
  Tensor c = with_grad({std::nan(""), 1});
  EXPECT_TRUE(std::isnan(clip_grad_norm(std::vector<Tensor>{c, b}, 1.0)));
  EXPECT_EQ(b.grad().at({0}), 2.0);
}

TEST(ClipGradNorm, Float32LargeAndStridedGradients) {
  const int64_t n = 70001;  // above the threaded threshold
  std::vector<float> g(n);
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    g[i] = static_cast<float>(std::sin(0.1 * i) * (i % 1000 == 0 ? 1e4 : 1.0));
    sum += static_cast<double>(g[i]) * g[i];
  }
  Tensor big = Tensor::zeros(Shape{n}).set_requires_grad();
  big.set_grad(Tensor::from(g, Shape{n}));
  // A transposed (non-contiguous) gradient: [[1, 2], [3, 4]]^T, norm sqrt(30).
  Tensor small = Tensor::zeros(Shape{2, 2}).set_requires_grad();
  Tensor base = Tensor::from(std::vector<float>{1, 2, 3, 4}, Shape{2, 2});
  small.set_grad(base.view_strided(Shape{2, 2}, Shape{1, 2}, 0));
  const double norm = clip_grad_norm(std::vector<Tensor>{big, small}, 0.5);
  EXPECT_NEAR(norm, std::sqrt(sum + 30), 1e-9 * norm);
  const double coef = 0.5 / (norm + 1e-6);
  EXPECT_NEAR(big.grad().at({1000}), g[1000] * coef, 1e-6);
  EXPECT_NEAR(small.grad().at({0, 1}), 3 * coef, 1e-7);
  EXPECT_NEAR(grad_norm({big, small}), 0.5, 1e-5);
}

TEST(ClipGradNorm, RejectsBadMaxNorm) {
  Tensor a = with_grad({1});
  EXPECT_THROW(clip_grad_norm(std::vector<Tensor>{a}, 0.0), Error);
  EXPECT_THROW(clip_grad_norm(std::vector<Tensor>{a}, -1.0), Error);
  EXPECT_THROW(clip_grad_norm(std::vector<Tensor>{a}, std::nan("")), Error);
}

}  // namespace
}  // namespace attend::nn
