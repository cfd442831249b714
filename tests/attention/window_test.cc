// Local windows: local-m masks keys outside [p - D, p + D] (default and given positions), a radius wider
// than the sequence equals global attention; local-p against a double reference built from the
// predictor's own parameters, its gradient through p_t (finite differences on W_p and v_p), per-row key
// counts S, and configuration errors.
#include "attention/window.h"

#include <gtest/gtest.h>

#include <cmath>

#include "attention/soft.h"
#include "attention/test_util.h"
#include "autograd/gradcheck.h"
#include "autograd/ops.h"

namespace attend::attention {
namespace {

using testutil::expect_all_near;
using testutil::expect_error_containing;
using testutil::qkv;
using testutil::random_tensor;
using testutil::Values;

AttentionConfig local_config(Window w, int64_t radius) {
  AttentionConfig c;
  c.score = Score::Dot;
  c.window = w;
  c.window_radius = radius;
  c.query_dim = 3;
  c.hidden_dim = 4;
  return c;
}

// softmax of q.k over the keys `allowed(b, i, j)` lets through, in double.
template <class Allowed>
double windowed_softmax(const Values& q, const Values& k, int64_t b, int64_t i, int64_t j, int64_t tk,
                        Allowed&& allowed) {
  if (!allowed(b, i, j)) return 0.0;
  auto score = [&](int64_t jj) {
    double s = 0;
    for (int64_t a = 0; a < q.shape[2]; ++a) s += q(b, i, a) * k(b, jj, a);
    return s;
  };
  double sum = 0;
  for (int64_t jj = 0; jj < tk; ++jj)
    if (allowed(b, i, jj)) sum += std::exp(score(jj));
  return std::exp(score(j)) / sum;
}

TEST(LocalWindow, MonotonicMasksKeysOutsideTheWindow) {
  Rng rng(601);
  auto att = make_attention(local_config(Window::LocalMonotonic, 1), rng, DType::F64);
  const int64_t tq = 4, tk = 7;
  Tensor q = random_tensor({2, tq, 3}, rng), k = random_tensor({2, tk, 3}, rng), v = random_tensor({2, tk, 2}, rng);
  Values qv(q), kv(k);
  // default positions 0..Tq-1
  Values w(att->forward(qkv(q, k, v), rng).weights);
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t i = 0; i < tq; ++i)
      for (int64_t j = 0; j < tk; ++j)
        ASSERT_NEAR(w(b, i, j), windowed_softmax(qv, kv, b, i, j, tk, [](int64_t, int64_t i, int64_t j) {
                      return std::abs(j - i) <= 1;
                    }),
                    1e-14);
  // given positions per batch row (fractional ones round half up), and a key mask on top
  AttentionInputs in = qkv(q, k, v);
  in.query_positions = Tensor::from<double>({6, 2.5, 0, 3, 1, 1, 1, 1}, {2, tq});
  in.key_mask = Tensor::from<float>({1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1}, {2, tk});
  Values pos(in.query_positions), mask(in.key_mask);
  Values wp(att->forward(in, rng).weights);
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t i = 0; i < tq; ++i)
      for (int64_t j = 0; j < tk; ++j)
        ASSERT_NEAR(wp(b, i, j), windowed_softmax(qv, kv, b, i, j, tk, [&](int64_t b, int64_t i, int64_t j) {
                      return std::abs(j - std::floor(pos(b, i) + 0.5)) <= 1 && mask(b, j) != 0;
                    }),
                    1e-14)
            << b << "," << i << "," << j;
  EXPECT_EQ(wp(0, 0, 6), 0.0);  // window {5, 6, 7}: key 6 is padding, key 5 alone
  EXPECT_NEAR(wp(0, 0, 5), 1.0, 1e-15);
}

TEST(LocalWindow, RadiusBeyondTheSequenceCoversEveryKey) {
  Rng rng(602);
  AttentionConfig c = local_config(Window::LocalMonotonic, 50);
  Rng r1(7), r2(7);
  auto local = make_attention(c, r1, DType::F64);
  c.window = Window::Global;
  auto global = make_attention(c, r2, DType::F64);
  Tensor q = random_tensor({2, 3, 3}, rng), k = random_tensor({2, 5, 3}, rng), v = random_tensor({2, 5, 2}, rng);
  expect_all_near(local->forward(qkv(q, k, v), rng).weights, global->forward(qkv(q, k, v), rng).weights, 0.0);
}

// local-p by hand: p = S sigmoid(v . tanh(W q)), window round(p) +- D over real keys, times the Gaussian.
void expect_local_p_matches_reference(const SoftAttention& att, const AttentionInputs& in, int64_t radius) {
  const PositionPredictor& pred = *att.position_predictor();
  Values wp(pred.proj().weight()), vp(pred.v().weight()), q(in.query), k(in.keys);
  const int64_t b_n = q.shape[0], tq = q.shape[1], tk = k.shape[1], hidden = wp.shape[0];
  std::vector<double> mask(static_cast<size_t>(b_n * tk), 1.0);
  if (in.key_mask.defined()) mask = in.key_mask.to_vector<double>();
  Values w(att.weights(in));
  const double sigma = radius / 2.0;
  for (int64_t b = 0; b < b_n; ++b) {
    double s_count = 0;
    for (int64_t j = 0; j < tk; ++j) s_count += mask[static_cast<size_t>(b * tk + j)] != 0;
    for (int64_t i = 0; i < tq; ++i) {
      double logit = 0;
      for (int64_t h = 0; h < hidden; ++h) {
        double pre = 0;
        for (int64_t a = 0; a < q.shape[2]; ++a) pre += wp(h, a) * q(b, i, a);
        logit += vp(0, h) * std::tanh(pre);
      }
      const double p = s_count / (1 + std::exp(-logit));
      auto allowed = [&](int64_t, int64_t, int64_t j) {
        return std::abs(j - std::floor(p + 0.5)) <= radius && mask[static_cast<size_t>(b * tk + j)] != 0;
      };
      for (int64_t j = 0; j < tk; ++j) {
        const double expect =
            windowed_softmax(q, k, b, i, j, tk, allowed) * std::exp(-(j - p) * (j - p) / (2 * sigma * sigma));
        ASSERT_NEAR(w(b, i, j), expect, 1e-13) << b << "," << i << "," << j << " p=" << p;
      }
    }
  }
}

TEST(LocalWindow, PredictiveMatchesHandComputation) {
  Rng rng(603);
  for (int64_t radius : {1, 2, 40}) {  // 40: the window covers everything; only the Gaussian remains
    auto att = make_attention(local_config(Window::LocalPredictive, radius), rng, DType::F64);
    const auto& soft = dynamic_cast<const SoftAttention&>(*att);
    ASSERT_NE(soft.position_predictor(), nullptr);
    Tensor q = random_tensor({3, 4, 3}, rng, DType::F64, -2, 2), k = random_tensor({3, 9, 3}, rng);
    AttentionInputs in = qkv(q, k, random_tensor({3, 9, 2}, rng));
    expect_local_p_matches_reference(soft, in, radius);
    // S counts the real keys of each batch row
    in.key_mask = Tensor::from<float>({1, 1, 1, 1, 1, 1, 1, 1, 1,  //
                                       1, 1, 1, 1, 0, 0, 0, 0, 0,  //
                                       1, 0, 1, 0, 1, 0, 1, 0, 0},
                                      {3, 9});
    expect_local_p_matches_reference(soft, in, radius);
  }
  auto names = make_attention(local_config(Window::LocalPredictive, 2), rng)->named_parameters();
  ASSERT_EQ(names.size(), 2u);  // dot score: the predictor only
  EXPECT_EQ(names[0].first, "position.proj.weight");
  EXPECT_EQ(names[1].first, "position.v.weight");
}

TEST(LocalWindow, PredictiveIsDifferentiableThroughThePredictedPosition) {
  // The hard window uses round(p_t), which is piecewise constant; the Gaussian factor carries the
  // gradient to p_t and so to W_p and v_p. Central differences (eps 1e-6) stay inside one rounding step.
  Rng rng(604);
  auto att = make_attention(local_config(Window::LocalPredictive, 2), rng, DType::F64);
  const auto& soft = dynamic_cast<const SoftAttention&>(*att);
  Tensor w_p = soft.position_predictor()->proj().weight(), v_p = soft.position_predictor()->v().weight();
  Tensor q = random_tensor({2, 3, 3}, rng, DType::F64, -2, 2), k = random_tensor({2, 8, 3}, rng);
  Tensor v = random_tensor({2, 8, 2}, rng);
  const Tensor mask = Tensor::from<float>({1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0}, {2, 8});
  auto context = [&](const std::vector<Tensor>& in) {
    AttentionInputs x = qkv(in[0], in[1], in[2]);
    x.key_mask = mask;
    return att->forward(x, rng).context;
  };
  testing::expect_gradients_match(context, {q, k, v, w_p, v_p});
  // and the gradient reaching W_p is not zero
  double norm = 0;
  for (double g : w_p.grad().to_vector<double>()) norm += std::abs(g);
  EXPECT_GT(norm, 1e-6);
}

TEST(LocalWindow, ConfigurationAndInputErrors) {
  Rng rng(605);
  expect_error_containing([&] { make_attention(local_config(Window::LocalPredictive, 0), rng); },
                          "'local_p' needs window_radius >= 1");
  AttentionConfig c = local_config(Window::LocalPredictive, 2);
  c.hidden_dim = 0;
  expect_error_containing([&] { make_attention(c, rng); }, "'local_p' needs query_dim > 0 and hidden_dim > 0");
  auto att = make_attention(local_config(Window::LocalMonotonic, 1), rng);
  AttentionInputs in = qkv(Tensor::zeros({2, 3, 3}), Tensor::zeros({2, 4, 3}), Tensor::zeros({2, 4, 1}));
  in.query_positions = Tensor::zeros({2, 4});
  expect_error_containing([&] { att->forward(in, rng); },
                          "query_positions [2,4] does not match [B, Tq] = [2, 3]");
}

TEST(LocalWindow, GaussianAndKeyCounts) {
  Tensor p = Tensor::from<double>({1.5, 0.0}, {1, 2});
  Values g(gaussian_window(p, 3, 2));  // sigma = 1
  EXPECT_NEAR(g(0, 0, 0), std::exp(-1.125), 1e-15);
  EXPECT_NEAR(g(0, 1, 2), std::exp(-2.0), 1e-15);
  Values s(key_counts(Tensor::from<int32_t>({1, 0, 1, 0, 0, 0}, {2, 3}), 2, 3, DType::F32));
  EXPECT_EQ(s(0, 0), 2.0);
  EXPECT_EQ(s(1, 0), 0.0);
  EXPECT_EQ(Values(key_counts(Tensor(), 2, 5, DType::F64))(1, 0), 5.0);
}

}  // namespace
}  // namespace attend::attention
