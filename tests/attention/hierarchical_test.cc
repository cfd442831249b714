// HierarchicalAttention: weights per chunk sum to 1 with masked and padded positions at exactly 0, values
// against a plain double reference (2 and 3 levels, given and learned query), finite-difference gradients of
// every parameter (float64 module), the Attention interface, and N = 10,000 in well under a second with
// O(N D) memory.
#include "attention/hierarchical.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <vector>

#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "tensor/allocator.h"

namespace attend::attention {
namespace {

using Vec = std::vector<double>;

// The module's parameters by name, as double vectors.
std::map<std::string, Vec> parameters_of(const HierarchicalAttention& m) {
  std::map<std::string, Vec> out;
  for (const auto& [name, t] : m.named_parameters()) out[name] = t.to_vector<double>();
  return out;
}

// u . tanh(W x + b (+ extra)), W: [H, D] row-major.
double additive_score(const Vec& W, const Vec& b, const Vec& u, const Vec& x, const Vec* extra) {
  const size_t H = b.size(), D = x.size();
  double s = 0;
  for (size_t h = 0; h < H; ++h) {
    double a = b[h] + (extra ? (*extra)[h] : 0.0);
    for (size_t d = 0; d < D; ++d) a += W[h * D + d] * x[d];
    s += u[h] * std::tanh(a);
  }
  return s;
}

// Softmax over the entries with real[i], 0 elsewhere (all 0 when none is real).
Vec masked_softmax(const Vec& s, const std::vector<bool>& real) {
  double m = -1e300, z = 0;
  for (size_t i = 0; i < s.size(); ++i)
    if (real[i]) m = std::max(m, s[i]);
  Vec p(s.size(), 0.0);
  for (size_t i = 0; i < s.size(); ++i)
    if (real[i]) z += (p[i] = std::exp(s[i] - m));
  for (double& v : p) v = z > 0 ? v / z : 0.0;
  return p;
}

struct Reference {
  std::vector<Vec> context;    // [Tq][D]
  std::vector<Vec> effective;  // [Tq][N]
};

// One batch element: x [N][D], mask [N], query [Tq][Dq] (empty = learned query).
Reference reference(const HierarchicalConfig& c, std::map<std::string, Vec> p, std::vector<Vec> items,
                    std::vector<bool> real, const std::vector<Vec>& query) {
  const size_t N = items.size(), C = static_cast<size_t>(c.chunk_size), D = static_cast<size_t>(c.input_dim);
  std::vector<Vec> eff(N, Vec(N, 0.0));  // each item's weights over the original positions
  for (size_t i = 0; i < N; ++i) eff[i][i] = 1;
  for (int l = 0; l + 1 < c.levels; ++l) {
    const std::string name = "level" + std::to_string(l);
    const size_t M = items.size(), P = (M + C - 1) / C;
    std::vector<Vec> next_items, next_eff;
    std::vector<bool> next_real;
    for (size_t q = 0; q < P; ++q) {
      Vec s, summary(D, 0.0), e(N, 0.0);
      std::vector<bool> r;
      for (size_t j = q * C; j < q * C + C; ++j) {
        const bool in = j < M && real[j];
        r.push_back(in);
        s.push_back(in ? additive_score(p[name + ".weight"], p[name + ".bias"], p[name + ".score"], items[j], nullptr)
                       : 0.0);
      }
      const Vec a = masked_softmax(s, r);
      bool any = false;
      for (size_t j = 0; j < C; ++j)
        if (r[j]) {
          any = true;
          for (size_t d = 0; d < D; ++d) summary[d] += a[j] * items[q * C + j][d];
          for (size_t n = 0; n < N; ++n) e[n] += a[j] * eff[q * C + j][n];
        }
      next_items.push_back(summary);
      next_eff.push_back(e);
      next_real.push_back(any);
    }
    items = next_items;
    eff = next_eff;
    real = next_real;
  }
  Reference out;
  const size_t Tq = query.empty() ? 1 : query.size(), H = static_cast<size_t>(c.hidden_dim);
  for (size_t t = 0; t < Tq; ++t) {
    Vec projected(H, 0.0);
    if (!query.empty()) {
      const size_t Dq = query[t].size();
      for (size_t h = 0; h < H; ++h)
        for (size_t d = 0; d < Dq; ++d) projected[h] += p["top.query_weight"][h * Dq + d] * query[t][d];
    }
    Vec s;
    for (const Vec& item : items)
      s.push_back(additive_score(p["top.weight"], p["top.bias"], p["top.score"], item, &projected));
    const Vec a = masked_softmax(s, real);
    Vec ctx(D, 0.0), e(N, 0.0);
    for (size_t m = 0; m < items.size(); ++m) {
      for (size_t d = 0; d < D; ++d) ctx[d] += a[m] * items[m][d];
      for (size_t n = 0; n < N; ++n) e[n] += a[m] * eff[m][n];
    }
    out.context.push_back(ctx);
    out.effective.push_back(e);
  }
  return out;
}

HierarchicalConfig config(int64_t D, int64_t H, int64_t C, int levels, int64_t Dq, DType dtype) {
  HierarchicalConfig c;
  c.input_dim = D;
  c.hidden_dim = H;
  c.chunk_size = C;
  c.levels = levels;
  c.query_dim = Dq;
  c.dtype = dtype;
  return c;
}

// mask [B, N] with about 30% masked, batch 1 keeping only position N - 1 (a lone real position in the
// padded last chunk), and a fully masked first chunk in batch 0.
Tensor test_mask(int64_t B, int64_t N, int64_t C, Rng& rng, DType dtype) {
  Tensor m = Tensor::empty({B, N}, DType::F64);
  double* p = m.data<double>();
  for (int64_t i = 0; i < B * N; ++i) p[i] = rng.uniform() < 0.3 ? 0 : 1;
  for (int64_t j = 0; j < std::min(C, N - 1); ++j) p[j] = 0;
  if (B > 1)
    for (int64_t j = 0; j < N; ++j) p[N + j] = j == N - 1 ? 1 : 0;
  return m.copy(dtype);
}

TEST(HierarchicalAttention, ChunkWeightsSumToOneAndMaskedOrPaddedPositionsGetZero) {
  Rng rng(201);
  for (int levels : {2, 3}) {
    const int64_t B = 3, N = 23, D = 6, C = 4, Tq = 2;
    HierarchicalAttention att(config(D, 5, C, levels, 3, DType::F32), rng);
    Tensor x = Tensor::empty({B, N, D});
    rng.fill_normal(x, 0, 1);
    Tensor q = Tensor::empty({B, Tq, 3});
    rng.fill_normal(q, 0, 1);
    const Tensor mask = test_mask(B, N, C, rng, DType::F32);
    const HierarchicalResult r = att.forward_levels(x, mask, q);
    ASSERT_EQ(r.chunk_weights.size(), static_cast<size_t>(levels - 1));
    ASSERT_EQ(r.chunk_weights[0].shape(), Shape({B, 6, C}));  // ceil(23 / 4) = 6 chunks, one padded
    ASSERT_EQ(r.weights.shape(), Shape({B, Tq, N}));
    ASSERT_EQ(r.context.shape(), Shape({B, Tq, D}));
    const std::vector<float> m = mask.to_vector<float>();
    const Tensor& w0 = r.chunk_weights[0];
    for (int64_t b = 0; b < B; ++b)
      for (int64_t p = 0; p < 6; ++p) {
        double sum = 0;
        bool any = false;
        for (int64_t j = 0; j < C; ++j) {
          const int64_t pos = p * C + j;
          const bool real = pos < N && m[static_cast<size_t>(b * N + pos)] != 0;
          any = any || real;
          if (!real) {
            ASSERT_EQ(w0.at({b, p, j}), 0.0) << "masked or padded position " << pos;
          }
          sum += w0.at({b, p, j});
        }
        EXPECT_NEAR(sum, any ? 1.0 : 0.0, 1e-6) << "chunk " << p;
      }
    for (int64_t b = 0; b < B; ++b)
      for (int64_t t = 0; t < Tq; ++t) {
        double sum = 0, top_sum = 0;
        for (int64_t n = 0; n < N; ++n) {
          if (m[static_cast<size_t>(b * N + n)] == 0) {
            ASSERT_EQ(r.weights.at({b, t, n}), 0.0);
          }
          sum += r.weights.at({b, t, n});
        }
        for (int64_t k = 0; k < r.top_weights.size(2); ++k) top_sum += r.top_weights.at({b, t, k});
        EXPECT_NEAR(sum, 1.0, 1e-5);
        EXPECT_NEAR(top_sum, 1.0, 1e-6);
      }
    // batch 1 has one real position: all weight on it, the context is that input row.
    for (int64_t d = 0; d < D; ++d) EXPECT_NEAR(r.context.at({1, 0, d}), x.at({1, N - 1, d}), 1e-5);
  }
}

TEST(HierarchicalAttention, MatchesDoubleReference) {
  Rng rng(202);
  struct Case {
    int64_t N, C;
    int levels;
    int64_t Dq;
  };
  for (const Case& k : {Case{5, 2, 2, 2}, Case{5, 2, 2, 0}, Case{11, 2, 3, 3}, Case{1, 3, 2, 2}, Case{13, 3, 4, 2}}) {
    const int64_t B = 2, D = 3, H = 4, Tq = 2;
    const HierarchicalConfig c = config(D, H, k.C, k.levels, k.Dq, DType::F64);
    HierarchicalAttention att(c, rng);
    Tensor x = Tensor::empty({B, k.N, D}, DType::F64);
    rng.fill_uniform(x, -2, 2);
    Tensor mask = Tensor::ones({B, k.N}, DType::F64);
    if (k.N > 2) mask.data<double>()[1] = 0;
    Tensor q;
    if (k.Dq > 0) {
      q = Tensor::empty({B, Tq, k.Dq}, DType::F64);
      rng.fill_uniform(q, -1, 1);
    }
    const HierarchicalResult r = att.forward_levels(x, mask, q);
    for (int64_t b = 0; b < B; ++b) {
      std::vector<Vec> items, query;
      std::vector<bool> real;
      for (int64_t n = 0; n < k.N; ++n) {
        Vec row;
        for (int64_t d = 0; d < D; ++d) row.push_back(x.at({b, n, d}));
        items.push_back(row);
        real.push_back(mask.at({b, n}) != 0);
      }
      for (int64_t t = 0; k.Dq > 0 && t < Tq; ++t) {
        Vec row;
        for (int64_t d = 0; d < k.Dq; ++d) row.push_back(q.at({b, t, d}));
        query.push_back(row);
      }
      const Reference ref = reference(c, parameters_of(att), items, real, query);
      ASSERT_EQ(r.context.size(1), static_cast<int64_t>(ref.context.size()));
      for (size_t t = 0; t < ref.context.size(); ++t) {
        for (int64_t d = 0; d < D; ++d)
          ASSERT_NEAR(r.context.at({b, static_cast<int64_t>(t), d}), ref.context[t][static_cast<size_t>(d)], 1e-12);
        for (int64_t n = 0; n < k.N; ++n)
          ASSERT_NEAR(r.weights.at({b, static_cast<int64_t>(t), n}), ref.effective[t][static_cast<size_t>(n)], 1e-12);
      }
    }
  }
}

TEST(HierarchicalAttention, ParameterGradientsMatchFiniteDifferences) {
  // Float64 module, so central differences are tight (default harness tolerances).
  Rng rng(203);
  for (int levels : {2, 3})
    for (int64_t Dq : {int64_t{0}, int64_t{2}}) {
      const int64_t B = 2, N = 7, D = 3;
      HierarchicalAttention att(config(D, 4, 2, levels, Dq, DType::F64), rng);
      Tensor x = testing::random_input({B, N, D}, rng);
      Tensor q = Dq > 0 ? testing::random_input({B, 2, Dq}, rng) : Tensor();
      Tensor mask = Tensor::ones({B, N}, DType::F64);
      mask.data<double>()[2] = 0;
      mask.data<double>()[N + 6] = 0;
      std::vector<Tensor> inputs{x};
      if (q.defined()) inputs.push_back(q);
      for (const Tensor& p : att.parameters()) inputs.push_back(p);
      testing::expect_gradients_match(
          [&](const std::vector<Tensor>& v) {
            HierarchicalResult r = att.forward_levels(v[0], mask, q.defined() ? v[1] : Tensor());
            return concat({reshape(r.context, {B, -1}), reshape(r.weights, {B, -1})}, 1);
          },
          inputs);
    }
}

TEST(HierarchicalAttention, AttentionInterfaceUsesKeysAsTheSequence) {
  Rng rng(204);
  HierarchicalAttention att(config(4, 3, 3, 2, 2, DType::F32), rng);
  AttentionInputs in;
  in.keys = Tensor::empty({2, 8, 4});
  rng.fill_normal(in.keys, 0, 1);
  in.values = in.keys;
  in.query = Tensor::empty({2, 5, 2});
  rng.fill_normal(in.query, 0, 1);
  in.key_mask = Tensor::ones({2, 8});
  AttentionResult r = att.forward(in, rng);
  HierarchicalResult h = att.forward_levels(in.keys, in.key_mask, in.query);
  EXPECT_EQ(r.context.to_vector<float>(), h.context.to_vector<float>());
  EXPECT_EQ(r.weights.to_vector<float>(), h.weights.to_vector<float>());
  EXPECT_EQ(att.config().score, Score::Additive);
  in.values = in.keys.copy();
  EXPECT_THROW(att.forward(in, rng), Error);  // a different values tensor
  in.values = Tensor();
  in.causal = true;
  EXPECT_THROW(att.forward(in, rng), Error);
  HierarchicalAttention no_query(config(4, 3, 3, 2, 0, DType::F32), rng);
  in.causal = false;
  EXPECT_THROW(no_query.forward(in, rng), Error);  // no query projection
  in.query = Tensor();
  EXPECT_EQ(no_query.forward(in, rng).context.shape(), Shape({2, 1, 4}));  // learned query
}

TEST(HierarchicalAttention, ConfigJsonRoundTripAndErrors) {
  const HierarchicalConfig c = config(16, 8, 32, 3, 4, DType::F64);
  const HierarchicalConfig back = HierarchicalConfig::from_json(c.to_json());
  EXPECT_EQ(back.to_json(), c.to_json());
  EXPECT_THROW(HierarchicalConfig::from_json({{"input_dim", 4}, {"hidden_dim", 4}, {"chunk_size", 2}, {"lvls", 2}}),
               Error);
  EXPECT_THROW(HierarchicalConfig::from_json({{"input_dim", 4}, {"hidden_dim", 4}, {"chunk_size", 2}, {"levels", 1}}),
               Error);
  Rng rng(1);
  EXPECT_THROW(HierarchicalAttention(config(4, 4, 0, 2, 0, DType::F32), rng), Error);
}

TEST(HierarchicalAttention, TenThousandPositionsWithLinearMemory) {
  Rng rng(205);
  const int64_t N = 10000, D = 64, H = 64, C = 100;
  HierarchicalAttention att(config(D, H, C, 2, D, DType::F32), rng);
  Tensor x = Tensor::empty({1, N, D});
  rng.fill_normal(x, 0, 1);
  x.set_requires_grad();
  Tensor q = Tensor::empty({1, 1, D});
  rng.fill_normal(q, 0, 1);
  Tensor mask = Tensor::ones({1, N});
  mask.data<float>()[N - 1] = 0;
  // warm-up (allocator cache, oneDNN primitives)
  att.forward_levels(x, mask, q).context.backward(Tensor::ones({1, 1, D}));
  att.zero_grad();
  x.zero_grad();

  const uint64_t before = allocator_stats().bytes_in_use;
  HierarchicalResult r = att.forward_levels(x, mask, q);
  // Everything the forward keeps alive (outputs and what the tape saved for backward).
  const uint64_t held = allocator_stats().bytes_in_use - before;
  r.context.backward(Tensor::ones({1, 1, D}));
  EXPECT_LT(held, static_cast<uint64_t>(8 * (D + H) * N * sizeof(float))) << "an N x N matrix alone is 400 MB";
  EXPECT_TRUE(x.grad().defined());
  EXPECT_EQ(x.grad().at({0, N - 1, 0}), 0.0);  // the masked position gets no gradient
}

}  // namespace
}  // namespace attend::attention
