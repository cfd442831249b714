// Flash attention kernels (float, every vector code this CPU runs) against the reference twin in double:
// output, log-sum-exp, dQ, dK, dV over odd lengths, Tq != Tk, head sizes 1..80, causal and padding
// masks (lengths of 0 included), logits near +-1e4. Outputs are poisoned with NaN first; gradients start
// from random values so that "adds into" is checked on every element.
#include "kernels/flash_attention.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "kernels/ref/attention.h"
#include "tensor/rng.h"

namespace attend::kernels {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

struct Case {
  int64_t batch = 1, heads = 1, tq = 1, tk = 1, dim = 16, dim_v = 16;
  bool causal = false;
  std::vector<int32_t> lengths = {};  // empty: no padding
  double input_scale = 1.0;      // range of q and k: 30 makes q.k of up to ~1e4 at D = 64
  double scale = 0;              // of the logits; 0: 1/sqrt(D)
  double tol = 2e-5;             // relative to the largest reference magnitude of each array
};

std::string describe(const Case& c) {
  std::string s = "B=" + std::to_string(c.batch) + " H=" + std::to_string(c.heads) + " Tq=" + std::to_string(c.tq) +
                  " Tk=" + std::to_string(c.tk) + " D=" + std::to_string(c.dim) + " Dv=" + std::to_string(c.dim_v) +
                  (c.causal ? " causal" : "") + " isa=" + flash_attention_isa();
  if (!c.lengths.empty()) {
    s += " lengths=";
    for (int32_t l : c.lengths) s += std::to_string(l) + ",";
  }
  return s;
}

std::vector<float> random_floats(int64_t n, Rng& rng, double scale) {
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = static_cast<float>(rng.uniform(-scale, scale));
  return v;
}
std::vector<double> widen(const std::vector<float>& v) { return {v.begin(), v.end()}; }

// Every element written, finite where the reference is, and within tol * max|ref| (+-inf must match).
void expect_close(const std::vector<float>& got, const std::vector<double>& want, double tol, const std::string& what,
                  const Case& c) {
  ASSERT_EQ(got.size(), want.size());
  double mag = 1e-30;
  for (double w : want)
    if (std::isfinite(w)) mag = std::max(mag, std::abs(w));
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_FALSE(std::isnan(got[i])) << what << "[" << i << "] is NaN (not written?) " << describe(c);
    if (std::isinf(want[i])) {
      ASSERT_EQ(static_cast<double>(got[i]), want[i]) << what << "[" << i << "] " << describe(c);
      continue;
    }
    ASSERT_TRUE(std::isfinite(got[i])) << what << "[" << i << "] = " << got[i] << " " << describe(c);
    ASSERT_NEAR(got[i], want[i], tol * mag + 1e-6 * std::abs(want[i])) << what << "[" << i << "] " << describe(c);
  }
}

void run_case(const Case& c, uint64_t seed) {
  Rng rng(seed);
  const AttentionShape s{c.batch, c.heads, c.tq, c.tk, c.dim, c.dim_v};
  AttentionParams p;
  p.scale = c.scale != 0 ? c.scale : 1.0 / std::sqrt(static_cast<double>(c.dim));
  p.causal = c.causal;
  p.key_lengths = c.lengths.empty() ? nullptr : c.lengths.data();
  const int64_t bh = c.batch * c.heads;
  const auto q = random_floats(bh * c.tq * c.dim, rng, c.input_scale);
  const auto k = random_floats(bh * c.tk * c.dim, rng, c.input_scale);
  const auto v = random_floats(bh * c.tk * c.dim_v, rng, 1.0);
  const auto dout = random_floats(bh * c.tq * c.dim_v, rng, 1.0);
  const auto dq0 = random_floats(bh * c.tq * c.dim, rng, 1.0);
  const auto dk0 = random_floats(bh * c.tk * c.dim, rng, 1.0);
  const auto dv0 = random_floats(bh * c.tk * c.dim_v, rng, 1.0);

  std::vector<float> o(static_cast<size_t>(bh * c.tq * c.dim_v), kNaN), lse(static_cast<size_t>(bh * c.tq), kNaN);
  flash_attention_forward(s, p, q.data(), k.data(), v.data(), o.data(), lse.data());
  std::vector<float> dq = dq0, dk = dk0, dv = dv0;
  flash_attention_backward(s, p, q.data(), k.data(), v.data(), o.data(), lse.data(), dout.data(), dq.data(), dk.data(),
                           dv.data());

  const auto qd = widen(q), kd = widen(k), vd = widen(v), dod = widen(dout);
  std::vector<double> scratch(static_cast<size_t>(ref::attention_backward_scratch_size(s)));
  std::vector<double> o_ref(o.size()), lse_ref(lse.size());
  ref::attention_forward(s, p, qd.data(), kd.data(), vd.data(), o_ref.data(), lse_ref.data(), scratch.data());
  std::vector<double> dq_ref = widen(dq0), dk_ref = widen(dk0), dv_ref = widen(dv0);
  ref::attention_backward(s, p, qd.data(), kd.data(), vd.data(), dod.data(), dq_ref.data(), dk_ref.data(),
                          dv_ref.data(), scratch.data());
  // The gradients are compared as added amounts, so the random start does not hide small errors.
  auto added = [](std::vector<float> got, const std::vector<float>& start) {
    for (size_t i = 0; i < got.size(); ++i) got[i] -= start[i];
    return got;
  };
  auto added_ref = [](std::vector<double> want, const std::vector<float>& start) {
    for (size_t i = 0; i < want.size(); ++i) want[i] -= start[i];
    return want;
  };
  expect_close(o, o_ref, c.tol, "o", c);
  expect_close(lse, lse_ref, c.tol, "lse", c);
  expect_close(added(dq, dq0), added_ref(dq_ref, dq0), 4 * c.tol, "dq", c);
  expect_close(added(dk, dk0), added_ref(dk_ref, dk0), 4 * c.tol, "dk", c);
  expect_close(added(dv, dv0), added_ref(dv_ref, dv0), 4 * c.tol, "dv", c);
}

// Runs body once per vector code this CPU supports, then goes back to the best one.
template <class Body>
void for_each_isa(Body&& body) {
  for (const char* isa : {"avx512", "avx2", "generic"}) {
    if (!flash_attention_set_isa(isa)) continue;
    SCOPED_TRACE(isa);
    body();
  }
  flash_attention_set_isa(nullptr);
}

TEST(FlashAttention, ReferenceMatchesHandComputedValues) {
  // One query, two keys, D = 1: scores 1*1 and 1*2 (scale 1), weights e^1/(e^1+e^2), e^2/(e^1+e^2).
  const AttentionShape s{1, 1, 1, 2, 1, 1};
  const std::vector<double> q{1}, k{1, 2}, v{10, 20};
  std::vector<double> o(1), lse(1), scratch(2 * 2);
  ref::attention_forward(s, AttentionParams{1.0, false, nullptr}, q.data(), k.data(), v.data(), o.data(), lse.data(),
                         scratch.data());
  const double w1 = std::exp(1.0) / (std::exp(1.0) + std::exp(2.0));
  EXPECT_NEAR(o[0], 10 * w1 + 20 * (1 - w1), 1e-12);
  EXPECT_NEAR(lse[0], std::log(std::exp(1.0) + std::exp(2.0)), 1e-12);
  // Causal with Tq = 1 < Tk = 2: the query is aligned to the last key, so it sees both.
  ref::attention_forward(s, AttentionParams{1.0, true, nullptr}, q.data(), k.data(), v.data(), o.data(), lse.data(),
                         scratch.data());
  EXPECT_NEAR(o[0], 10 * w1 + 20 * (1 - w1), 1e-12);
  const int32_t len1 = 1;  // padding: only the first key
  ref::attention_forward(s, AttentionParams{1.0, false, &len1}, q.data(), k.data(), v.data(), o.data(), lse.data(),
                         scratch.data());
  EXPECT_NEAR(o[0], 10, 1e-12);
  EXPECT_NEAR(lse[0], 1.0, 1e-12);
}

TEST(FlashAttention, MatchesReferenceOnOddLengths) {
  for_each_isa([] {
    uint64_t seed = 1;
    for (int64_t n : {1, 7, 63, 65})
      for (bool causal : {false, true}) run_case({.tq = n, .tk = n, .dim = 16, .dim_v = 16, .causal = causal}, ++seed);
  });
}

TEST(FlashAttention, MatchesReferenceWithQueriesAndKeysOfDifferentLengths) {
  for_each_isa([] {
    uint64_t seed = 100;
    for (auto [tq, tk] : {std::pair<int64_t, int64_t>{1, 65}, {7, 130}, {65, 63}, {130, 7}, {64, 200}, {200, 64}})
      for (bool causal : {false, true})
        run_case({.batch = 2, .heads = 2, .tq = tq, .tk = tk, .dim = 16, .dim_v = 16, .causal = causal}, ++seed);
  });
}

TEST(FlashAttention, MatchesReferenceForHeadSizes) {
  for_each_isa([] {
    uint64_t seed = 200;
    for (int64_t d : {1, 16, 64, 80})
      for (bool causal : {false, true})
        run_case({.heads = 2, .tq = 70, .tk = 90, .dim = d, .dim_v = d == 80 ? 24 : d, .causal = causal}, ++seed);
    run_case({.tq = 33, .tk = 47, .dim = 5, .dim_v = 3}, ++seed);  // D and Dv not multiples of any vector
  });
}

TEST(FlashAttention, PaddingLengthsIncludingEmptyRows) {
  for_each_isa([] {
    uint64_t seed = 300;
    for (bool causal : {false, true}) {
      run_case({.batch = 4, .heads = 2, .tq = 65, .tk = 130, .dim = 16, .dim_v = 16, .causal = causal,
                .lengths = {0, 1, 64, 130}},
               ++seed);
      run_case({.batch = 3, .tq = 7, .tk = 7, .dim = 64, .dim_v = 64, .causal = causal, .lengths = {0, 7, 3}},
               ++seed);
    }
  });
}

TEST(FlashAttention, CausalWithMoreQueriesThanKeysLeavesEarlyQueriesEmpty) {
  // Tq = 70 > Tk = 5: queries 0..64 see no key (output 0, L = -inf, no gradient); the rest see a prefix.
  for_each_isa([] { run_case({.tq = 70, .tk = 5, .dim = 16, .dim_v = 16, .causal = true}, 400); });
}

TEST(FlashAttention, LongSequences) {
  // Threads take whole heads (B*H = 2, dQ added in place) ...
  run_case({.heads = 2, .tq = 1000, .tk = 1000, .dim = 64, .dim_v = 64, .causal = true, .tol = 3e-5}, 500);
  // ... or split the key tiles of one head, each adding into its own padded dQ (D = 40: no whole vectors).
  run_case({.tq = 1000, .tk = 700, .dim = 40, .dim_v = 72, .causal = true, .lengths = {650}, .tol = 3e-5}, 501);
}

TEST(FlashAttention, HugeLogitsStayFinite) {
  // q.k up to ~1e4, as logits (scale 1) and scaled by 1/8: nearly one-hot weights. Float scores of 1e4
  // carry absolute errors of ~1e-3, hence the looser bound against the double reference.
  for_each_isa([] {
    uint64_t seed = 600;
    for (double scale : {0.0, 1.0})
      for (bool causal : {false, true})
        run_case({.tq = 65, .tk = 63, .dim = 64, .dim_v = 64, .causal = causal, .input_scale = 30.0, .scale = scale,
                  .tol = 2e-2},
                 ++seed);
  });
}

TEST(FlashAttention, EmptySequences) {
  const AttentionShape s{2, 1, 5, 0, 4, 4};  // Tk = 0: outputs are zeros, L = -inf
  std::vector<float> q(40, 1.f), o(40, kNaN), lse(10, kNaN);
  flash_attention_forward(s, {}, q.data(), nullptr, nullptr, o.data(), lse.data());
  for (float x : o) EXPECT_EQ(x, 0.f);
  for (float x : lse) EXPECT_EQ(x, -kInf);
  std::vector<float> dq(40, 2.f);
  flash_attention_backward(s, {}, q.data(), nullptr, nullptr, o.data(), lse.data(), o.data(), dq.data(), nullptr,
                           nullptr);
  for (float x : dq) EXPECT_EQ(x, 2.f);  // nothing added
  const AttentionShape none{2, 1, 0, 5, 4, 4};  // Tq = 0: nothing to do, no pointer touched
  flash_attention_forward(none, {}, nullptr, nullptr, nullptr, nullptr, nullptr);
  flash_attention_backward(none, {}, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr);
}

}  // namespace
}  // namespace attend::kernels
