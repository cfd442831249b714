// bf16 GEMM: rounding to nearest even, the product against the double-accumulating reference twin run on the
// same rounded inputs (odd sizes, every transpose, padded strides, alpha/beta, extreme magnitudes), and the
// dispatch from kernels::gemm under each precision.
#include "kernels/gemm_bf16.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <tuple>
#include <limits>
#include <random>
#include <vector>

namespace attend::kernels {
namespace {

// Sets the process-wide precision and threshold for one test and restores the defaults after it.
struct PrecisionScope {
  PrecisionScope(GemmPrecision p, bool all_sizes) {
    set_gemm_precision(p);
    set_bf16_all_sizes(all_sizes);
  }
  ~PrecisionScope() {
    set_gemm_precision(GemmPrecision::F32);
    set_bf16_all_sizes(false);
  }
};

TEST(GemmBf16, RoundsToNearestEven) {
  EXPECT_EQ(to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(to_bf16(-2.0f), 0xc000);
  // 1 + 2^-8 lies halfway between 1 (even) and 1 + 2^-7: ties go to the even one.
  EXPECT_EQ(to_bf16(1.0f + std::ldexp(1.0f, -8)), 0x3f80);
  // 1 + 3 * 2^-8 lies halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even).
  EXPECT_EQ(to_bf16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3f82);
  // Just above the halfway point rounds up.
  EXPECT_EQ(to_bf16(std::nextafter(1.0f + std::ldexp(1.0f, -8), 2.0f)), 0x3f81);
  EXPECT_EQ(to_bf16(std::numeric_limits<float>::infinity()), 0x7f80);
  EXPECT_EQ(to_bf16(std::numeric_limits<float>::max()), 0x7f80);  // rounds past the largest bf16
  EXPECT_TRUE(std::isnan(from_bf16(to_bf16(std::numeric_limits<float>::quiet_NaN()))));
  EXPECT_TRUE(std::isnan(from_bf16(to_bf16(std::bit_cast<float>(0x7f800001u)))));  // a NaN that would round to inf
  EXPECT_EQ(from_bf16(to_bf16(0.15625f)), 0.15625f);                                  // exactly representable
  EXPECT_EQ(to_bf16(-0.0f), 0x8000);
}

std::vector<float> random_matrix(int64_t rows, int64_t ld, std::mt19937& rng, float scale) {
  std::normal_distribution<float> d(0.f, scale);
  std::vector<float> m(static_cast<size_t>(rows * ld));
  for (float& v : m) v = d(rng);
  return m;
}

std::vector<float> rounded(const std::vector<float>& m) {
  std::vector<float> r(m.size());
  for (size_t i = 0; i < m.size(); ++i) r[i] = from_bf16(to_bf16(m[i]));
  return r;
}

// Products of bf16 values are exact in float, so the only difference from the double reference on the rounded
// inputs is float accumulation: relative error ~ k * 2^-24 of the sum of |terms|.
void expect_matches_reference(GemmShape s, float alpha, float beta, float scale) {
  std::mt19937 rng(static_cast<unsigned>(s.m * 131 + s.n * 17 + s.k + (s.trans_a ? 7 : 0) + (s.trans_b ? 3 : 0)));
  const int64_t a_rows = s.trans_a ? s.k : s.m, b_rows = s.trans_b ? s.n : s.k;
  const auto a = random_matrix(a_rows, s.lda, rng, scale), b = random_matrix(b_rows, s.ldb, rng, scale);
  auto c = random_matrix(s.m, s.ldc, rng, 1.f);
  auto want = c;
  const auto ra = rounded(a), rb = rounded(b);
  ref::gemm(s, alpha, ra.data(), rb.data(), beta, want.data());
  // Bound: float accumulation of k terms errs by at most ~k * 2^-24 of the sum of their magnitudes.
  auto abs_of = [](std::vector<float> m) {
    for (float& v : m) v = std::abs(v);
    return m;
  };
  std::vector<float> magnitude(c.size());
  ref::gemm(s, std::abs(alpha), abs_of(ra).data(), abs_of(rb).data(), 0.f, magnitude.data());
  const auto c_before = c;
  gemm_bf16(s, alpha, a.data(), b.data(), beta, c.data());
  for (int64_t i = 0; i < s.m; ++i) {
    for (int64_t j = 0; j < s.ldc; ++j) {
      const size_t at = static_cast<size_t>(i * s.ldc + j);
      if (j >= s.n) {
        ASSERT_EQ(c[at], want[at]) << "padding column " << j << " was written";  // outside C: untouched
        continue;
      }
      const double tol = static_cast<double>(s.k + 2) * std::ldexp(1.0, -23) *
                         (magnitude[at] + std::abs(beta * c_before[at]) + std::abs(want[at]));
      ASSERT_NEAR(c[at], want[at], tol) << "at " << i << "," << j << " ta=" << s.trans_a
                                                                    << " tb=" << s.trans_b;
    }
  }
}

TEST(GemmBf16, MatchesReferenceOnRoundedInputsOverOddSizesAndTransposes) {
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      for (auto [m, n, k] : {std::tuple<int64_t, int64_t, int64_t>{1, 1, 1}, {7, 13, 5}, {37, 129, 65},
                             {64, 3, 255}, {130, 97, 33}}) {
        GemmShape s{ta, tb, m, n, k, (ta ? m : k) + 3, (tb ? k : n) + 1, n + 2};
        expect_matches_reference(s, 1.f, 0.f, 1.f);
        expect_matches_reference(s, -0.5f, 1.f, 1.f);  // alpha and accumulation into C
        expect_matches_reference(s, 2.f, 0.25f, 1.f);
      }
    }
  }
}

TEST(GemmBf16, KeepsFloatRangeAtExtremeMagnitudes) {
  // bf16 has float's exponent range: huge and tiny operands neither overflow nor flush to zero here.
  GemmShape s{false, true, 9, 11, 17, 17, 17, 11};
  expect_matches_reference(s, 1.f, 0.f, 1e15f);
  expect_matches_reference(s, 1.f, 0.f, 1e-15f);
}

TEST(GemmBf16, DispatchFollowsThePrecisionAndTheThreshold) {
  std::mt19937 rng(5);
  const GemmShape s{false, false, 33, 40, 50, 50, 40, 40};
  const auto a = random_matrix(33, 50, rng, 1.f), b = random_matrix(50, 40, rng, 1.f);
  std::vector<float> via_bf16(33 * 40), via_f32(33 * 40), got(33 * 40);
  gemm_bf16(s, 1.f, a.data(), b.data(), 0.f, via_bf16.data());
  ref::gemm(s, 1.f, a.data(), b.data(), 0.f, via_f32.data());
  auto max_diff = [](const std::vector<float>& x, const std::vector<float>& y) {
    double d = 0;
    for (size_t i = 0; i < x.size(); ++i) d = std::max(d, static_cast<double>(std::abs(x[i] - y[i])));
    return d;
  };
  ASSERT_GT(max_diff(via_bf16, via_f32), 1e-3);  // the two paths are distinguishable on this data
  {
    PrecisionScope scope(GemmPrecision::Bf16, true);
    gemm(s, 1.f, a.data(), b.data(), 0.f, got.data());
    if (bf16_gemm_native()) {
      EXPECT_EQ(max_diff(got, via_bf16), 0.0);
    } else {
      EXPECT_LT(max_diff(got, via_f32), 1e-4);  // no native bf16: float
    }
  }
  {
    PrecisionScope scope(GemmPrecision::Bf16, false);  // too small to pay off: float
    gemm(s, 1.f, a.data(), b.data(), 0.f, got.data());
    EXPECT_LT(max_diff(got, via_f32), 1e-4);
  }
  gemm(s, 1.f, a.data(), b.data(), 0.f, got.data());  // default F32
  EXPECT_LT(max_diff(got, via_f32), 1e-4);
}

TEST(GemmBf16, PaysOffOnlyForLargeAllRowGemms) {
  EXPECT_TRUE(bf16_pays_off({false, true, 1920, 8000, 256, 256, 256, 8000}));   // output layer, training
  EXPECT_TRUE(bf16_pays_off({false, true, 320, 8000, 256, 256, 256, 8000}));    // output layer, beam 5
  EXPECT_FALSE(bf16_pays_off({false, true, 64, 768, 256, 256, 256, 768}));      // a recurrence step
  EXPECT_FALSE(bf16_pays_off({true, false, 768, 768, 64, 768, 768, 768}));      // inner dimension 64
  EXPECT_FALSE(bf16_pays_off({false, false, 200, 200, 40, 40, 200, 200}));      // too few multiply-adds
}

// A recurrent step's product (batch 64) is too small to pay when both operands are rounded per call, but
// with B frozen (rounded and packed once) it goes to bf16; B merely inside no scope stays in float. The
// packed copy gives the same product as the plain one.
TEST(GemmBf16, FrozenBRelaxesTheShapeRule) {
  const GemmShape s{false, true, 64, 128, 256, 256, 256, 128};  // h W^T, W [128, 256]
  EXPECT_FALSE(bf16_pays_off(s));
  EXPECT_TRUE(bf16_pays_off_frozen_b(s));
  EXPECT_FALSE(bf16_pays_off_frozen_b({false, true, 64, 32, 256, 256, 256, 32}));  // too narrow
  EXPECT_FALSE(bf16_pays_off_frozen_b({false, true, 8, 128, 128, 128, 128, 128}));  // too few multiply-adds
  // Without native bf16, gemm() stays in float whatever is frozen: that is then the expected product.
  const bool native = bf16_gemm_native();
  std::mt19937 rng(21);
  const auto h = random_matrix(64, 256, rng, 1.f), w = random_matrix(128, 256, rng, 1.f);
  std::vector<float> plain(64 * 128), frozen_out(64 * 128), want(64 * 128), f32(64 * 128);
  gemm_bf16(s, 1.f, h.data(), w.data(), 0.f, plain.data());
  ref::gemm(s, 1.f, rounded(h).data(), rounded(w).data(), 0.f, want.data());
  ref::gemm(s, 1.f, h.data(), w.data(), 0.f, f32.data());
  PrecisionScope scope(GemmPrecision::Bf16, false);
  EXPECT_FALSE(is_frozen_bf16_operand(w.data()));
  gemm(s, 1.f, h.data(), w.data(), 0.f, frozen_out.data());
  for (size_t i = 0; i < f32.size(); ++i) ASSERT_NEAR(frozen_out[i], f32[i], 1e-4 * (1 + std::abs(f32[i])));
  FrozenBf16Operands frozen({{w.data(), static_cast<int64_t>(w.size())}});
  EXPECT_TRUE(is_frozen_bf16_operand(w.data() + 1000));
  EXPECT_FALSE(is_frozen_bf16_operand(w.data() + w.size()));
  EXPECT_FALSE(is_frozen_bf16_operand(h.data()));
  const std::vector<float>& expected = native ? want : f32;
  for (int repeat = 0; repeat < 2; ++repeat) {  // the second call reuses the packed copy
    gemm(s, 1.f, h.data(), w.data(), 0.f, frozen_out.data());
    for (size_t i = 0; i < expected.size(); ++i)
      ASSERT_NEAR(frozen_out[i], expected[i], 1e-4 * (1 + std::abs(expected[i])));
    if (native) {  // the packed copy gives the plain bf16 product
      for (size_t i = 0; i < plain.size(); ++i) ASSERT_NEAR(frozen_out[i], plain[i], 1e-4 * (1 + std::abs(plain[i])));
    }
  }
}

// A square frozen block read as W (dX = G W) and as W^T (y = x W^T) asks for the same packed layout but
// holds different matrices: each product must get its own packed copy.
TEST(GemmBf16, FrozenSquareWeightPackedPerOrientation) {
  const bool native = bf16_gemm_native();  // without it gemm() stays in float: the exact operands then
  std::mt19937 rng(31);
  const int64_t m = 64, h = 256;
  const auto x = random_matrix(m, h, rng, 1.f), w = random_matrix(h, h, rng, 1.f);
  const GemmShape transposed{false, true, m, h, h, h, h, h}, plain{false, false, m, h, h, h, h, h};
  std::vector<float> got(m * h), want(m * h);
  PrecisionScope scope(GemmPrecision::Bf16, false);
  FrozenBf16Operands frozen({{w.data(), static_cast<int64_t>(w.size())}});
  for (int round = 0; round < 2; ++round) {  // the second round finds both packed copies
    for (const GemmShape& s : {transposed, plain}) {
      gemm(s, 1.f, x.data(), w.data(), 0.f, got.data());
      ref::gemm(s, 1.f, native ? rounded(x).data() : x.data(), native ? rounded(w).data() : w.data(), 0.f,
                want.data());
      for (size_t i = 0; i < want.size(); ++i)
        ASSERT_NEAR(got[i], want[i], 1e-4 * (1 + std::abs(want[i]))) << "trans_b " << s.trans_b << " round " << round;
    }
  }
}

// A frozen buffer is rounded once: inside the scope a change to it is not seen (the promise the scope
// makes), a block inside it is rounded at its first use and then reused, and after the scope the new
// values count again.
TEST(GemmBf16, FrozenOperandsAreRoundedOncePerScope) {
  std::mt19937 rng(11);
  const GemmShape s{false, true, 12, 20, 16, 16, 16, 20};  // y = x W^T, W [20, 16]
  const auto x = random_matrix(12, 16, rng, 1.f);
  auto w = random_matrix(21, 16, rng, 1.f);  // one spare row: the view below
  std::vector<float> before(12 * 20), inside(12 * 20), after(12 * 20), want(12 * 20);
  gemm_bf16(s, 1.f, x.data(), w.data(), 0.f, before.data());
  {
    FrozenBf16Operands frozen({{w.data(), static_cast<int64_t>(w.size())}});
    gemm_bf16(s, 1.f, x.data(), w.data(), 0.f, inside.data());
    EXPECT_EQ(inside, before);
    for (float& v : w) v *= 2.f;  // breaks the promise: the cached copy is still used
    gemm_bf16(s, 1.f, x.data(), w.data(), 0.f, inside.data());
    EXPECT_EQ(inside, before);
    // A block inside the buffer (one row in, as an output layer's column block) is frozen too: rounded
    // from the values at its first use, then reused.
    gemm_bf16(s, 1.f, x.data(), w.data() + 16, 0.f, inside.data());
    ref::gemm(s, 1.f, rounded(x).data(), rounded(w).data() + 16, 0.f, want.data());
    for (size_t i = 0; i < want.size(); ++i) ASSERT_NEAR(inside[i], want[i], 1e-4 * (1 + std::abs(want[i])));
    for (float& v : w) v *= 2.f;
    std::vector<float> block_again(12 * 20);
    gemm_bf16(s, 1.f, x.data(), w.data() + 16, 0.f, block_again.data());
    EXPECT_EQ(block_again, inside);
  }
  gemm_bf16(s, 1.f, x.data(), w.data(), 0.f, after.data());
  for (size_t i = 0; i < after.size(); ++i) ASSERT_EQ(after[i], 4.f * before[i]);  // scaling by 4 is exact
}

// Degenerate shapes called directly: k = 0 leaves beta * C, m = 0 touches nothing (no zero leading dimension
// reaches oneDNN, which would reject it).
TEST(GemmBf16, EmptyInnerDimensionScalesC) {
  std::vector<float> c = {1.f, -2.f, 3.f, 4.f, 5.f, 6.f};
  const float a = 0.f, b = 0.f;
  gemm_bf16(GemmShape{false, false, 2, 3, 0, 1, 3, 3}, 1.f, &a, &b, 0.5f, c.data());
  EXPECT_EQ(c, (std::vector<float>{0.5f, -1.f, 1.5f, 2.f, 2.5f, 3.f}));
  gemm_bf16(GemmShape{false, false, 0, 3, 4, 4, 3, 3}, 1.f, &a, &b, 0.f, c.data());
  EXPECT_EQ(c, (std::vector<float>{0.5f, -1.f, 1.5f, 2.f, 2.5f, 3.f}));
}

TEST(GemmBf16, ParsesPrecisionNames) {
  EXPECT_EQ(parse_gemm_precision("bf16"), GemmPrecision::Bf16);
  EXPECT_EQ(parse_gemm_precision("f32"), GemmPrecision::F32);
  EXPECT_STREQ(gemm_precision_name(GemmPrecision::Bf16), "bf16");
  EXPECT_THROW(parse_gemm_precision("fp16"), std::exception);
}

}  // namespace
}  // namespace attend::kernels
