// Paired significance tests: McNemar's exact test against hand-worked binomial sums and a direct twin;
// the percentile interval as sacreBLEU takes it; the bootstrap's interval against the normal one of an
// accuracy; approximate randomisation against the exact test it approximates; the bootstrap's p-value
// against the one-tailed normal approximation of a paired difference; and the edge cases (a system against itself,
// one right wherever the other was wrong, bad shapes).
#include "eval/significance.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "support/expect_error.h"

namespace attend::eval {
namespace {

using attend::testing::expect_error_containing;

using Outcomes = std::vector<uint8_t>;

// Accuracy in percent: each item is (right, 1).
ItemStats accuracy_items(const Outcomes& right) {
  ItemStats s{2, {}};
  for (uint8_t r : right) s.add_item(std::vector<double>{static_cast<double>(r), 1.0});
  return s;
}
double accuracy(std::span<const double> sums) { return 100.0 * sums[0] / sums[1]; }

// Paired outcomes: `both` items both right, `neither` both wrong, b only the baseline right, c only the system.
std::pair<Outcomes, Outcomes> paired_outcomes(int both, int neither, int b, int c, uint32_t seed) {
  std::vector<std::pair<uint8_t, uint8_t>> pairs;
  pairs.insert(pairs.end(), both, {1, 1});
  pairs.insert(pairs.end(), neither, {0, 0});
  pairs.insert(pairs.end(), b, {1, 0});
  pairs.insert(pairs.end(), c, {0, 1});
  std::mt19937 gen(seed);
  std::shuffle(pairs.begin(), pairs.end(), gen);
  Outcomes base, sys;
  for (const auto& [x, y] : pairs) {
    base.push_back(x);
    sys.push_back(y);
  }
  return {base, sys};
}

// 2 * P(X <= min(b, c)) for X ~ binomial(b + c, 1/2), the probabilities multiplied out directly in long
// double (x86's 15-bit exponent holds 2^-2400), capped at 1.
double exact_two_sided(int b, int c) {
  const int n = b + c, k = std::min(b, c);
  long double pmf = std::pow(0.5L, n), sum = 0;
  for (int i = 0; i <= k; ++i) {
    sum += pmf;
    pmf *= static_cast<long double>(n - i) / (i + 1);
  }
  return static_cast<double>(std::min(1.0L, 2 * sum));
}

TEST(McNemarExact, HandWorkedSplits) {
  auto p = [](int b, int c) {
    const auto [base, sys] = paired_outcomes(7, 4, b, c, 1);
    return mcnemar_exact(base, sys);
  };
  // exp(lgamma(...)) sums: a few ulps from the exact fractions, more on another libm.
  EXPECT_NEAR(p(0, 5).p_value, 2.0 / 32, 1e-12);            // 2 * (1/2)^5
  EXPECT_NEAR(p(1, 9).p_value, 2.0 * 11 / 1024, 1e-12);      // 2 * (1 + 10) / 2^10
  EXPECT_NEAR(p(2, 6).p_value, 2.0 * 37 / 256, 1e-12);       // 2 * (1 + 8 + 28) / 2^8
  EXPECT_DOUBLE_EQ(p(3, 3).p_value, 1.0);
  EXPECT_DOUBLE_EQ(p(0, 0).p_value, 1.0);
  EXPECT_DOUBLE_EQ(p(4, 5).p_value, 1.0);                 // 2 * P(X <= 4) of binomial(9) = 1
  const McNemarResult r = p(2, 6);
  EXPECT_EQ(r.only_baseline_right, 2);
  EXPECT_EQ(r.only_system_right, 6);
  EXPECT_DOUBLE_EQ(p(6, 2).p_value, r.p_value);
}

TEST(McNemarExact, MatchesTheDirectSumOnLargeSplits) {
  for (const auto& [b, c] : {std::pair{400, 500}, {30, 48}, {0, 900}, {333, 334}, {100, 180}}) {
    const auto [base, sys] = paired_outcomes(50, 50, b, c, 2);
    const double want = exact_two_sided(b, c);
    EXPECT_NEAR(mcnemar_exact(base, sys).p_value, want, 1e-9 * want) << b << " vs " << c;
  }
  // Past the range where 2^-n is a double the log-space sum still gives the tiny p (about 1e-16) exactly.
  const auto [base, sys] = paired_outcomes(0, 0, 1000, 1400, 3);
  const double want = exact_two_sided(1000, 1400);
  ASSERT_GT(want, 1e-17);
  ASSERT_LT(want, 1e-15);
  EXPECT_NEAR(mcnemar_exact(base, sys).p_value, want, 1e-9 * want);
  expect_error_containing([] { mcnemar_exact(Outcomes{1, 0}, Outcomes{1}); }, "the baseline has 2 outcomes");
}

TEST(PercentileEstimate, TakesTheIntervalAsSacrebleuDoes) {
  std::vector<double> draws(40);
  std::iota(draws.begin(), draws.end(), 1.0);  // 1..40
  std::shuffle(draws.begin(), draws.end(), std::mt19937(4));
  const ScoreEstimate e = percentile_estimate(7.0, draws);
  EXPECT_DOUBLE_EQ(e.score, 7.0);
  EXPECT_DOUBLE_EQ(e.mean, 20.5);
  EXPECT_DOUBLE_EQ(e.ci, 0.5 * (39 - 2));  // sorted draws [40 / 40] and [40 - 1 - 1]
  draws.resize(1000);
  std::iota(draws.begin(), draws.end(), 0.0);
  EXPECT_DOUBLE_EQ(percentile_estimate(0, draws).ci, 0.5 * (974 - 25));
}

TEST(PairedTest, ASystemAgainstItselfIsNotSignificant) {
  const auto [base, sys] = paired_outcomes(300, 200, 40, 60, 5);
  const ItemStats items = accuracy_items(sys);
  for (PairedTestKind kind : {PairedTestKind::kBootstrap, PairedTestKind::kRandomization}) {
    const PairedTestResult r = paired_test(items, items, accuracy, {kind, 500, 7});
    EXPECT_DOUBLE_EQ(r.p_value, 1.0);
    EXPECT_DOUBLE_EQ(r.baseline.score, r.system.score);
    EXPECT_DOUBLE_EQ(r.baseline.mean, r.system.mean);
    EXPECT_DOUBLE_EQ(r.baseline.ci, r.system.ci);
  }
}

TEST(PairedTest, RightWhereverTheBaselineWasWrongIsAsSignificantAsTheSamplesAllow) {
  const auto [base, sys] = paired_outcomes(100, 0, 0, 100, 6);
  for (PairedTestKind kind : {PairedTestKind::kBootstrap, PairedTestKind::kRandomization}) {
    const PairedTestResult r = paired_test(accuracy_items(base), accuracy_items(sys), accuracy, {kind, 999, 8});
    EXPECT_EQ(r.samples, 999);
    EXPECT_DOUBLE_EQ(r.p_value, 1.0 / 1000);
    EXPECT_DOUBLE_EQ(r.baseline.score, 50.0);
    EXPECT_DOUBLE_EQ(r.system.score, 100.0);
  }
}

TEST(PairedTest, BootstrapIntervalOfAnAccuracyIsTheNormalOne) {
  // 2,000 items at 30%: the binomial standard error is sqrt(0.3 * 0.7 / 2000) = 1.0247 points, so the 95%
  // half-width is 1.96 of those, 2.008.
  const auto [base, sys] = paired_outcomes(500, 1300, 100, 100, 9);
  const PairedTestResult r =
      paired_test(accuracy_items(base), accuracy_items(sys), accuracy, {PairedTestKind::kBootstrap, 4000, 10});
  EXPECT_DOUBLE_EQ(r.system.score, 30.0);
  EXPECT_NEAR(r.system.mean, 30.0, 0.1);
  EXPECT_NEAR(r.system.ci, 1.96 * std::sqrt(0.3 * 0.7 / 2000) * 100, 0.15);
}

TEST(PairedTest, RandomizationOfAnAccuracyIsMcNemarsExactTest) {
  // Swapping a pair where both systems agree changes nothing; each discordant pair moves the difference by
  // one either way with probability 1/2: the shuffles sample exactly the binomial McNemar's test sums.
  const auto [base, sys] = paired_outcomes(700, 400, 30, 48, 11);
  const double exact = mcnemar_exact(base, sys).p_value;
  ASSERT_NEAR(exact, exact_two_sided(30, 48), 1e-12);
  const int shuffles = 20000;
  const PairedTestResult r = paired_test(accuracy_items(base), accuracy_items(sys), accuracy,
                                         {PairedTestKind::kRandomization, shuffles, 12});
  const double se = std::sqrt(exact * (1 - exact) / shuffles);
  EXPECT_NEAR(r.p_value, exact, 4 * se) << "exact " << exact;
}

TEST(PairedTest, BootstrapPValueIsTheOneTailedNormalOneOfThePairedDifference) {
  // The paired difference of accuracies has standard error sqrt(b + c) / n to first order. The centred
  // bootstrap compares each draw's |B - A| less their mean with the observed |B - A| on one side only, so
  // its p is about the one-tailed normal 1 - Phi(|c - b| / sqrt(b + c)) = 1 - Phi(2.038) = 0.0208.
  const auto [base, sys] = paired_outcomes(700, 400, 30, 48, 13);
  const PairedTestResult r =
      paired_test(accuracy_items(base), accuracy_items(sys), accuracy, {PairedTestKind::kBootstrap, 4000, 14});
  const double normal = 0.5 * std::erfc(18.0 / std::sqrt(78.0) / std::sqrt(2.0));
  EXPECT_NEAR(r.p_value, normal, 0.01) << "normal " << normal;
}

TEST(PairedTest, TheSeedFixesTheDrawsAndTheDefaultsAreSacrebleus) {
  const auto [base, sys] = paired_outcomes(70, 40, 13, 20, 15);
  const ItemStats a = accuracy_items(base), b = accuracy_items(sys);
  const PairedTestResult one = paired_test(a, b, accuracy, {PairedTestKind::kBootstrap, 0, 16});
  const PairedTestResult again = paired_test(a, b, accuracy, {PairedTestKind::kBootstrap, 0, 16});
  const PairedTestResult other = paired_test(a, b, accuracy, {PairedTestKind::kBootstrap, 0, 17});
  EXPECT_EQ(one.samples, 1000);
  EXPECT_EQ(paired_test(a, b, accuracy, {PairedTestKind::kRandomization, 0, 16}).samples, 10000);
  EXPECT_EQ(one.p_value, again.p_value);
  EXPECT_EQ(one.system.mean, again.system.mean);
  EXPECT_NE(one.system.mean, other.system.mean);
}

TEST(BootstrapEstimate, IsThePairedBootstrapsEstimateOfTheSameSystem) {
  // One system drawn alone with a seed gets the very draws the paired bootstrap gives it with that seed.
  const auto [base, sys] = paired_outcomes(300, 500, 40, 70, 18);
  const ItemStats a = accuracy_items(base), b = accuracy_items(sys);
  const ScoreEstimate alone = bootstrap_estimate(b, accuracy, 700, 19);
  const PairedTestResult paired = paired_test(a, b, accuracy, {PairedTestKind::kBootstrap, 700, 19});
  EXPECT_DOUBLE_EQ(alone.score, paired.system.score);
  EXPECT_DOUBLE_EQ(alone.mean, paired.system.mean);
  EXPECT_DOUBLE_EQ(alone.ci, paired.system.ci);
  EXPECT_DOUBLE_EQ(alone.score, 100.0 * 370 / 910);
  expect_error_containing([] { bootstrap_estimate(ItemStats{2, {}}, accuracy); }, "no items");
}

TEST(PairedTest, DrawsAreFixedAcrossVersions) {
  // Golden values of this implementation (mt19937_64, Lemire's reduction, indices drawn per draw in order):
  // a change to how draws are made changes every published interval, so it must be deliberate.
  // The items are laid out without std::shuffle, whose algorithm the standard leaves to the library.
  Outcomes right;
  for (int i = 0; i < 100; ++i) right.push_back((i * 7) % 10 < 4);
  const ScoreEstimate e = bootstrap_estimate(accuracy_items(right), accuracy, 50, 24);
  EXPECT_DOUBLE_EQ(e.score, 40.0);
  EXPECT_NEAR(e.mean, 39.76, 1e-9);
  EXPECT_NEAR(e.ci, 9.0, 1e-9);
}

TEST(PairedTest, RejectsMismatchedOrEmptyStatistics) {
  const ItemStats two = accuracy_items({1, 0}), three = accuracy_items({1, 0, 1});
  expect_error_containing([&] { paired_test(two, three, accuracy, {}); }, "the baseline has 2 items but the system has 3");
  ItemStats wide{3, {1, 1, 1}};
  expect_error_containing([&] { paired_test(two, wide, accuracy, {}); }, "differ in shape");
  expect_error_containing([&] { paired_test(ItemStats{2, {}}, ItemStats{2, {}}, accuracy, {}); }, "no items");
  expect_error_containing([&] { wide.add_item(std::vector<double>{1, 2}); }, "a row of 2 numbers where 3");
}

}  // namespace
}  // namespace attend::eval
