// masked_softmax op: gradients (scores and a learned additive mask) by central differences with every
// mask kind, exact zeros at masked keys, all-masked rows without NaN and with zero gradient, agreement
// with plain softmax when nothing is masked, mask broadcasting and shape errors.
#include "autograd/ops/masked_softmax.h"

#include <gtest/gtest.h>

#include <cmath>

#include "autograd/gradcheck.h"
#include "autograd/ops.h"

namespace attend {
namespace {

using testing::expect_gradients_match;
using testing::random_input;

Tensor key_mask_with_gaps() {  // [2, 5]: batch 0 has keys 0..2, batch 1 keys 0, 2, 4
  return Tensor::from<float>({1, 1, 1, 0, 0, 1, 0, 1, 0, 1}, {2, 5});
}

GRADCHECK_TEST("masked_softmax", MaskedSoftmaxEveryMask) {
  Rng rng(331);
  Tensor x = random_input({2, 3, 5}, rng, -3, 3);
  const Tensor km = key_mask_with_gaps();
  expect_gradients_match([&](const std::vector<Tensor>& v) { return masked_softmax(v[0], km, true); }, {x});
  MaskedSoftmaxOptions o;
  o.key_mask = km;
  o.scale = 0.6;
  o.window_centres = Tensor::from<double>({0, 2, 4, 1, 1, 3}, {2, 3});
  o.window_radius = 1;
  expect_gradients_match([&](const std::vector<Tensor>& v) { return masked_softmax(v[0], o); }, {x});
  // 4-d scores with a learned additive bias [H, Tq, Tk] (gradient summed over the batch) and a strided input
  Tensor x4 = random_input({2, 2, 3, 5}, rng, -3, 3);
  Tensor bias = random_input({2, 3, 5}, rng);
  expect_gradients_match(
      [&](const std::vector<Tensor>& v) {
        MaskedSoftmaxOptions m;
        m.key_mask = km;
        m.causal = true;
        m.additive_mask = v[1];
        m.scale = 1.7;
        return masked_softmax(transpose(v[0], 0, 1), m);
      },
      {x4, bias});
}

TEST(MaskedSoftmax, MaskedKeysAreExactlyZeroAndRowsSumToOne) {
  Rng rng(332);
  Tensor x = Tensor::empty({2, 4, 5});
  rng.fill_uniform(x, -1e4, 1e4);
  Tensor y = masked_softmax(x, key_mask_with_gaps(), true);
  const Tensor km = key_mask_with_gaps();
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t i = 0; i < 4; ++i) {
      double sum = 0;
      for (int64_t j = 0; j < 5; ++j) {
        const double w = y.at({b, i, j});
        ASSERT_TRUE(std::isfinite(w));
        if (km.at({b, j}) == 0 || j > i + 1) {  // causal offset Tk - Tq = 1
          EXPECT_EQ(w, 0.0) << b << "," << i << "," << j;
        }
        sum += w;
      }
      EXPECT_NEAR(sum, 1.0, 1e-6);
    }
}

TEST(MaskedSoftmax, FullyMaskedRowsGiveZerosAndZeroGradient) {
  Rng rng(333);
  Tensor x = random_input({2, 2, 3}, rng);
  Tensor km = Tensor::from<double>({0, 0, 0, 1, 0, 1}, {2, 3});
  Tensor y = masked_softmax(x, km);
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j) EXPECT_EQ(y.at({0, i, j}), 0.0);
  y.backward(Tensor::ones({2, 2, 3}, DType::F64));
  auto g = x.grad().to_vector<double>();
  for (int k = 0; k < 6; ++k) EXPECT_EQ(g[static_cast<size_t>(k)], 0.0);
  for (double v : g) EXPECT_FALSE(std::isnan(v));
  // causal with Tq > Tk leaves the first queries no key at all
  Tensor z = masked_softmax(Tensor::zeros({1, 4, 2}), Tensor(), true);
  EXPECT_EQ(z.at({0, 0, 0}), 0.0);
  EXPECT_EQ(z.at({0, 1, 0}), 0.0);
  EXPECT_EQ(z.at({0, 2, 0}), 1.0);
  EXPECT_EQ(z.at({0, 3, 1}), 0.5);
}

TEST(MaskedSoftmax, WithoutMasksEqualsSoftmaxOfScaledScores) {
  Rng rng(334);
  Tensor x = Tensor::empty({3, 2, 7, 65});
  rng.fill_uniform(x, -5, 5);
  MaskedSoftmaxOptions o;
  o.scale = 0.25;
  auto a = masked_softmax(x, o).to_vector<float>();
  auto b = softmax(mul(x, 0.25), -1).to_vector<float>();
  for (size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], 1e-6) << i;
}

TEST(MaskedSoftmax, AdditiveMaskBroadcastsLikeAnAdd) {
  Rng rng(335);
  Tensor x = Tensor::empty({2, 3, 4, 5}, DType::F64);
  rng.fill_uniform(x, -2, 2);
  for (const Shape& ms : {Shape{5}, Shape{4, 5}, Shape{3, 1, 5}, Shape{2, 1, 4, 5}, Shape{2, 3, 4, 1}}) {
    Tensor m = Tensor::empty(ms, DType::F64);
    rng.fill_uniform(m, -3, 3);
    MaskedSoftmaxOptions o;
    o.additive_mask = m;
    auto a = masked_softmax(x, o).to_vector<double>();
    auto b = softmax(add(x, m), -1).to_vector<double>();
    for (size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], 1e-14) << ms.str();
  }
  // 3-d scores with an additive [B, 1, Tk] padding mask in float32 (cast for float64 scores)
  Tensor x3 = Tensor::zeros({2, 2, 3}, DType::F64);
  MaskedSoftmaxOptions o;
  o.additive_mask = Tensor::from<float>({0, -INFINITY, 0, 0, 0, -INFINITY}, {2, 1, 3});
  Tensor y = masked_softmax(x3, o);
  EXPECT_EQ(y.at({0, 1, 1}), 0.0);
  EXPECT_EQ(y.at({0, 1, 0}), 0.5);
  EXPECT_EQ(y.at({1, 0, 2}), 0.0);
}

TEST(MaskedSoftmax, KeyMaskFormsAndDtypes) {
  Tensor x = Tensor::zeros({2, 1, 3});
  auto shared = masked_softmax(x, Tensor::from<int64_t>({1, 0, 1}, {3})).to_vector<float>();
  auto row = masked_softmax(x, Tensor::from<float>({1, 0, 1}, {1, 3})).to_vector<float>();
  EXPECT_EQ(shared, row);
  EXPECT_EQ(shared[1], 0.f);
  EXPECT_EQ(shared[4], 0.f);
  EXPECT_EQ(shared[3], 0.5f);
}

TEST(MaskedSoftmax, AllowedPatternMatchesWhereWeightsCanBeNonZero) {
  MaskedSoftmaxOptions o;
  o.key_mask = key_mask_with_gaps();
  o.causal = true;
  o.window_centres = Tensor::from<float>({0, 1, 2, 3}, {1, 4});
  o.window_radius = 1;
  Tensor allowed = masked_softmax_allowed({2, 4, 5}, DType::F32, o);
  Tensor y = masked_softmax(Tensor::zeros({2, 4, 5}), o);
  auto a = allowed.to_vector<float>(), w = y.to_vector<float>();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i] > 0, w[i] > 0) << i;
  EXPECT_EQ(allowed.at({0, 0, 1}), 1.0);  // centre 0, radius 1, causal offset 1
  EXPECT_EQ(allowed.at({0, 0, 2}), 0.0);
}

TEST(MaskedSoftmax, MaskShapesThatDoNotFitAreErrorsNamingShapes) {
  auto expect_error = [](auto&& f, const std::string& text) {
    try {
      f();
      ADD_FAILURE() << "expected an error containing " << text;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
  };
  const Tensor x = Tensor::zeros({2, 3, 4});
  expect_error([&] { masked_softmax(x, Tensor::ones({2, 5})); }, "key_mask [2,5] does not match scores [2,3,4]");
  expect_error([&] { masked_softmax(x, Tensor::ones({3, 4})); }, "key_mask [3,4] does not match scores [2,3,4]");
  expect_error([&] { masked_softmax(x, Tensor(), false, Tensor::zeros({3, 3})); },
               "additive_mask [3,3] does not broadcast to scores [2,3,4]");
  expect_error([&] { masked_softmax(Tensor::zeros({2, 4}), Tensor()); }, "got [2,4]");
  MaskedSoftmaxOptions o;
  o.window_centres = Tensor::zeros({2, 4});
  expect_error([&] { masked_softmax(x, o); }, "window_centres [2,4] does not match scores [2,3,4]");
  o.window_centres = Tensor::zeros({2, 3});
  o.window_radius = -1;
  expect_error([&] { masked_softmax(x, o); }, "window_radius must be >= 0");
}

TEST(MaskedSoftmax, EmptyKeyAxisGivesEmptyWeights) {
  Tensor y = masked_softmax(Tensor::zeros({2, 3, 0}), Tensor::zeros({2, 0}), true);
  EXPECT_EQ(y.shape(), (Shape{2, 3, 0}));
}

}  // namespace
}  // namespace attend
