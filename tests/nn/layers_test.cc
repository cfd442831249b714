// nn blocks: parameter names and shapes, init ranges, train/eval behaviour of Dropout.
#include "nn/layers.h"

#include <gtest/gtest.h>

#include <cmath>

namespace attend::nn {
namespace {

class TwoLayer : public Module {
 public:
  explicit TwoLayer(Rng& rng) : first(4, 8, rng), second(8, 2, rng, false) {
    register_module("first", &first);
    register_module("second", &second);
  }
  Linear first, second;
};

TEST(Module, NamedParametersAreDottedAndOrdered) {
  Rng rng(1);
  TwoLayer m(rng);
  auto named = m.named_parameters();
  ASSERT_EQ(named.size(), 3u);
  EXPECT_EQ(named[0].first, "first.weight");
  EXPECT_EQ(named[1].first, "first.bias");
  EXPECT_EQ(named[2].first, "second.weight");
  EXPECT_EQ(m.parameter_count(), 4 * 8 + 8 + 8 * 2);
  for (auto& [n, p] : named) EXPECT_TRUE(p.requires_grad()) << n;
}

TEST(Linear, InitWithinPyTorchBound) {
  Rng rng(2);
  Linear l(16, 3, rng);
  for (float v : l.weight().to_vector<float>()) EXPECT_LE(std::abs(v), 0.25f);
  EXPECT_EQ(l.forward(Tensor::zeros({2, 5, 16})).shape(), (Shape{2, 5, 3}));
}

TEST(Dropout, IdentityInEvalAndScaledInTraining) {
  Rng rng(3);
  Dropout d(0.5);
  Tensor x = Tensor::ones({1000});
  d.eval();
  EXPECT_TRUE(d.forward(x, rng).same_storage(x));
  d.train();
  auto y = d.forward(x, rng).to_vector<float>();
  int zeros = 0;
  for (float v : y) {
    EXPECT_TRUE(v == 0.f || v == 2.f);
    zeros += v == 0.f;
  }
  EXPECT_NEAR(zeros, 500, 80);
  EXPECT_THROW(Dropout(1.0), Error);
}

TEST(Embedding, LooksUpRows) {
  Rng rng(4);
  Embedding e(10, 3, rng);
  Tensor ids = Tensor::from<int64_t>({7, 0}, {2});
  Tensor y = e.forward(ids);
  EXPECT_EQ(y.at({0, 2}), e.weight().at({7, 2}));
  EXPECT_THROW(e.forward(Tensor::from<int64_t>({10}, {1})), Error);
}

TEST(LayerNorm, NormalisesLastAxis) {
  LayerNorm ln(4);
  Tensor x = Tensor::from<float>({1, 2, 3, 4}, {1, 4});
  auto y = ln.forward(x).to_vector<float>();
  double mean = 0, var = 0;
  for (float v : y) mean += v / 4;
  for (float v : y) var += (v - mean) * (v - mean) / 4;
  EXPECT_NEAR(mean, 0, 1e-6);
  EXPECT_NEAR(var, 1, 1e-4);
}

}  // namespace
}  // namespace attend::nn
