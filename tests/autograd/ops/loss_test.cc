// cross_entropy op: gradients for every reduction with label smoothing and padding, values against
// PyTorch 1.13 (F.cross_entropy, recorded below) and against the documented formula computed in double,
// all-padding batches, the unsmoothed per-token NLL it hands back, and errors naming the bad target.
#include "autograd/ops/loss.h"

#include <gtest/gtest.h>

#include <cmath>

#include "autograd/gradcheck.h"
#include "support/expect_error.h"
#include "autograd/ops/binary.h"
#include "autograd/ops/reduce.h"
#include "autograd/ops/shape.h"

namespace attend {
namespace {

using testing::expect_gradients_match;
using testing::random_input;

using testing::expect_error_containing;

GRADCHECK_TEST("cross_entropy", CrossEntropyEveryReductionSmoothingPadding) {
  Rng rng(101);
  Tensor logits = random_input({2, 3, 5}, rng, -2, 2);  // [B, T, V]
  Tensor targets = Tensor::from<int64_t>({3, 0, 0, 4, 0, 2}, {2, 3});
  for (Reduction red : {Reduction::Mean, Reduction::Sum, Reduction::None})
    for (double eps : {0.0, 0.2})
      for (int64_t pad : {-1, 0}) {  // 0: id 0 is padding
        const CrossEntropyOptions opt{pad, eps, red};
        expect_gradients_match([&](const std::vector<Tensor>& v) { return cross_entropy(v[0], targets, opt); },
                               {logits});
      }
}

GRADCHECK_TEST("cross_entropy", CrossEntropyStridedLogitsInt32Targets) {
  Rng rng(102);
  Tensor logits = random_input({6, 4}, rng, -2, 2);
  Tensor targets = Tensor::from<int32_t>({1, 5, 0, 3}, {4});
  expect_gradients_match(
      [&](const std::vector<Tensor>& v) { return cross_entropy(transpose(v[0], 0, 1), targets, {}); }, {logits});
}

// The loss's backward runs after another op already wrote the logits' gradient: it must add to it
// (a fresh gradient buffer is overwritten instead, which the tests above cover).
GRADCHECK_TEST("cross_entropy", CrossEntropyAddsToAGradientAlreadyThere) {
  Rng rng(103);
  Tensor logits = random_input({3, 7}, rng, -2, 2);
  Tensor targets = Tensor::from<int64_t>({6, -1, 2}, {3});
  expect_gradients_match(
      [&](const std::vector<Tensor>& v) {
        const Tensor ce = cross_entropy(v[0], targets, {.label_smoothing = 0.1});
        return add(ce, sum(mul(v[0], v[0])));  // recorded after ce, so its backward runs first
      },
      {logits});
}

// logits [2,3,5] and targets shared with the PyTorch run below; -1 marks padding in kTargetsPad.
const std::vector<double> kLogits{1.0,  -2.0, 0.5,  3.0, 0.0,  0.2,  0.1, -0.3, 0.0, 1.5,
                                  2.0,  2.0,  -1.0, 0.5, -4.0, -1.0, 0.0, 1.0,  2.0, 3.0,
                                  0.0,  0.0,  0.0,  0.0, 0.0,  5.0,  -5.0, 1.0, 1.0, 0.3};
const std::vector<int64_t> kTargets{3, 0, 1, 4, 2, 0};
const std::vector<int64_t> kTargetsPad{3, 0, -1, -1, 2, 0};

double loss_of(const std::vector<int64_t>& t, double eps, Reduction red) {
  return cross_entropy(Tensor::from(kLogits, {2, 3, 5}), Tensor::from(t, {2, 3}), {-1, eps, red}).item();
}

TEST(CrossEntropy, MatchesPyTorch) {
  // /usr/bin/python3, torch 1.13: F.cross_entropy(logits.reshape(-1,5), targets.reshape(-1), ignore_index=-1,
  // label_smoothing=ls, reduction=red)
  EXPECT_NEAR(loss_of(kTargets, 0.0, Reduction::Mean), 0.8527006891486585, 1e-12);
  EXPECT_NEAR(loss_of(kTargetsPad, 0.0, Reduction::Mean), 0.9605339110625573, 1e-12);
  EXPECT_NEAR(loss_of(kTargets, 0.0, Reduction::Sum), 5.116204134891951, 1e-12);
  EXPECT_NEAR(loss_of(kTargetsPad, 0.0, Reduction::Sum), 3.842135644250229, 1e-12);
  EXPECT_NEAR(loss_of(kTargets, 0.1, Reduction::Mean), 1.0367006891486585, 1e-12);
  EXPECT_NEAR(loss_of(kTargetsPad, 0.1, Reduction::Mean), 1.1340339110625575, 1e-12);
  EXPECT_NEAR(loss_of(kTargetsPad, 0.1, Reduction::Sum), 4.53613564425023, 1e-12);
  Tensor none = cross_entropy(Tensor::from(kLogits, {2, 3, 5}), Tensor::from(kTargetsPad, {2, 3}),
                              {-1, 0.1, Reduction::None});
  ASSERT_EQ(none.shape(), (Shape{2, 3}));
  const std::vector<double> expect{0.4921186184160773, 1.9358237879614184, 0.0, 0.0, 1.6094379124341003,
                                   0.498755325438633};
  auto got = none.to_vector<double>();
  for (size_t i = 0; i < expect.size(); ++i) EXPECT_NEAR(got[i], expect[i], 1e-12) << i;

  // gradient of the smoothed, padded mean (x.grad from the same PyTorch run), rows 1 and 4
  Tensor x = Tensor::from(kLogits, {6, 5});
  x.set_requires_grad();
  cross_entropy(x, Tensor::from(kTargetsPad, {6}), {-1, 0.1, Reduction::Mean}).backward();
  const std::vector<double> row1{-0.19428262982774566, 0.027318413005697217, 0.016663680093777757,
                                 0.024242909379094842, 0.12605762734917583};
  const std::vector<double> row4{0.045, 0.045, -0.18, 0.045, 0.045};
  for (int64_t j = 0; j < 5; ++j) {
    EXPECT_NEAR(x.grad().at({1, j}), row1[static_cast<size_t>(j)], 1e-12);
    EXPECT_NEAR(x.grad().at({4, j}), row4[static_cast<size_t>(j)], 1e-12);
    EXPECT_EQ(x.grad().at({2, j}), 0.0);  // padding
  }
}

TEST(CrossEntropy, MatchesDocumentedSmoothingFormulaInDouble) {
  // PyTorch's definition: l_n = -sum_c q_{n,c} log softmax(x_n)_c, q = (1 - eps) onehot(y_n) + eps / V,
  // mean over the non-ignored tokens.
  Rng rng(103);
  const int64_t n = 9, v = 65;
  Tensor logits = Tensor::empty({n, v}, DType::F64);
  rng.fill_uniform(logits, -6, 6);
  std::vector<int32_t> t(static_cast<size_t>(n));
  for (auto& id : t) id = static_cast<int32_t>(rng.below(v));
  t[2] = t[7] = 0;  // padding id 0
  const double eps = 0.15;
  double total = 0;
  int count = 0;
  for (int64_t r = 0; r < n; ++r) {
    if (t[static_cast<size_t>(r)] == 0) continue;
    double m = -INFINITY, s = 0;
    for (int64_t j = 0; j < v; ++j) m = std::max(m, logits.at({r, j}));
    for (int64_t j = 0; j < v; ++j) s += std::exp(logits.at({r, j}) - m);
    for (int64_t j = 0; j < v; ++j) {
      const double q = (j == t[static_cast<size_t>(r)] ? 1 - eps : 0) + eps / v;
      total -= q * (logits.at({r, j}) - m - std::log(s));
    }
    ++count;
  }
  const double got = cross_entropy(logits, Tensor::from(t, {n}), {0, eps, Reduction::Mean}).item();
  EXPECT_NEAR(got, total / count, 1e-12);
  // float logits agree to float precision
  const double got_f32 = cross_entropy(logits.copy(DType::F32), Tensor::from(t, {n}), {0, eps, Reduction::Mean}).item();
  EXPECT_NEAR(got_f32, total / count, 1e-5);
}

TEST(CrossEntropy, TokenNllIsTheUnsmoothedPerTokenLoss) {
  const Tensor logits = Tensor::from(kLogits, {2, 3, 5});
  const Tensor t = Tensor::from(kTargetsPad, {2, 3});
  Tensor nll;
  const double smoothed = cross_entropy(logits, t, {.ignore_index = -1, .label_smoothing = 0.3, .token_nll = &nll}).item();
  const std::vector<double> want = cross_entropy(logits, t, {-1, 0.0, Reduction::None}).to_vector<double>();
  ASSERT_EQ(nll.shape(), Shape({2, 3}));
  const std::vector<double> got = nll.to_vector<double>();
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-12) << i;
  EXPECT_EQ(got[2], 0.0);  // padding
  EXPECT_NE(smoothed, cross_entropy(logits, t, {-1, 0.0, Reduction::Mean}).item());  // the loss itself is smoothed
}

TEST(CrossEntropy, AllPaddingGivesZeroLossAndGradient) {
  Tensor x = Tensor::ones({2, 3, 4});
  x.set_requires_grad();
  Tensor t = Tensor::full({2, 3}, 0.0, DType::I64);
  Tensor loss = cross_entropy(x, t, {.ignore_index = 0, .label_smoothing = 0.1});
  EXPECT_EQ(loss.item(), 0.0);
  loss.backward();
  for (float g : x.grad().to_vector<float>()) EXPECT_EQ(g, 0.f);
}

TEST(CrossEntropy, BadTargetsAreNamed) {
  Tensor x = Tensor::zeros({2, 3, 5});
  expect_error_containing([&] { cross_entropy(x, Tensor::from<int64_t>({0, 1, 2, 3, 4, 7}, {2, 3})); },
                          "cross_entropy: target 7 at position [1,2] is out of range for 5 classes");
  expect_error_containing([&] { cross_entropy(x, Tensor::from<int32_t>({0, -2, 0, 0, 0, 0}, {2, 3})); },
                          "cross_entropy: target -2 at position [0,1]");
  expect_error_containing([&] { cross_entropy(x, Tensor::zeros({2, 3}, DType::I64).view_as_shape({3, 2})); },
                          "cross_entropy: targets [3,2] must match the leading axes of logits [2,3,5]");
  expect_error_containing([&] { cross_entropy(x, Tensor::zeros({2, 3})); }, "targets must be int32 or int64");
  expect_error_containing([&] { cross_entropy(x, Tensor::zeros({2, 3}, DType::I64), {.label_smoothing = 1.5}); },
                          "label_smoothing must be in [0, 1]");
}

}  // namespace
}  // namespace attend
