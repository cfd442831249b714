// Layer norm kernels (float, vectorised, threaded) against the double reference twin: odd sizes, with
// and without gamma/beta, every output written, gradients added (not overwritten), a large offset.
#include "kernels/layer_norm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "kernels/ref/layer_norm.h"
#include "tensor/rng.h"

namespace attend::kernels {
namespace {

std::vector<float> random_floats(int64_t n, Rng& rng, double lo, double hi) {
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = static_cast<float>(rng.uniform(lo, hi));
  return v;
}
std::vector<double> widen(const std::vector<float>& v) { return {v.begin(), v.end()}; }
template <class T>
const T* maybe(const std::vector<T>& v, bool on) {
  return on ? v.data() : nullptr;
}
template <class T>
T* maybe(std::vector<T>& v, bool on) {
  return on ? v.data() : nullptr;
}

void check_against_ref(int64_t rows, int64_t dim, bool affine, double offset, Rng& rng) {
  const LayerNormShape s{rows, dim, 1e-5};
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto x = random_floats(rows * dim, rng, offset - 1, offset + 1);
  auto gamma = random_floats(dim, rng, 0.5, 1.5), beta = random_floats(dim, rng, -1, 1);
  std::vector<float> y(x.size(), nan), mean(static_cast<size_t>(rows), nan), rstd(mean.size(), nan);
  layer_norm_forward(s, x.data(), maybe(gamma, affine), maybe(beta, affine), y.data(), mean.data(), rstd.data());
  auto xd = widen(x), gd = widen(gamma), bd = widen(beta);
  std::vector<double> yr(x.size()), mr(mean.size()), rr(mean.size());
  ref::layer_norm_forward(s, xd.data(), maybe(gd, affine), maybe(bd, affine), yr.data(), mr.data(), rr.data());
  const double tol = offset == 0 ? 2e-5 : 2e-3;
  for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], yr[i], tol) << rows << "x" << dim << " at " << i;
  for (size_t r = 0; r < mean.size(); ++r) {
    ASSERT_NEAR(mean[r], mr[r], 1e-5 * (1 + std::abs(offset)));
    ASSERT_NEAR(rstd[r], rr[r], tol * rr[r]);
  }

  // backward: start from non-zero gradients to see that the kernel adds
  auto dy = random_floats(rows * dim, rng, -1, 1);
  auto dx = random_floats(rows * dim, rng, -1, 1), dgamma = random_floats(dim, rng, -1, 1),
       dbeta = random_floats(dim, rng, -1, 1);
  auto dyd = widen(dy), dxd = widen(dx), dgd = widen(dgamma), dbd = widen(dbeta);
  auto md = widen(mean), rd = widen(rstd);
  layer_norm_backward(s, x.data(), maybe(gamma, affine), mean.data(), rstd.data(), dy.data(), dx.data(),
                      maybe(dgamma, affine), maybe(dbeta, affine));
  ref::layer_norm_backward(s, xd.data(), maybe(gd, affine), md.data(), rd.data(), dyd.data(), dxd.data(),
                           maybe(dgd, affine), maybe(dbd, affine));
  for (size_t i = 0; i < dx.size(); ++i) ASSERT_NEAR(dx[i], dxd[i], 10 * tol * (1 + std::abs(dxd[i]))) << i;
  for (size_t i = 0; i < dgamma.size(); ++i) {
    ASSERT_NEAR(dgamma[i], dgd[i], 10 * tol * (1 + std::abs(dgd[i]))) << i;
    ASSERT_NEAR(dbeta[i], dbd[i], 1e-4 * (1 + std::abs(dbd[i]))) << i;
  }
}

TEST(LayerNormKernel, MatchesReferenceOnOddSizes) {
  Rng rng(61);
  for (int64_t dim : {1, 7, 63, 65, 1000})
    for (int64_t rows : {1, 3})
      for (bool affine : {false, true}) check_against_ref(rows, dim, affine, 0.0, rng);
}

TEST(LayerNormKernel, LargeThreadedInputMatchesReference) {
  Rng rng(62);
  check_against_ref(300, 257, true, 0.0, rng);
}

TEST(LayerNormKernel, LargeOffsetStaysAccurate) {
  Rng rng(63);
  check_against_ref(5, 512, true, 1e3, rng);
}

TEST(LayerNormKernel, OutputHasZeroMeanAndUnitVariance) {
  Rng rng(64);
  const LayerNormShape s{4, 65, 1e-5};
  auto x = random_floats(4 * 65, rng, -3, 7);
  std::vector<float> y(x.size()), mean(4), rstd(4);
  layer_norm_forward(s, x.data(), nullptr, nullptr, y.data(), mean.data(), rstd.data());
  for (int r = 0; r < 4; ++r) {
    double m = 0, v = 0;
    for (int i = 0; i < 65; ++i) m += y[static_cast<size_t>(r * 65 + i)];
    m /= 65;
    for (int i = 0; i < 65; ++i) {
      const double d = y[static_cast<size_t>(r * 65 + i)] - m;
      v += d * d;
    }
    EXPECT_NEAR(m, 0, 1e-6);
    EXPECT_NEAR(v / 65, 1, 1e-4);
  }
}

}  // namespace
}  // namespace attend::kernels
