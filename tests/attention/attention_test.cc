// AttentionConfig JSON (names, round trip, defaults, errors naming the key) and make_attention (which
// mechanisms are built, which are not wired yet, float32/float64 builds from one seed).
#include "attention/attention.h"

#include <gtest/gtest.h>

#include "attention/soft.h"
#include "attention/test_util.h"

namespace attend::attention {
namespace {

using testutil::expect_error_containing;
using testutil::qkv;

TEST(AttentionConfig, JsonRoundTripKeepsEveryField) {
  AttentionConfig c;
  c.score = Score::Additive;
  c.normalizer = Normalizer::Sparsemax;
  c.window = Window::LocalPredictive;
  c.selection = Selection::HardGumbel;
  c.query_dim = 7;
  c.key_dim = 9;
  c.hidden_dim = 11;
  c.max_keys = 13;
  c.window_radius = 3;
  c.location_aware = true;
  c.location_channels = 4;
  c.location_width = 5;
  c.temperature_init = 2.5;
  c.gumbel_tau = 0.5;
  const nlohmann::json j = c.to_json();
  EXPECT_EQ(j["score"], "additive");
  EXPECT_EQ(j["normalizer"], "sparsemax");
  EXPECT_EQ(j["window"], "local_p");
  EXPECT_EQ(j["selection"], "hard_gumbel");
  const AttentionConfig back = AttentionConfig::from_json(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(back.to_json(), j);
  EXPECT_EQ(back.location_width, 5);
  EXPECT_EQ(back.gumbel_tau, 0.5);
}

TEST(AttentionConfig, EveryNameParsesAndMissingKeysKeepDefaults) {
  const std::pair<const char*, Score> scores[] = {{"dot", Score::Dot},         {"scaled_dot", Score::ScaledDot},
                                                  {"general", Score::General}, {"additive", Score::Additive},
                                                  {"location", Score::Location}, {"cosine", Score::Cosine}};
  for (auto [name, s] : scores) {
    EXPECT_EQ(AttentionConfig::from_json({{"score", name}}).score, s);
    EXPECT_STREQ(score_name(s), name);
  }
  EXPECT_EQ(AttentionConfig::from_json({{"window", "local_m"}}).window, Window::LocalMonotonic);
  EXPECT_EQ(AttentionConfig::from_json({{"window", "global"}}).window, Window::Global);
  EXPECT_EQ(AttentionConfig::from_json({{"selection", "hard_reinforce"}}).selection, Selection::HardReinforce);
  EXPECT_EQ(AttentionConfig::from_json({{"normalizer", "softmax"}}).normalizer, Normalizer::Softmax);
  const AttentionConfig d = AttentionConfig::from_json(nlohmann::json::object());
  EXPECT_EQ(d.to_json(), AttentionConfig{}.to_json());
}

TEST(AttentionConfig, BadJsonIsAnErrorNamingTheKey) {
  using nlohmann::json;
  expect_error_containing([] { AttentionConfig::from_json({{"scores", "dot"}}); }, "unknown key 'scores'");
  expect_error_containing([] { AttentionConfig::from_json({{"score", "bilinear"}}); },
                          "'score' has unknown value \"bilinear\" (known: dot, scaled_dot, general, additive, location, "
                          "cosine)");
  expect_error_containing([] { AttentionConfig::from_json({{"window", "local"}}); }, "'window' has unknown value");
  expect_error_containing([] { AttentionConfig::from_json({{"normalizer", 3}}); }, "'normalizer' must be a string");
  expect_error_containing([] { AttentionConfig::from_json({{"hidden_dim", -1}}); }, "'hidden_dim' must be >= 0");
  expect_error_containing([] { AttentionConfig::from_json({{"query_dim", 2.5}}); }, "'query_dim' must be an integer");
  expect_error_containing([] { AttentionConfig::from_json({{"location_width", 4}}); }, "'location_width' must be odd");
  expect_error_containing([] { AttentionConfig::from_json({{"location_channels", 0}}); },
                          "'location_channels' must be >= 1");
  expect_error_containing([] { AttentionConfig::from_json({{"temperature_init", 0}}); },
                          "'temperature_init' must be > 0");
  expect_error_containing([] { AttentionConfig::from_json({{"location_aware", 1}}); },
                          "'location_aware' must be true or false");
  expect_error_containing([] { AttentionConfig::from_json(json::array()); }, "expected a JSON object");
}

TEST(MakeAttention, HardSelectionsPickOneKeyAndArgmaxAtInference) {
  Rng rng(701);
  for (Selection sel : {Selection::HardReinforce, Selection::HardGumbel}) {
    AttentionConfig c;
    c.score = Score::Dot;
    c.selection = sel;
    auto att = make_attention(c, rng);
    Tensor q = testutil::random_tensor({2, 3, 4}, rng, DType::F32);
    Tensor k = testutil::random_tensor({2, 5, 4}, rng, DType::F32);
    Tensor v = testutil::random_tensor({2, 5, 6}, rng, DType::F32);
    att->train();
    AttentionResult r = att->forward(qkv(q, k, v), rng);
    testutil::Values ctx(r.context), vals(v);
    for (int64_t b = 0; b < 2; ++b)
      for (int64_t t = 0; t < 3; ++t) {
        int matches = 0;  // the context is exactly one value row
        for (int64_t j = 0; j < 5; ++j) {
          bool same = true;
          for (int64_t d = 0; d < 6; ++d) same = same && std::abs(ctx(b, t, d) - vals(b, j, d)) < 1e-6;
          matches += same;
        }
        EXPECT_GE(matches, 1) << selection_name(sel);
      }
    EXPECT_TRUE(r.log_prob.defined());
    // inference: the value row of the soft weights' argmax
    att->eval();
    AttentionResult e = att->forward(qkv(q, k, v), rng);
    const auto* soft = dynamic_cast<const SoftAttention*>(att.get());
    ASSERT_NE(soft, nullptr);
    Tensor w = soft->weights(qkv(q, k, v));
    testutil::Values wv(w), ev(e.context);
    for (int64_t t = 0; t < 3; ++t) {
      int64_t best = 0;
      for (int64_t j = 1; j < 5; ++j)
        if (wv(0, t, j) > wv(0, t, best)) best = j;
      for (int64_t d = 0; d < 6; ++d) EXPECT_NEAR(ev(0, t, d), vals(0, best, d), 1e-6);
    }
  }
}

TEST(MakeAttention, SparsemaxGivesExactZerosAndRespectsMasks) {
  Rng rng(702);
  AttentionConfig c;
  c.score = Score::Dot;
  c.normalizer = Normalizer::Sparsemax;
  auto att = make_attention(c, rng);
  Tensor q = testutil::random_tensor({2, 3, 4}, rng, DType::F32, -3, 3);
  Tensor k = testutil::random_tensor({2, 9, 4}, rng, DType::F32, -3, 3);
  AttentionInputs in = qkv(q, k, k);
  in.key_mask = Tensor::ones({2, 9});
  for (int64_t j = 6; j < 9; ++j) in.key_mask.data<float>()[9 + j] = 0.f;
  AttentionResult r = att->forward(in, rng);
  testutil::Values w(r.weights);
  int zeros = 0;
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t t = 0; t < 3; ++t) {
      double sum = 0;
      for (int64_t j = 0; j < 9; ++j) {
        sum += w(b, t, j);
        zeros += w(b, t, j) == 0.0;
        if (b == 1 && j >= 6) {
          EXPECT_EQ(w(b, t, j), 0.0);
        }
      }
      EXPECT_NEAR(sum, 1.0, 1e-5);
    }
  EXPECT_GT(zeros, 6);  // sharp: more zeros than the masked keys alone
}

TEST(MakeAttention, Float64BuildHoldsTheFloat32ValuesOfTheSameSeed) {
  AttentionConfig c;
  c.score = Score::Additive;
  c.query_dim = 3;
  c.key_dim = 4;
  c.hidden_dim = 5;
  Rng r1(9), r2(9);
  auto f = make_attention(c, r1);
  auto d = make_attention(c, r2, DType::F64);
  EXPECT_EQ(f->config().to_json(), c.to_json());
  auto pf = f->named_parameters(), pd = d->named_parameters();
  ASSERT_EQ(pf.size(), pd.size());
  for (size_t i = 0; i < pf.size(); ++i) {
    EXPECT_EQ(pf[i].first, pd[i].first);
    EXPECT_EQ(pd[i].second.dtype(), DType::F64);
    auto a = pf[i].second.to_vector<float>();
    auto b = pd[i].second.to_vector<double>();
    for (size_t k = 0; k < a.size(); ++k) EXPECT_EQ(static_cast<double>(a[k]), b[k]);
  }
  EXPECT_EQ(pf[0].first, "score.query_proj.weight");
  // the float64 build runs on float64 inputs
  Rng rng(3);
  AttentionResult r = d->forward(qkv(Tensor::ones({1, 2, 3}, DType::F64), Tensor::ones({1, 4, 4}, DType::F64),
                                     Tensor::ones({1, 4, 2}, DType::F64)),
                                 rng);
  EXPECT_EQ(r.context.dtype(), DType::F64);
  EXPECT_NEAR(r.context.at({0, 1, 1}), 1.0, 1e-15);  // every value is 1, weights sum to 1
}

}  // namespace
}  // namespace attend::attention
