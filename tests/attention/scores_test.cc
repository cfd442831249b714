// Score functions against hand-written double loops over the module's own parameters, location-aware
// terms (conv over the previous weights) for additive and dot scores, location-score truncation and its
// error, the cosine temperature's gradient, and parameter names.
#include "attention/scores.h"

#include <gtest/gtest.h>

#include <cmath>

#include "attention/test_util.h"
#include "autograd/gradcheck.h"
#include "autograd/ops.h"

namespace attend::attention {
namespace {

using testutil::expect_error_containing;
using testutil::random_tensor;
using testutil::Values;

constexpr int64_t B = 2, TQ = 3, TK = 4;

AttentionConfig config_for(Score s, int64_t dq, int64_t dk) {
  AttentionConfig c;
  c.score = s;
  c.query_dim = dq;
  c.key_dim = dk;
  c.hidden_dim = 5;
  c.max_keys = 6;
  c.temperature_init = 3.0;
  return c;
}

double dot(const Values& q, int64_t b, int64_t i, const Values& k, int64_t j, int64_t d) {
  double s = 0;
  for (int64_t a = 0; a < d; ++a) s += q(b, i, a) * k(b, j, a);
  return s;
}

// Checks scores(b, i, j) == expect(b, i, j) for every element.
template <class F>
void expect_scores(const Tensor& scores, F&& expect, double tol = 1e-12) {
  ASSERT_EQ(scores.shape(), (Shape{B, TQ, TK}));
  Values s(scores);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < TQ; ++i)
      for (int64_t j = 0; j < TK; ++j) ASSERT_NEAR(s(b, i, j), expect(b, i, j), tol) << b << "," << i << "," << j;
}

TEST(Scores, DotAndScaledDotMatchHandComputation) {
  Rng rng(401);
  for (int64_t d : {2, 7}) {  // d = 7 > Tk takes the scale-the-scores branch
    Tensor q = random_tensor({B, TQ, d}, rng), k = random_tensor({B, TK, d}, rng);
    Values qv(q), kv(k);
    auto dot_score = make_score(config_for(Score::Dot, 0, 0), rng, DType::F64);
    auto scaled = make_score(config_for(Score::ScaledDot, 0, 0), rng, DType::F64);
    EXPECT_EQ(dot_score->parameter_count(), 0);
    expect_scores(dot_score->scores(q, dot_score->prepare_keys(k), Tensor()),
                  [&](int64_t b, int64_t i, int64_t j) { return dot(qv, b, i, kv, j, d); });
    expect_scores(scaled->scores(q, scaled->prepare_keys(k), Tensor()), [&](int64_t b, int64_t i, int64_t j) {
      return dot(qv, b, i, kv, j, d) / std::sqrt(static_cast<double>(d));
    });
  }
}

TEST(Scores, GeneralMatchesHandComputation) {
  Rng rng(402);
  const int64_t dq = 3, dk = 5;
  auto score = make_score(config_for(Score::General, dq, dk), rng, DType::F64);
  const auto& general = dynamic_cast<const GeneralScore&>(*score);
  Values w(general.query_proj().weight());  // [Dk, Dq]
  ASSERT_EQ(w.shape, (Shape{dk, dq}));
  Tensor q = random_tensor({B, TQ, dq}, rng), k = random_tensor({B, TK, dk}, rng);
  Values qv(q), kv(k);
  expect_scores(score->scores(q, score->prepare_keys(k), Tensor()), [&](int64_t b, int64_t i, int64_t j) {
    double s = 0;
    for (int64_t a = 0; a < dq; ++a)
      for (int64_t c = 0; c < dk; ++c) s += qv(b, i, a) * w(c, a) * kv(b, j, c);
    return s;
  });
}

// v^T tanh(W_q q + b + W_k k [+ U f]) in double loops; f = conv(prev) when given (prev: [B, Tq, Tk]).
double additive_reference(const AdditiveScore& s, const Values& q, const Values& k, int64_t b, int64_t i, int64_t j,
                          const std::vector<double>* f = nullptr, const Values* u = nullptr, int64_t channels = 0) {
  Values wq(s.query_proj().weight()), bq(s.query_proj().bias()), wk(s.key_proj().weight()), v(s.v().weight());
  const int64_t h = wq.shape[0], dq = wq.shape[1], dk = wk.shape[1];
  double e = 0;
  for (int64_t r = 0; r < h; ++r) {
    double pre = bq(r);
    for (int64_t a = 0; a < dq; ++a) pre += wq(r, a) * q(b, i, a);
    for (int64_t a = 0; a < dk; ++a) pre += wk(r, a) * k(b, j, a);
    if (f)
      for (int64_t c = 0; c < channels; ++c) pre += (*u)(r, c) * (*f)[static_cast<size_t>(((b * TQ + i) * TK + j) * channels + c)];
    e += v(0, r) * std::tanh(pre);
  }
  return e;
}

TEST(Scores, AdditiveMatchesHandComputationWithKeysProjectedOnce) {
  Rng rng(403);
  const int64_t dq = 3, dk = 4;
  auto score = make_score(config_for(Score::Additive, dq, dk), rng, DType::F64);
  const auto& add_score = dynamic_cast<const AdditiveScore&>(*score);
  Tensor q = random_tensor({B, TQ, dq}, rng), k = random_tensor({B, TK, dk}, rng);
  Values qv(q), kv(k);
  const Tensor projected = score->prepare_keys(k);
  EXPECT_EQ(projected.shape(), (Shape{B, TK, 5}));
  expect_scores(score->scores(q, projected, Tensor()),
                [&](int64_t b, int64_t i, int64_t j) { return additive_reference(add_score, qv, kv, b, i, j); });
  auto names = score->named_parameters();
  ASSERT_EQ(names.size(), 4u);
  EXPECT_EQ(names[0].first, "query_proj.weight");
  EXPECT_EQ(names[1].first, "query_proj.bias");
  EXPECT_EQ(names[2].first, "key_proj.weight");
  EXPECT_EQ(names[3].first, "v.weight");
}

// Hand "same" convolution of prev [B, Tq, Tk] with filters [C, K] -> [B, Tq, Tk, C] flat.
std::vector<double> conv_reference(const Values& prev, const Values& filt) {
  const int64_t c_n = filt.shape[0], width = filt.shape[1];
  std::vector<double> f(static_cast<size_t>(B * TQ * TK * c_n), 0.0);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < TQ; ++i)
      for (int64_t j = 0; j < TK; ++j)
        for (int64_t c = 0; c < c_n; ++c)
          for (int64_t t = 0; t < width; ++t) {
            const int64_t src = j + t - width / 2;
            if (src >= 0 && src < TK) f[static_cast<size_t>(((b * TQ + i) * TK + j) * c_n + c)] += filt(c, t) * prev(b, i, src);
          }
  return f;
}

TEST(Scores, LocationAwareAdditiveAddsConvFeaturesInsideTanh) {
  Rng rng(404);
  AttentionConfig c = config_for(Score::Additive, 3, 4);
  c.location_aware = true;
  c.location_channels = 2;
  c.location_width = 3;
  auto score = make_score(c, rng, DType::F64);
  LocationFeatures conv(c, rng, DType::F64);
  Tensor q = random_tensor({B, TQ, 3}, rng), k = random_tensor({B, TK, 4}, rng);
  Tensor prev = random_tensor({B, TQ, TK}, rng, DType::F64, 0, 1);
  const Tensor features = conv.forward(prev);
  ASSERT_EQ(features.shape(), (Shape{B, TQ, TK, 2}));
  const auto f = conv_reference(Values(prev), Values(conv.weight()));
  const auto& add_score = dynamic_cast<const AdditiveScore&>(*score);
  Values u(score->named_parameters()[4].second);  // location_proj.weight [H, C]
  ASSERT_EQ(score->named_parameters()[4].first, "location_proj.weight");
  ASSERT_EQ(u.shape, (Shape{5, 2}));
  Values qv(q), kv(k);
  expect_scores(score->scores(q, score->prepare_keys(k), features), [&](int64_t b, int64_t i, int64_t j) {
    return additive_reference(add_score, qv, kv, b, i, j, &f, &u, 2);
  });
}

TEST(Scores, LocationAwareDotAddsLearnedLinearOfFeatures) {
  Rng rng(405);
  AttentionConfig c = config_for(Score::Dot, 0, 0);
  c.location_aware = true;
  c.location_channels = 3;
  c.location_width = 5;
  auto score = make_score(c, rng, DType::F64);
  LocationFeatures conv(c, rng, DType::F64);
  Tensor q = random_tensor({B, TQ, 2}, rng), k = random_tensor({B, TK, 2}, rng);
  Tensor prev = random_tensor({B, TQ, TK}, rng, DType::F64, 0, 1);
  const auto f = conv_reference(Values(prev), Values(conv.weight()));
  Values u(score->named_parameters()[0].second);  // [1, C]
  Values qv(q), kv(k);
  expect_scores(score->scores(q, k, conv.forward(prev)), [&](int64_t b, int64_t i, int64_t j) {
    double s = dot(qv, b, i, kv, j, 2);
    for (int64_t ch = 0; ch < 3; ++ch) s += u(0, ch) * f[static_cast<size_t>(((b * TQ + i) * TK + j) * 3 + ch)];
    return s;
  });
}

TEST(Scores, LocationScoreUsesTheFirstTkPositionsAndRejectsLongerInputs) {
  Rng rng(406);
  auto score = make_score(config_for(Score::Location, 3, 0), rng, DType::F64);  // max_keys = 6 > Tk = 4
  Values w(dynamic_cast<const LocationScore&>(*score).position_proj().weight());  // [6, 3]
  Tensor q = random_tensor({B, TQ, 3}, rng), k = random_tensor({B, TK, 9}, rng);  // keys only give Tk
  Values qv(q);
  expect_scores(score->scores(q, k, Tensor()), [&](int64_t b, int64_t i, int64_t j) {
    double s = 0;
    for (int64_t a = 0; a < 3; ++a) s += w(j, a) * qv(b, i, a);
    return s;
  });
  expect_error_containing([&] { score->scores(q, random_tensor({B, 7, 9}, rng), Tensor()); },
                          "7 keys (keys [2,7,9]) but the score was built for at most max_keys = 6");
  // exactly max_keys is fine
  EXPECT_EQ(score->scores(q, random_tensor({B, 6, 1}, rng), Tensor()).shape(), (Shape{B, TQ, 6}));
}

TEST(Scores, CosineMatchesHandComputationAndItsTemperatureIsLearned) {
  Rng rng(407);
  auto score = make_score(config_for(Score::Cosine, 0, 0), rng, DType::F64);
  const Tensor log_t = dynamic_cast<const CosineScore&>(*score).log_temperature();
  EXPECT_NEAR(log_t.item(), std::log(3.0), 1e-15);
  EXPECT_TRUE(log_t.requires_grad());
  Tensor q = random_tensor({B, TQ, 4}, rng), k = random_tensor({B, TK, 4}, rng);
  Values qv(q), kv(k);
  expect_scores(score->scores(q, score->prepare_keys(k), Tensor()), [&](int64_t b, int64_t i, int64_t j) {
    return 3.0 * dot(qv, b, i, kv, j, 4) / std::sqrt(dot(qv, b, i, qv, i, 4) * dot(kv, b, j, kv, j, 4));
  }, 1e-10);  // the norms carry an eps of 1e-12
  // gradients reach the temperature (and the inputs) and match finite differences
  testing::expect_gradients_match(
      [&](const std::vector<Tensor>& v) { return score->scores(v[0], score->prepare_keys(v[1]), Tensor()); },
      {q, k, log_t});
  // a zero vector scores 0, not NaN
  Tensor zq = Tensor::zeros({1, 1, 4}, DType::F64);
  EXPECT_EQ(score->scores(zq, score->prepare_keys(Tensor::ones({1, 2, 4}, DType::F64)), Tensor()).at({0, 0, 1}), 0.0);
}

TEST(Scores, GradientsOfEveryParametrisedScoreMatchFiniteDifferences) {
  Rng rng(408);
  for (Score s : {Score::General, Score::Additive, Score::Location}) {
    AttentionConfig c = config_for(s, 3, 2);
    c.location_aware = true;
    c.location_channels = 2;
    c.location_width = 3;
    auto score = make_score(c, rng, DType::F64);
    Tensor q = random_tensor({B, TQ, 3}, rng), k = random_tensor({B, TK, 2}, rng);
    Tensor f = random_tensor({B, 1, TK, 2}, rng);  // features shared over queries (a uniform start)
    std::vector<Tensor> inputs{q, k, f};
    for (auto& p : score->parameters()) inputs.push_back(p);
    testing::expect_gradients_match(
        [&](const std::vector<Tensor>& v) { return score->scores(v[0], score->prepare_keys(v[1]), v[2]); }, inputs);
  }
}

TEST(Scores, MismatchedSizesAreErrorsNamingShapes) {
  Rng rng(409);
  auto dot_score = make_score(config_for(Score::Dot, 0, 0), rng);
  expect_error_containing(
      [&] { dot_score->scores(Tensor::zeros({1, 2, 3}), Tensor::zeros({1, 4, 5}), Tensor()); },
      "query and key sizes differ: query [1,2,3] vs keys [1,4,5]");
  auto additive = make_score(config_for(Score::Additive, 3, 4), rng);
  expect_error_containing([&] { additive->prepare_keys(Tensor::zeros({1, 4, 5})); },
                          "keys [1,4,5] do not have the configured key size 4");
  AttentionConfig c = config_for(Score::Additive, 3, 4);
  c.hidden_dim = 0;
  expect_error_containing([&] { make_score(c, rng); }, "score 'additive' needs hidden_dim > 0");
  c = config_for(Score::Location, 3, 4);
  c.max_keys = 0;
  expect_error_containing([&] { make_score(c, rng); }, "score 'location' needs max_keys > 0");
}

}  // namespace
}  // namespace attend::attention
