// conv1d_same kernels against the reference twin: odd lengths and widths (wider than the sequence too),
// every output written, backward into both inputs, and the threaded path.
#include "kernels/conv1d.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/ref/conv1d.h"
#include "tensor/rng.h"

namespace attend::kernels {
namespace {

std::vector<float> random_floats(int64_t n, Rng& rng) {
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = static_cast<float>(rng.uniform(-1, 1));
  return v;
}

TEST(Conv1dKernel, ForwardAndBackwardMatchReference) {
  Rng rng(311);
  for (int64_t length : {1, 7, 63, 65, 1000})
    for (int64_t width : {1, 3, 15, 101})
      for (int64_t rows : {1, 5}) {
        const Conv1dShape s{rows, length, 4, width};
        std::vector<float> x = random_floats(rows * length, rng), w = random_floats(4 * width, rng);
        std::vector<float> y(static_cast<size_t>(rows * length * 4), NAN);
        conv1d_same_forward(s, x.data(), w.data(), y.data());
        std::vector<double> xd(x.begin(), x.end()), wd(w.begin(), w.end()), ref(y.size());
        ref::conv1d_same_forward(s, xd.data(), wd.data(), ref.data());
        for (size_t i = 0; i < y.size(); ++i) {
          ASSERT_FALSE(std::isnan(y[i])) << "not written at " << i;
          ASSERT_NEAR(y[i], ref[i], 1e-5 * (1 + std::abs(ref[i]))) << "L=" << length << " K=" << width << " at " << i;
        }
        std::vector<float> dy = random_floats(rows * length * 4, rng);
        std::vector<float> dx = random_floats(rows * length, rng), dw = random_floats(4 * width, rng);
        std::vector<double> dyd(dy.begin(), dy.end()), dxd(dx.begin(), dx.end()), dwd(dw.begin(), dw.end());
        conv1d_same_backward(s, x.data(), w.data(), dy.data(), dx.data(), dw.data());
        ref::conv1d_same_backward(s, xd.data(), wd.data(), dyd.data(), dxd.data(), dwd.data());
        for (size_t i = 0; i < dx.size(); ++i) ASSERT_NEAR(dx[i], dxd[i], 1e-4 * (1 + std::abs(dxd[i]))) << i;
        for (size_t i = 0; i < dw.size(); ++i) ASSERT_NEAR(dw[i], dwd[i], 1e-4 * (1 + std::abs(dwd[i]))) << i;
      }
}

TEST(Conv1dKernel, CentreTapIsTheIdentity) {
  // weight [1, 5] = (0, 0, 1, 0, 0): "same" padding keeps positions aligned.
  const Conv1dShape s{1, 4, 1, 5};
  const float x[4] = {1, 2, 3, 4}, w[5] = {0, 0, 1, 0, 0};
  float y[4];
  conv1d_same_forward(s, x, w, y);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(y[i], x[i]);
  const float shift[5] = {0, 0, 0, 1, 0};  // y[l] = x[l + 1]
  conv1d_same_forward(s, x, shift, y);
  EXPECT_EQ(y[0], 2.f);
  EXPECT_EQ(y[2], 4.f);
  EXPECT_EQ(y[3], 0.f);  // zero padding
}

TEST(Conv1dKernel, LargeThreadedInputMatchesReference) {
  Rng rng(312);
  const Conv1dShape s{64, 300, 8, 15};
  std::vector<double> x(static_cast<size_t>(64 * 300)), w(8 * 15), y(static_cast<size_t>(64 * 300 * 8)), ref(y.size());
  for (auto& v : x) v = rng.uniform(-1, 1);
  for (auto& v : w) v = rng.uniform(-1, 1);
  conv1d_same_forward(s, x.data(), w.data(), y.data());
  ref::conv1d_same_forward(s, x.data(), w.data(), ref.data());
  for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], ref[i], 1e-12) << i;
}

}  // namespace
}  // namespace attend::kernels
