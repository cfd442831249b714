// Row top-k against a stable sort (odd sizes, ties, -inf, a banned index, NaN / +inf), and the fused output
// layer (logits_top_k) against the log-softmax of the logits computed in double: several column blocks,
// -inf and extreme biases, rows with nothing possible, NaN rows, and bf16 with frozen weights.
#include "kernels/top_k.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "kernels/gemm_bf16.h"

namespace attend::kernels {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// The reference: indices of finite-or-(-inf)-excluded values sorted by value (desc), ties by index, first k.
std::vector<int64_t> sorted_top(const std::vector<double>& x, int64_t k, int64_t banned) {
  std::vector<int64_t> idx;
  for (int64_t i = 0; i < static_cast<int64_t>(x.size()); ++i)
    if (i != banned && x[static_cast<size_t>(i)] != -std::numeric_limits<double>::infinity()) idx.push_back(i);
  std::stable_sort(idx.begin(), idx.end(),
                   [&](int64_t a, int64_t b) { return x[static_cast<size_t>(a)] > x[static_cast<size_t>(b)]; });
  if (static_cast<int64_t>(idx.size()) > k) idx.resize(static_cast<size_t>(k));
  return idx;
}

TEST(TopKRow, MatchesAStableSortWithTiesInfAndBan) {
  std::mt19937 rng(3);
  for (int64_t n : {1, 2, 15, 16, 17, 33, 100, 1001}) {
    for (int64_t k : {1, 2, 5, 40}) {
      for (int64_t banned : {int64_t{-1}, int64_t{0}, n / 2}) {
        SCOPED_TRACE(testing::Message() << "n " << n << " k " << k << " banned " << banned);
        std::uniform_int_distribution<int> level(0, 9);  // few distinct values: many ties
        std::vector<float> x(static_cast<size_t>(n));
        std::vector<double> xd(x.size());
        for (size_t i = 0; i < x.size(); ++i) {
          const int l = level(rng);
          x[i] = l == 0 ? -kInf : static_cast<float>(l) * 0.5f;
          xd[i] = x[i];
        }
        std::vector<TopEntry> out(static_cast<size_t>(k));
        const int64_t count = top_k_row(x.data(), n, k, banned, out.data());
        const std::vector<int64_t> want = sorted_top(xd, k, banned);
        ASSERT_EQ(count, static_cast<int64_t>(want.size()));
        for (int64_t j = 0; j < count; ++j) {
          EXPECT_EQ(out[static_cast<size_t>(j)].index, want[static_cast<size_t>(j)]) << "rank " << j;
          EXPECT_EQ(out[static_cast<size_t>(j)].value, x[static_cast<size_t>(want[static_cast<size_t>(j)])]);
        }
      }
    }
  }
}

TEST(TopKRow, RejectsNaNAndPlusInfUnlessBanned) {
  std::vector<float> x(50, 1.f);
  std::vector<TopEntry> out(3);
  for (float bad : {kNaN, kInf}) {
    for (int64_t at : {0, 20, 49}) {  // first, inside a block after the list is full, in the tail
      std::vector<float> y = x;
      y[static_cast<size_t>(at)] = bad;
      EXPECT_EQ(top_k_row(y.data(), 50, 3, -1, out.data()), -1) << "at " << at;
      EXPECT_EQ(top_k_row(y.data(), 50, 3, at, out.data()), 3) << "banned at " << at;
    }
  }
  std::vector<float> none(7, -kInf);
  EXPECT_EQ(top_k_row(none.data(), 7, 3, -1, out.data()), 0);
}

struct Case {
  int64_t rows, in, vocab, k, banned;
};

// Checks logits_top_k against double logits (from xr, wr: the operands as the GEMM sees them).
void expect_matches_reference(const Case& c, const std::vector<float>& x, const std::vector<float>& w,
                              const std::vector<float>& bias, const std::vector<float>& xr,
                              const std::vector<float>& wr, double tol) {
  std::vector<float> logp(static_cast<size_t>(c.rows * c.k));
  std::vector<int64_t> ids(logp.size());
  const int64_t bad = logits_top_k({c.rows, c.in, c.vocab, c.k, c.banned}, x.data(), w.data(),
                                   bias.empty() ? nullptr : bias.data(), logp.data(), ids.data());
  ASSERT_EQ(bad, -1);
  for (int64_t r = 0; r < c.rows; ++r) {
    std::vector<double> z(static_cast<size_t>(c.vocab));
    double m = -std::numeric_limits<double>::infinity();
    for (int64_t v = 0; v < c.vocab; ++v) {
      double acc = bias.empty() ? 0.0 : bias[static_cast<size_t>(v)];
      for (int64_t i = 0; i < c.in; ++i)
        acc += static_cast<double>(xr[static_cast<size_t>(r * c.in + i)]) * wr[static_cast<size_t>(v * c.in + i)];
      z[static_cast<size_t>(v)] = acc;
      m = std::max(m, acc);
    }
    double sum = 0;
    for (double zi : z) sum += std::exp(zi - m);
    const double lse = m + std::log(sum);
    const std::vector<int64_t> want = sorted_top(z, c.k, c.banned);
    for (int64_t j = 0; j < c.k; ++j) {
      const size_t at = static_cast<size_t>(r * c.k + j);
      if (j >= static_cast<int64_t>(want.size())) {
        EXPECT_EQ(ids[at], -1);
        EXPECT_EQ(logp[at], -kInf);
        continue;
      }
      // The j-th best by value (a near-tie may swap two ids; the values must still be the j-th best).
      const double want_value = z[static_cast<size_t>(want[static_cast<size_t>(j)])] - lse;
      ASSERT_GE(ids[at], 0) << "row " << r << " rank " << j;
      ASSERT_NE(ids[at], c.banned);
      EXPECT_NEAR(z[static_cast<size_t>(ids[at])] - lse, want_value, tol) << "row " << r << " rank " << j;
      EXPECT_NEAR(logp[at], z[static_cast<size_t>(ids[at])] - lse, tol) << "row " << r << " rank " << j;
    }
  }
}

std::vector<float> normal(size_t n, std::mt19937& rng, float scale) {
  std::normal_distribution<float> d(0.f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

TEST(LogitsTopK, MatchesLogSoftmaxInDoubleOverBlocksAndOddSizes) {
  std::mt19937 rng(7);
  // Column blocks hold ~2^18 / rows columns: 300 rows x 5003 tokens run in several blocks.
  for (const Case& c : {Case{1, 5, 1, 1, -1}, Case{3, 7, 3, 5, -1}, Case{7, 33, 257, 6, 2}, Case{300, 17, 1000, 6, -1},
                        Case{300, 9, 5003, 11, 4000}, Case{64, 64, 8000, 1, 2}}) {
    SCOPED_TRACE(testing::Message() << "rows " << c.rows << " in " << c.in << " vocab " << c.vocab << " k " << c.k);
    const auto x = normal(static_cast<size_t>(c.rows * c.in), rng, 1.f);
    const auto w = normal(static_cast<size_t>(c.vocab * c.in), rng, 1.f);
    const auto bias = normal(static_cast<size_t>(c.vocab), rng, 2.f);
    expect_matches_reference(c, x, w, bias, x, w, 2e-4);
    expect_matches_reference(c, x, w, {}, x, w, 2e-4);
  }
}

// -inf biases (impossible tokens), biases near exp's range, a whole column block of -inf, a row with nothing
// possible. Blocks are 1024 columns: 2600 tokens make three, the middle one all -inf in the first case.
TEST(LogitsTopK, ExtremeBiasesAndImpossibleTokens) {
  std::mt19937 rng(9);
  const Case c{40, 4, 2600, 6, -1};
  auto x = normal(static_cast<size_t>(c.rows * c.in), rng, 1.f);
  const auto w = normal(static_cast<size_t>(c.vocab * c.in), rng, 0.1f);
  std::vector<float> bias(static_cast<size_t>(c.vocab), -kInf);  // only a few tokens possible...
  for (int64_t v : {3, 400, 2100, 2599}) bias[static_cast<size_t>(v)] = 80.f;  // ... near the top of exp's range
  bias[500] = -80.f;
  expect_matches_reference(c, x, w, bias, x, w, 1e-3);
  // Logits growing block by block: each block's larger max rescales the running sum.
  std::vector<float> ramp(static_cast<size_t>(c.vocab));
  for (int64_t v = 0; v < c.vocab; ++v) ramp[static_cast<size_t>(v)] = 20.f + 0.02f * static_cast<float>(v);
  expect_matches_reference(c, x, w, ramp, x, w, 1e-3);
  // A block 100 above the running max (the sum so far rescaled by e^-100), and one far below it.
  std::vector<float> jump(static_cast<size_t>(c.vocab), 0.f);
  for (int64_t v = 2048; v < c.vocab; ++v) jump[static_cast<size_t>(v)] = 100.f - 0.01f * static_cast<float>(v - 2048);
  for (int64_t v = 1024; v < 2048; ++v) jump[static_cast<size_t>(v)] = -70.f;
  expect_matches_reference(c, x, w, jump, x, w, 1e-3);
  // No possible token at all: every entry padded.
  const std::vector<float> none(static_cast<size_t>(c.vocab), -kInf);
  std::vector<float> logp(static_cast<size_t>(c.rows * c.k));
  std::vector<int64_t> ids(logp.size());
  EXPECT_EQ(logits_top_k({c.rows, c.in, c.vocab, c.k, -1}, x.data(), w.data(), none.data(), logp.data(), ids.data()),
            -1);
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(ids[i], -1);
    EXPECT_EQ(logp[i], -kInf);
  }
}

TEST(LogitsTopK, ReportsTheFirstRowWithNaNOrPlusInf) {
  std::mt19937 rng(5);
  const Case c{6, 3, 600, 4, -1};
  auto x = normal(static_cast<size_t>(c.rows * c.in), rng, 1.f);
  const auto w = normal(static_cast<size_t>(c.vocab * c.in), rng, 1.f);
  std::vector<float> logp(static_cast<size_t>(c.rows * c.k));
  std::vector<int64_t> ids(logp.size());
  x[4 * 3 + 1] = kNaN;  // row 4
  x[2 * 3] = kInf;      // row 2: +inf and -inf logits, some NaN
  EXPECT_EQ(logits_top_k({c.rows, c.in, c.vocab, c.k, -1}, x.data(), w.data(), nullptr, logp.data(), ids.data()), 2);
  // A +inf logit on the banned token still poisons the softmax.
  auto y = normal(static_cast<size_t>(c.rows * c.in), rng, 1.f);
  std::vector<float> bias(static_cast<size_t>(c.vocab), 0.f);
  bias[7] = kInf;
  EXPECT_EQ(logits_top_k({c.rows, c.in, c.vocab, c.k, 7}, y.data(), w.data(), bias.data(), logp.data(), ids.data()), 0);
}

// A block whose max cannot enter the full best list is not scanned; a NaN hidden in such a block must still mark
// the row (through its sum), on the banned token as elsewhere.
TEST(LogitsTopK, FindsANaNInABlockTooLowToEnterTheList) {
  std::mt19937 rng(11);
  const Case c{5, 4, 2600, 3, -1};  // blocks of 1024 columns: the NaN sits in the third
  const auto x = normal(static_cast<size_t>(c.rows * c.in), rng, 1.f);
  const auto w = normal(static_cast<size_t>(c.vocab * c.in), rng, 0.1f);
  std::vector<float> bias(static_cast<size_t>(c.vocab), -50.f);
  for (int64_t v = 0; v < 8; ++v) bias[static_cast<size_t>(v)] = 50.f;  // the list fills in the first block
  bias[2200] = kNaN;
  std::vector<float> logp(static_cast<size_t>(c.rows * c.k));
  std::vector<int64_t> ids(logp.size());
  auto first_bad = [&](int64_t banned) {
    return logits_top_k({c.rows, c.in, c.vocab, c.k, banned}, x.data(), w.data(), bias.data(), logp.data(), ids.data());
  };
  EXPECT_EQ(first_bad(-1), 0);
  EXPECT_EQ(first_bad(2200), 0);
  bias[2200] = -50.f;  // without it every row is fine and the best are among the first eight tokens
  EXPECT_EQ(first_bad(-1), -1);
  for (int64_t id : ids) EXPECT_LT(id, 8);
  expect_matches_reference(c, x, w, bias, x, w, 1e-3);
}

// In bf16 the logits come from bf16-rounded operands; the weights are frozen, so their column blocks are
// rounded once and found again inside the frozen buffer.
TEST(LogitsTopK, Bf16WithFrozenWeightsMatchesTheRoundedReference) {
  // Without native bf16, gemm() stays in float and reads the live weights: the reference is then the
  // operands as they are at each call.
  const bool native = bf16_gemm_native();
  struct Restore {
    Restore() {
      set_gemm_precision(GemmPrecision::Bf16);
      set_bf16_all_sizes(true);
    }
    ~Restore() {
      set_gemm_precision(GemmPrecision::F32);
      set_bf16_all_sizes(false);
    }
  } restore;
  std::mt19937 rng(13);
  const Case c{200, 40, 3001, 6, -1};
  const auto x = normal(static_cast<size_t>(c.rows * c.in), rng, 1.f);
  const auto w = normal(static_cast<size_t>(c.vocab * c.in), rng, 1.f);
  const auto bias = normal(static_cast<size_t>(c.vocab), rng, 1.f);
  auto seen = [&](const std::vector<float>& v) {  // an operand as the GEMM sees it
    if (!native) return v;
    std::vector<float> r(v.size());
    for (size_t i = 0; i < v.size(); ++i) r[i] = from_bf16(to_bf16(v[i]));
    return r;
  };
  auto changed = w;
  FrozenBf16Operands frozen({{changed.data(), static_cast<int64_t>(changed.size())}});
  expect_matches_reference(c, x, changed, bias, seen(x), seen(w), 2e-4);
  // The promise broken on purpose: in bf16 the blocks' copies made above are used, not the new values.
  for (float& v : changed) v = -v;
  expect_matches_reference(c, x, changed, bias, seen(x), native ? seen(w) : changed, 2e-4);
}

}  // namespace
}  // namespace attend::kernels
