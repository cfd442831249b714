// SoftAttention through make_attention: context = weights . values against a double reference, masks
// (masked keys exactly 0, all-masked rows give a zero context without NaN), causal, prepared keys,
// whole-mechanism gradient checks in float64 for every score, location-aware defaults, empty inputs,
// bad inputs, and the masked-normaliser helper that sparsemax will use.
#include "attention/soft.h"

#include <gtest/gtest.h>

#include <cmath>

#include "attention/test_util.h"
#include "autograd/gradcheck.h"
#include "autograd/ops.h"

namespace attend::attention {
namespace {

using testutil::expect_all_near;
using testutil::expect_error_containing;
using testutil::random_tensor;
using testutil::qkv;
using testutil::Values;

AttentionConfig config_for(Score s) {
  AttentionConfig c;
  c.score = s;
  c.query_dim = 4;
  c.key_dim = 4;
  c.hidden_dim = 6;
  c.max_keys = 8;
  return c;
}

struct Inputs {
  Tensor q, k, v;
};
Inputs make_inputs(Rng& rng, int64_t b, int64_t tq, int64_t tk, DType dtype = DType::F64) {
  return {random_tensor({b, tq, 4}, rng, dtype), random_tensor({b, tk, 4}, rng, dtype),
          random_tensor({b, tk, 3}, rng, dtype)};
}

TEST(SoftAttention, DotContextIsTheWeightedSumOfValues) {
  Rng rng(501);
  auto att = make_attention(config_for(Score::Dot), rng, DType::F64);
  Inputs x = make_inputs(rng, 2, 3, 5);
  AttentionResult r = att->forward(qkv(x.q, x.k, x.v), rng);
  Values q(x.q), k(x.k), v(x.v), w(r.weights), ctx(r.context);
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t i = 0; i < 3; ++i) {
      double e[5], sum = 0;
      for (int64_t j = 0; j < 5; ++j) {
        double s = 0;
        for (int64_t a = 0; a < 4; ++a) s += q(b, i, a) * k(b, j, a);
        e[j] = std::exp(s);
        sum += e[j];
      }
      for (int64_t j = 0; j < 5; ++j) EXPECT_NEAR(w(b, i, j), e[j] / sum, 1e-14);
      for (int64_t d = 0; d < 3; ++d) {
        double c = 0;
        for (int64_t j = 0; j < 5; ++j) c += e[j] / sum * v(b, j, d);
        EXPECT_NEAR(ctx(b, i, d), c, 1e-14);
      }
    }
}

TEST(SoftAttention, MaskedKeysGetZeroWeightAndAllMaskedRowsAZeroContext) {
  Rng rng(502);
  for (Score s : {Score::Dot, Score::ScaledDot, Score::General, Score::Additive, Score::Location, Score::Cosine}) {
    auto att = make_attention(config_for(s), rng);
    Inputs x = make_inputs(rng, 3, 2, 5, DType::F32);
    x.v.set_requires_grad();
    AttentionInputs in = qkv(x.q, x.k, x.v);
    in.key_mask = Tensor::from<float>({1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, {3, 5});
    AttentionResult r = att->forward(in, rng);
    Values w(r.weights), ctx(r.context);
    for (int64_t i = 0; i < 2; ++i) {
      EXPECT_EQ(w(0, i, 2), 0.0);
      EXPECT_EQ(w(0, i, 4), 0.0);
      EXPECT_NEAR(w(0, i, 0) + w(0, i, 1) + w(0, i, 3), 1.0, 1e-6);
      for (int64_t j = 0; j < 5; ++j) EXPECT_EQ(w(1, i, j), 0.0);  // batch row 1: no keys at all
      EXPECT_EQ(w(2, i, 4), 1.0);                                   // batch row 2: one key
      for (int64_t d = 0; d < 3; ++d) {
        EXPECT_EQ(ctx(1, i, d), 0.0) << score_name(s);
        EXPECT_FLOAT_EQ(static_cast<float>(ctx(2, i, d)), x.v.at({2, 4, d}));
      }
    }
    // and no NaN reaches the gradients
    sum(r.context).backward();
    for (float g : x.v.grad().to_vector<float>()) ASSERT_TRUE(std::isfinite(g)) << score_name(s);
    for (auto& p : att->parameters())
      for (float g : p.grad().defined() ? p.grad().to_vector<float>() : std::vector<float>{})
        ASSERT_TRUE(std::isfinite(g)) << score_name(s);
  }
}

TEST(SoftAttention, CausalQueriesSeeOnlyEarlierKeys) {
  Rng rng(503);
  auto att = make_attention(config_for(Score::ScaledDot), rng);
  Inputs x = make_inputs(rng, 2, 4, 6, DType::F32);
  AttentionInputs in = qkv(x.q, x.k, x.v);
  in.causal = true;
  Values w(att->forward(in, rng).weights);
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t j = 0; j < 6; ++j) {
      if (j > i + 2) {  // offset Tk - Tq = 2
        EXPECT_EQ(w(1, i, j), 0.0) << i << "," << j;
      } else {
        EXPECT_GT(w(1, i, j), 0.0) << i << "," << j;
      }
    }
}

TEST(SoftAttention, PreparedKeysGiveTheSameResult) {
  Rng rng(504);
  for (Score s : {Score::Additive, Score::Cosine, Score::General}) {
    auto att = make_attention(config_for(s), rng);
    Inputs x = make_inputs(rng, 2, 1, 5, DType::F32);
    AttentionInputs in = qkv(x.q, x.k, x.v);
    const Tensor direct = att->forward(in, rng).context;
    in.prepared_keys = att->prepare_keys(x.k);
    expect_all_near(att->forward(in, rng).context, direct, 0.0);
    in.prepared_keys = Tensor::zeros({2, 4, 6});
    expect_error_containing([&] { att->forward(in, rng); }, "prepared_keys [2,4,6] do not match keys [2,5,4]");
  }
}

// Whole mechanisms in float64: gradients of the context with respect to query, keys, values and every
// parameter match central differences, with a key mask (and a causal mask where meaningful).
TEST(SoftAttention, GradientsOfEveryMechanismMatchFiniteDifferences) {
  Rng rng(505);
  for (Score s : {Score::Dot, Score::ScaledDot, Score::General, Score::Additive, Score::Location, Score::Cosine})
    for (bool location_aware : {false, true}) {
      // the location term of every non-additive score is the same code: checked through dot
      if (location_aware && s != Score::Additive && s != Score::Dot) continue;
      AttentionConfig c = config_for(s);
      c.location_aware = location_aware;
      c.location_channels = 2;
      c.location_width = 3;
      auto att = make_attention(c, rng, DType::F64);
      Inputs x = make_inputs(rng, 2, 3, 4);
      Tensor prev = random_tensor({2, 3, 4}, rng, DType::F64, 0, 1);
      std::vector<Tensor> inputs{x.q, x.k, x.v};
      if (location_aware) inputs.push_back(prev);
      for (auto& p : att->parameters()) inputs.push_back(p);
      const Tensor mask = Tensor::from<double>({1, 1, 1, 0, 1, 0, 1, 1}, {2, 4});
      SCOPED_TRACE(std::string(score_name(s)) + (location_aware ? " location-aware" : ""));
      testing::expect_gradients_match(
          [&](const std::vector<Tensor>& v) {
            AttentionInputs in = qkv(v[0], v[1], v[2]);
            in.key_mask = mask;
            in.causal = s != Score::Location;
            if (location_aware) in.prev_weights = v[3];
            return att->forward(in, rng).context;
          },
          inputs);
    }
}

TEST(SoftAttention, LocationAwareStartsFromUniformWeightsOverRealKeys) {
  Rng rng(506);
  AttentionConfig c = config_for(Score::Additive);
  c.location_aware = true;
  c.location_channels = 2;
  c.location_width = 3;
  auto att = make_attention(c, rng, DType::F64);
  Inputs x = make_inputs(rng, 2, 2, 4);
  AttentionInputs in = qkv(x.q, x.k, x.v);
  in.key_mask = Tensor::from<float>({1, 1, 1, 1, 1, 1, 0, 0}, {2, 4});
  const Tensor implicit = att->forward(in, rng).weights;
  in.prev_weights = Tensor::from<double>({0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25,  //
                                          0.5, 0.5, 0, 0, 0.5, 0.5, 0, 0},
                                         {2, 2, 4});
  expect_all_near(att->forward(in, rng).weights, implicit, 1e-15);
  in.prev_weights = Tensor::zeros({2, 2, 5}, DType::F64);
  expect_error_containing([&] { att->forward(in, rng); }, "prev_weights [2,2,5] does not match [B, Tq, Tk] = [2, 2, 4]");
}

TEST(SoftAttention, EmptyKeysGiveAZeroContext) {
  Rng rng(507);
  auto att = make_attention(config_for(Score::Additive), rng);
  AttentionInputs in = qkv(Tensor::ones({2, 3, 4}), Tensor::zeros({2, 0, 4}), Tensor::zeros({2, 0, 3}));
  AttentionResult r = att->forward(in, rng);
  EXPECT_EQ(r.weights.shape(), (Shape{2, 3, 0}));
  EXPECT_EQ(r.context.shape(), (Shape{2, 3, 3}));
  for (float v : r.context.to_vector<float>()) EXPECT_EQ(v, 0.f);
  in.query = Tensor::ones({2, 0, 4});  // no queries
  EXPECT_EQ(att->forward(in, rng).context.shape(), (Shape{2, 0, 3}));
}

TEST(SoftAttention, BadInputsAreErrorsNamingShapes) {
  Rng rng(508);
  auto dot_att = make_attention(config_for(Score::Dot), rng);
  AttentionInputs in = qkv(Tensor::zeros({2, 3, 4}), Tensor::zeros({2, 5, 4}), Tensor::zeros({2, 6, 3}));
  expect_error_containing([&] { dot_att->forward(in, rng); }, "values [2,6,3] and keys [2,5,4] differ in length");
  in.values = Tensor::zeros({2, 5, 3});
  in.key_mask = Tensor::ones({2, 4});
  expect_error_containing([&] { dot_att->forward(in, rng); }, "key_mask [2,4] does not match keys [2,5,4]");
  in.key_mask = Tensor();
  in.keys = Tensor::zeros({3, 5, 4});
  expect_error_containing([&] { dot_att->forward(in, rng); }, "batch sizes differ: query [2,3,4], keys [3,5,4]");
  AttentionConfig c = config_for(Score::Dot);
  c.query_dim = c.key_dim = 0;
  auto free_dot = make_attention(c, rng);
  in.keys = Tensor::zeros({2, 5, 7});
  expect_error_containing([&] { free_dot->forward(in, rng); }, "query and key sizes differ: query [2,3,4] vs keys [2,5,7]");
  expect_error_containing([&] { dot_att->forward(in, rng); }, "keys [2,5,7] do not have the configured key_dim 4");
  auto additive = make_attention(config_for(Score::Additive), rng);  // float32 parameters
  AttentionInputs d = qkv(Tensor::zeros({1, 1, 4}, DType::F64), Tensor::zeros({1, 2, 4}, DType::F64),
                          Tensor::zeros({1, 2, 3}, DType::F64));
  expect_error_containing([&] { additive->forward(d, rng); }, "inputs are float64 but the mechanism's parameters are float32");
  in.query = Tensor::zeros({2, 3});
  expect_error_containing([&] { dot_att->forward(in, rng); }, "expected query [B, Tq, Dq]");
}

TEST(SoftAttention, MaskedNormaliserHelperMatchesMaskedSoftmax) {
  // With softmax as the normaliser, normalise_with_masks must reproduce masked_softmax, including
  // all-masked rows (zeros) and zero gradients there; sparsemax plugs into the same helper.
  Rng rng(509);
  Tensor scores = random_tensor({2, 3, 5}, rng, DType::F64, -3, 3);
  MaskedSoftmaxOptions m;
  m.key_mask = Tensor::from<float>({1, 0, 1, 1, 0, 0, 0, 0, 0, 0}, {2, 5});
  m.causal = true;
  m.scale = 0.5;
  m.additive_mask = random_tensor({3, 5}, rng, DType::F64);
  Tensor (*plain_softmax)(const Tensor&) = [](const Tensor& s) { return softmax(s, -1); };
  expect_all_near(normalise_with_masks(scores, m, plain_softmax), masked_softmax(scores, m), 1e-15);
  testing::expect_gradients_match(
      [&](const std::vector<Tensor>& v) { return normalise_with_masks(v[0], m, plain_softmax); }, {scores});
  expect_all_near(normalise_scores(Normalizer::Softmax, scores, m), masked_softmax(scores, m), 0.0);
  // sparsemax through the same helper: rows on the simplex (or all zero), disallowed keys exactly 0
  Tensor sp = normalise_scores(Normalizer::Sparsemax, scores, m);
  testutil::Values sv(sp), allowed(masked_softmax_allowed(scores.shape(), scores.dtype(), m));
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t t = 0; t < 3; ++t) {
      double sum = 0, any = 0;
      for (int64_t j = 0; j < 5; ++j) {
        sum += sv(b, t, j);
        any += allowed(b, t, j);
        if (allowed(b, t, j) == 0) {
          EXPECT_EQ(sv(b, t, j), 0.0);
        }
      }
      EXPECT_NEAR(sum, any > 0 ? 1.0 : 0.0, 1e-12);
    }
}

}  // namespace
}  // namespace attend::attention
