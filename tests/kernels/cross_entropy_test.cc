// Cross-entropy kernels (float, fused, threaded) against the double reference twin: odd class counts,
// label smoothing, ignored rows, extreme logits, and gradients that add or overwrite.
#include "kernels/cross_entropy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/ref/cross_entropy.h"
#include "tensor/rng.h"

namespace attend::kernels {
namespace {

void check_against_ref(int64_t rows, int64_t classes, double eps, double scale_of_logits, Rng& rng,
                       bool overwrite = false) {
  const CrossEntropyShape s{rows, classes, -1, eps, overwrite};
  std::vector<float> x(static_cast<size_t>(rows * classes));
  for (auto& v : x) v = static_cast<float>(rng.uniform(-scale_of_logits, scale_of_logits));
  std::vector<int64_t> t(static_cast<size_t>(rows));
  for (auto& v : t) v = rng.uniform() < 0.2 ? -1 : static_cast<int64_t>(rng.below(static_cast<uint64_t>(classes)));
  std::vector<float> loss(t.size(), NAN), lse(t.size(), NAN);
  cross_entropy_forward(s, x.data(), t.data(), loss.data(), lse.data());
  std::vector<double> xd(x.begin(), x.end()), loss_ref(t.size()), lse_ref(t.size());
  ref::cross_entropy_forward(s, xd.data(), t.data(), loss_ref.data(), lse_ref.data());
  for (size_t r = 0; r < t.size(); ++r) {
    ASSERT_FALSE(std::isnan(loss[r])) << r;
    ASSERT_NEAR(loss[r], loss_ref[r], 2e-6 * scale_of_logits * (1 + std::abs(loss_ref[r]))) << classes << " row " << r;
    ASSERT_NEAR(lse[r], lse_ref[r], 2e-6 * (1 + std::abs(lse_ref[r])));
  }
  std::vector<float> dloss(t.size()), dx(x.size());
  for (auto& v : dloss) v = static_cast<float>(rng.uniform(-1, 1));
  for (auto& v : dx) v = static_cast<float>(rng.uniform(-1, 1));
  std::vector<double> dld(dloss.begin(), dloss.end()), dxd(dx.begin(), dx.end()), lsed(lse.begin(), lse.end());
  cross_entropy_backward(s, x.data(), t.data(), lse.data(), dloss.data(), 1, 0.5f, dx.data());
  ref::cross_entropy_backward(s, xd.data(), t.data(), lsed.data(), dld.data(), 1, 0.5, dxd.data());
  for (size_t i = 0; i < dx.size(); ++i) ASSERT_NEAR(dx[i], dxd[i], 1e-5 * (1 + std::abs(dxd[i]))) << i;
  if (!overwrite) return;
  // the old contents are gone: ignored rows are zero, the rest sum to c * (1 - 1) = 0
  for (int64_t r = 0; r < rows; ++r) {
    double row_sum = 0;
    for (int64_t j = 0; j < classes; ++j) row_sum += dx[static_cast<size_t>(r * classes + j)];
    ASSERT_NEAR(row_sum, 0.0, 1e-4) << "row " << r;
  }
}

TEST(CrossEntropyKernel, MatchesReferenceOnOddSizes) {
  Rng rng(91);
  for (int64_t classes : {1, 7, 63, 65, 1000})
    for (double eps : {0.0, 0.1})
      for (int64_t rows : {1, 5})
        for (bool overwrite : {false, true}) check_against_ref(rows, classes, eps, 5.0, rng, overwrite);
}

TEST(CrossEntropyKernel, LargeThreadedInputMatchesReference) {
  Rng rng(92);
  check_against_ref(257, 1003, 0.1, 10.0, rng);
  check_against_ref(257, 1003, 0.1, 10.0, rng, /*overwrite=*/true);
}

TEST(CrossEntropyKernel, ExtremeLogitsAreFinite) {
  // row 0 predicts its target with certainty; row 1 puts 2e4 of margin against it
  const CrossEntropyShape s{2, 3, -1, 0.0};
  std::vector<float> x{1e4f, -1e4f, -1e4f, 1e4f, -1e4f, -1e4f};
  std::vector<int32_t> t{0, 1};
  std::vector<float> loss(2), lse(2), dx(6, 0.f), one{1.f};
  cross_entropy_forward(s, x.data(), t.data(), loss.data(), lse.data());
  EXPECT_EQ(loss[0], 0.f);
  EXPECT_FLOAT_EQ(loss[1], 2e4f);
  cross_entropy_backward(s, x.data(), t.data(), lse.data(), one.data(), 0, 1.f, dx.data());
  const std::vector<float> expect{0, 0, 0, 1, -1, 0};
  for (size_t i = 0; i < 6; ++i) EXPECT_FLOAT_EQ(dx[i], expect[i]) << i;
}

}  // namespace
}  // namespace attend::kernels
