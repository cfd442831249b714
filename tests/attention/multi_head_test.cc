// MultiHeadAttention: PyTorch parameter names and values (fixtures from multi_head_torch_fixtures.py), a
// naive per-head double reference, the fused self / shared-kv projection paths, the KV cache (incremental
// decoding equals full causal recomputation; a fixed cross-attention memory), gradients by central
// differences in float64, empty and fully masked inputs, and errors naming shapes.
#include "attention/multi_head.h"

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
using testutil::Values;

// PyTorch 1.13 nn.MultiheadAttention(4, 2, batch_first=True) in float64; see the fixture script.
const std::vector<double> k_self_out = {-0.952270080436362, -0.0838524942511243, 1.04099810322797, 0.996677053762138, -1.0598024072904, -0.22483747992212, 1.01642279770219, 1.11463415875089, -1.03987836371365, -0.43220079983681, 0.802192409332994, 1.12125646176533, -0.560044776258745, -1.04661528331636, -0.253368035319071, 0.746575613475409, -0.481709233567676, -0.90422225205576, -0.198276559964968, 0.655805131514674, -0.474325798317734, -0.889507341844149, -0.191871633713255, 0.647091850757817};
const std::vector<double> k_self_weights = {1, 0, 0, 0.52180609821907, 0.47819390178093, 0, 0.341088736871736, 0.353667751268672, 0.305243511859592, 1, 0, 0, 0.519505942545071, 0.480494057454929, 0, 0.32565408033742, 0.370224423690246, 0.304121495972334, 1, 0, 0, 0.580657292514153, 0.419342707485847, 0, 0.546942723961224, 0.453057276038776, 0, 1, 0, 0, 0.574064342363376, 0.425935657636624, 0, 0.525742512432533, 0.474257487567467, 0};
const std::vector<double> k_cross_out = {-0.838478506411784, -0.537828234087223, 0.501816124245118, 0.945421301561848, -0.848310844241971, -0.507130839465728, 0.540412944366619, 0.950890414312564, -0.87547388916148, -0.515717075711087, 0.55953039963678, 0.977390343571742, -0.749394603846886, -0.29478831625457, 0.640468728272364, 0.832303496741145, -0.72828973775082, -0.312752617548617, 0.60253071288725, 0.814718612667239, -0.697898758923065, -0.329412975983569, 0.556528422706265, 0.788273291366613};
const std::vector<double> k_cross_weights = {0.198245700865281, 0.198854846318676, 0.200564980904752, 0.201561445045466, 0.200773026865825, 0.214911877122958, 0.230331690566242, 0.208730478867081, 0.177589675239792, 0.168436278203927, 0.187586992752411, 0.223681130339304, 0.228347130084301, 0.195240794777599, 0.165143952046385, 0.213055039981946, 0.205334487182797, 0.193536533666433, 0.189981848699699, 0.198092090469125, 0.214764426091317, 0.220611476469951, 0.202713273275415, 0.182298998842601, 0.179611825320716, 0.166420039983083, 0.227784313141942, 0.252668648949962, 0.203434909436646, 0.149692088488367, 0.302856600546803, 0.307104306921062, 0.390039092532134, 0, 0, 0.341547805867319, 0.297217118867383, 0.361235075265299, 0, 0, 0.35421822589199, 0.311322301110251, 0.334459472997759, 0, 0, 0.219278595104563, 0.290704483661567, 0.49001692123387, 0, 0, 0.246183101777432, 0.295202608658336, 0.458614289564232, 0, 0, 0.307759544695332, 0.32226855679047, 0.369971898514198, 0, 0};

Tensor fill(int64_t n, double seed, const Shape& shape) {
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t k = 0; k < n; ++k) v[static_cast<size_t>(k)] = 0.5 * std::sin(1.3 * static_cast<double>(k) + seed);
  return Tensor::from<double>(v, shape);
}

void expect_values(const Tensor& t, const std::vector<double>& expect, double tol) {
  auto v = t.to_vector<double>();
  ASSERT_EQ(v.size(), expect.size());
  for (size_t i = 0; i < v.size(); ++i) ASSERT_NEAR(v[i], expect[i], tol) << "element " << i;
}

TEST(MultiHeadAttention, ParameterNamesShapesAndInitFollowPyTorch) {
  Rng rng(801);
  MultiHeadAttention mha(8, 2, rng);
  auto p = mha.named_parameters();
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0].first, "in_proj_weight");
  EXPECT_EQ(p[0].second.shape(), (Shape{24, 8}));
  EXPECT_EQ(p[1].first, "in_proj_bias");
  EXPECT_EQ(p[2].first, "out_proj.weight");
  EXPECT_EQ(p[2].second.shape(), (Shape{8, 8}));
  EXPECT_EQ(p[3].first, "out_proj.bias");
  for (float b : p[1].second.to_vector<float>()) EXPECT_EQ(b, 0.f);
  for (float b : p[3].second.to_vector<float>()) EXPECT_EQ(b, 0.f);
  const double bound = std::sqrt(6.0 / 32.0);  // xavier on [3D, D]
  double max_abs = 0;
  for (float w : p[0].second.to_vector<float>()) max_abs = std::max(max_abs, std::abs(static_cast<double>(w)));
  EXPECT_LE(max_abs, bound);
  EXPECT_GT(max_abs, 0.8 * bound);
  EXPECT_EQ(MultiHeadAttention(8, 2, rng, false).named_parameters().size(), 2u);  // no biases
}

class MultiHeadAttentionTorch : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = mha.named_parameters();
    p[0].second.copy_from_(fill(48, 1, {12, 4}));
    p[1].second.copy_from_(fill(12, 2, {12}));
    p[2].second.copy_from_(fill(16, 3, {4, 4}));
    p[3].second.copy_from_(fill(4, 4, {4}));
  }
  Rng rng{802};
  MultiHeadAttention mha{4, 2, rng, true, DType::F64};
  Tensor x = fill(24, 5, {2, 3, 4});
  Tensor mem = fill(40, 6, {2, 5, 4});
};

TEST_F(MultiHeadAttentionTorch, SelfAttentionMatchesTorch) {
  const Tensor mask = Tensor::from<float>({1, 1, 1, 1, 1, 0}, {2, 3});
  MultiHeadResult r = mha.forward(x, x, x, mask, true, nullptr, true);
  expect_values(r.output, k_self_out, 1e-12);
  expect_values(r.weights, k_self_weights, 1e-12);
}

TEST_F(MultiHeadAttentionTorch, CrossAttentionMatchesTorch) {
  const Tensor mask = Tensor::from<float>({1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, {2, 5});
  MultiHeadResult r = mha.forward(x, mem, mem, mask, false, nullptr, true);
  expect_values(r.output, k_cross_out, 1e-12);
  expect_values(r.weights, k_cross_weights, 1e-12);
}

// Per-head attention written out in double loops from the module's parameters.
std::vector<double> naive_mha(const MultiHeadAttention& mha, const Tensor& query, const Tensor& keys,
                              const Tensor& values, const Tensor& key_mask, bool causal) {
  Values w(mha.in_proj_weight()), bias(mha.in_proj_bias()), wo(mha.out_proj().weight()), bo(mha.out_proj().bias());
  Values q(query), k(keys), v(values);
  const int64_t b_n = q.shape[0], tq = q.shape[1], tk = k.shape[1], d = q.shape[2], h = mha.heads(), dh = d / h;
  auto project = [&](const Values& x, int64_t b, int64_t t, int64_t row) {  // row of in_proj
    double s = bias(row);
    for (int64_t a = 0; a < d; ++a) s += w(row, a) * x(b, t, a);
    return s;
  };
  std::vector<double> out(static_cast<size_t>(b_n * tq * d));
  for (int64_t b = 0; b < b_n; ++b)
    for (int64_t i = 0; i < tq; ++i) {
      std::vector<double> merged(static_cast<size_t>(d), 0.0);
      for (int64_t hh = 0; hh < h; ++hh) {
        std::vector<double> e(static_cast<size_t>(tk), 0.0);
        double sum = 0;
        for (int64_t j = 0; j < tk; ++j) {
          const bool ok = (!key_mask.defined() || key_mask.at({b, j}) != 0) && (!causal || j <= i + tk - tq);
          if (!ok) continue;
          double s = 0;
          for (int64_t c = 0; c < dh; ++c) s += project(q, b, i, hh * dh + c) * project(k, b, j, d + hh * dh + c);
          e[static_cast<size_t>(j)] = std::exp(s / std::sqrt(static_cast<double>(dh)));
          sum += e[static_cast<size_t>(j)];
        }
        for (int64_t j = 0; j < tk; ++j)
          for (int64_t c = 0; c < dh; ++c)
            if (sum > 0) merged[static_cast<size_t>(hh * dh + c)] += e[static_cast<size_t>(j)] / sum * project(v, b, j, 2 * d + hh * dh + c);
      }
      for (int64_t o = 0; o < d; ++o) {
        double s = bo(o);
        for (int64_t a = 0; a < d; ++a) s += wo(o, a) * merged[static_cast<size_t>(a)];
        out[static_cast<size_t>((b * tq + i) * d + o)] = s;
      }
    }
  return out;
}

void randomise_biases(const MultiHeadAttention& mha, Rng& rng) {  // PyTorch starts them at 0
  for (auto& [name, p] : mha.named_parameters())
    if (name.find("bias") != std::string::npos) {
      Tensor t = p;
      rng.fill_uniform(t, -0.5, 0.5);
    }
}

TEST(MultiHeadAttention, MatchesNaivePerHeadComputation) {
  Rng rng(803);
  MultiHeadAttention mha(6, 3, rng, true, DType::F64);
  randomise_biases(mha, rng);
  Tensor q = random_tensor({2, 4, 6}, rng), k = random_tensor({2, 5, 6}, rng), v = random_tensor({2, 5, 6}, rng);
  const Tensor mask = Tensor::from<double>({1, 1, 0, 1, 1, 1, 1, 1, 1, 0}, {2, 5});
  for (bool causal : {false, true}) {
    expect_values(mha.forward(q, k, v, mask, causal).output, naive_mha(mha, q, k, v, mask, causal), 1e-13);
    expect_values(mha.forward(q, k, v, Tensor(), causal).output, naive_mha(mha, q, k, v, Tensor(), causal), 1e-13);
  }
  // self-attention (fused projection) and shared keys/values (one projection for both)
  expect_values(mha.forward(q, q, q, Tensor(), true).output,
                naive_mha(mha, q, q, q, Tensor(), true), 1e-13);
  expect_values(mha.forward(q, k, k, mask).output, naive_mha(mha, q, k, k, mask, false), 1e-13);
}

TEST(MultiHeadAttention, FusedProjectionPathsEqualSeparateOnes) {
  Rng rng(804);
  MultiHeadAttention mha(16, 4, rng);
  randomise_biases(mha, rng);
  Tensor x = random_tensor({3, 7, 16}, rng, DType::F32);
  MultiHeadResult fused = mha.forward(x, x, x, Tensor(), true, nullptr, true);
  MultiHeadResult separate = mha.forward(x, x.copy(), x.copy(), Tensor(), true, nullptr, true);
  expect_all_near(fused.output, separate.output, 1e-6);
  expect_all_near(fused.weights, separate.weights, 1e-6);
  ASSERT_EQ(fused.weights.shape(), (Shape{3, 4, 7, 7}));
  Values w(fused.weights);
  for (int64_t i = 0; i < 7; ++i) {
    double s = 0;
    for (int64_t j = 0; j < 7; ++j) s += w(2, 3, i, j);
    EXPECT_NEAR(s, 1.0, 1e-6);
    if (i < 6) {
      EXPECT_EQ(w(2, 3, i, i + 1), 0.0);  // causal
    }
  }
  EXPECT_FALSE(mha.forward(x, x, x).weights.defined());  // not asked for
}

TEST(MultiHeadAttention, IncrementalDecodingWithCacheEqualsFullCausalPass) {
  Rng rng(805);
  MultiHeadAttention mha(16, 4, rng);
  randomise_biases(mha, rng);
  const int64_t T = 9;
  Tensor x = random_tensor({2, T, 16}, rng, DType::F32);
  Tensor mask = Tensor::ones({2, T});
  mask.data<float>()[T + 2] = 0.f;  // batch row 1: key 2 is padding
  const Tensor full = mha.forward(x, x, x, mask, true).output;
  for (const std::vector<int64_t>& chunks : {std::vector<int64_t>(T, 1), std::vector<int64_t>{2, 3, 1, 3}}) {
    KvCache cache;
    int64_t t = 0;
    for (int64_t n : chunks) {
      const Tensor step = contiguous(slice(x, 1, t, t + n));
      const Tensor step_mask = contiguous(slice(mask, 1, 0, t + n));
      const Tensor out = mha.forward(step, step, step, step_mask, true, &cache).output;
      EXPECT_EQ(cache.length(), t + n);
      expect_all_near(out, contiguous(slice(full, 1, t, t + n)), 1e-5);
      t += n;
    }
  }
}

TEST(MultiHeadAttention, FixedCacheProjectsTheMemoryOnce) {
  Rng rng(806);
  MultiHeadAttention mha(8, 2, rng);
  randomise_biases(mha, rng);
  Tensor q = random_tensor({2, 3, 8}, rng, DType::F32), mem = random_tensor({2, 5, 8}, rng, DType::F32);
  const Tensor expect = mha.forward(q, mem, mem).output;
  KvCache cache;
  cache.fixed = true;
  expect_all_near(mha.forward(q, mem, mem, Tensor(), false, &cache).output, expect, 0.0);
  EXPECT_EQ(cache.length(), 5);
  const Tensor other = Tensor::zeros({2, 5, 8});  // ignored once the memory is cached
  expect_all_near(mha.forward(q, other, other, Tensor(), false, &cache).output, expect, 0.0);
  EXPECT_EQ(cache.length(), 5);
  cache.clear();
  EXPECT_TRUE(cache.empty());
}

TEST(MultiHeadAttention, GradientsMatchFiniteDifferences) {
  Rng rng(807);
  MultiHeadAttention mha(4, 2, rng, true, DType::F64);
  randomise_biases(mha, rng);
  Tensor q = random_tensor({2, 3, 4}, rng), k = random_tensor({2, 4, 4}, rng), v = random_tensor({2, 4, 4}, rng);
  std::vector<Tensor> inputs{q, k, v};
  for (auto& p : mha.parameters()) inputs.push_back(p);
  const Tensor mask = Tensor::from<double>({1, 1, 1, 0, 1, 0, 1, 1}, {2, 4});
  testing::expect_gradients_match(
      [&](const std::vector<Tensor>& in) { return mha.forward(in[0], in[1], in[2], mask, true).output; }, inputs);
  // self-attention through the fused projection, and through a growing cache
  testing::expect_gradients_match(
      [&](const std::vector<Tensor>& in) {
        KvCache cache;
        const Tensor a = contiguous(slice(in[0], 1, 0, 2)), b = contiguous(slice(in[0], 1, 2, 3));
        mha.forward(a, a, a, Tensor(), true, &cache);
        return mha.forward(b, b, b, Tensor(), true, &cache).output;
      },
      {q, inputs[3], inputs[4]});
}

TEST(MultiHeadAttention, EmptyAndFullyMaskedKeysGiveTheOutputBias) {
  Rng rng(808);
  MultiHeadAttention mha(4, 2, rng);
  randomise_biases(mha, rng);
  const auto bias = mha.out_proj().bias().to_vector<float>();
  MultiHeadResult r = mha.forward(Tensor::ones({2, 3, 4}), Tensor::zeros({2, 0, 4}), Tensor::zeros({2, 0, 4}),
                                  Tensor(), false, nullptr, true);
  EXPECT_EQ(r.weights.shape(), (Shape{2, 2, 3, 0}));
  Values out(r.output);
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t o = 0; o < 4; ++o) EXPECT_FLOAT_EQ(static_cast<float>(out(1, i, o)), bias[static_cast<size_t>(o)]);
  Tensor q = random_tensor({1, 2, 4}, rng, DType::F32);
  Values masked(mha.forward(q, q, q, Tensor::zeros({1, 2})).output);
  for (int64_t o = 0; o < 4; ++o) EXPECT_FLOAT_EQ(static_cast<float>(masked(0, 1, o)), bias[static_cast<size_t>(o)]);
}

TEST(MultiHeadAttention, BadInputsAreErrorsNamingShapes) {
  Rng rng(809);
  expect_error_containing([&] { MultiHeadAttention(6, 4, rng); }, "d_model (6) must be a positive multiple of heads (4)");
  MultiHeadAttention mha(4, 2, rng);
  const Tensor q = Tensor::zeros({2, 3, 4}), k = Tensor::zeros({2, 5, 4});
  expect_error_containing([&] { mha.forward(q, k, Tensor::zeros({2, 6, 4})); },
                          "values [2,6,4] and keys [2,5,4] differ in length");
  expect_error_containing([&] { mha.forward(q, Tensor::zeros({2, 5, 3}), k); }, "got [2,3,4], [2,5,3], [2,5,4]");
  expect_error_containing([&] { mha.forward(q, k, k, Tensor::ones({2, 4})); },
                          "key_mask [2,4] does not match the 5 keys");
  expect_error_containing([&] { mha.forward(q, Tensor::zeros({3, 5, 4}), Tensor::zeros({3, 5, 4})); },
                          "batch sizes differ");
  expect_error_containing([&] { mha.forward(Tensor::zeros({2, 3, 4}, DType::F64), k, k); },
                          "inputs are float64 but the parameters are float32");
  KvCache cache;
  mha.forward(q, q, q, Tensor(), true, &cache);
  const Tensor q1 = Tensor::zeros({1, 1, 4});
  expect_error_containing([&] { mha.forward(q1, q1, q1, Tensor(), true, &cache); },
                          "cache holds batch 2 but the input has batch 1");
}

}  // namespace
}  // namespace attend::attention
