// Is system B really better than baseline A on this test set? Paired significance tests over a corpus
// metric computed from per-item sufficient statistics (BLEU's n-gram counts, chrF's, a word's phoneme
// errors), as sacreBLEU's --paired-bs and --paired-ar do, and McNemar's exact test for word accuracy.
//
//   paired bootstrap (Koehn 2004): draw the test set's items with replacement `samples` times; score both
//     systems on each draw; the p-value is the share of draws whose centred difference |B - A| - mean
//     reaches the observed |B - A| (plus-one smoothed). Each system also gets the mean of its draws and
//     the half-width of their 95% percentile interval, as sacreBLEU prints "μ ± ci". The comparison is on
//     one side of the centred differences, so for a clear difference p is about the one-tailed normal
//     p-value, half the two-sided one randomisation gives.
//   approximate randomisation (Noreen 1989; Riezler & Maxwell 2005): swap A's and B's item in each pair
//     with probability 1/2, `samples` times; the p-value is the share of shuffles whose |A' - B'| reaches
//     the observed |A - B| (plus-one smoothed). Means and intervals come from a 1,000-draw bootstrap.
//
// Two differences from sacreBLEU, on purpose: a tie with the observed difference counts as reaching it
// (sacreBLEU counts only strictly larger ones, so a system compared with itself gets p = 1/(samples+1)
// there and 1 here), and the draws come from mt19937_64 rather than numpy's generator, so p-values and
// intervals agree with sacreBLEU's up to resampling noise, not digit for digit.
#pragma once
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace attend::eval {

// Per-item statistics that add up over items: item i is rows[i * width, (i + 1) * width).
struct ItemStats {
  int width = 0;
  std::vector<double> rows;
  size_t items() const { return width ? rows.size() / static_cast<size_t>(width) : 0; }
  void add_item(std::span<const double> row);
};

// A corpus score from the sum of the rows of the items in a sample.
using CorpusScore = std::function<double(std::span<const double> summed)>;

struct ScoreEstimate {
  double score = 0;  // on the test set as it is
  double mean = 0;   // over the bootstrap draws
  double ci = 0;     // half-width of the draws' 95% percentile interval
};

// The mean of `draws` and the half-width of their 95% interval as sacreBLEU takes it: with the draws
// sorted, from draw n/40 to draw n - n/40 - 1.
ScoreEstimate percentile_estimate(double score, std::vector<double> draws);

// One system's score with the mean and 95% interval of `samples` bootstrap draws (0 = 1,000), as sacreBLEU's
// --confidence gives; the draws are those paired_test's bootstrap makes for the same seed.
ScoreEstimate bootstrap_estimate(const ItemStats& items, const CorpusScore& score, int samples = 0,
                                 uint64_t seed = 12345);

enum class PairedTestKind { kBootstrap, kRandomization };

struct PairedTestOptions {
  PairedTestKind kind = PairedTestKind::kBootstrap;
  int samples = 0;       // draws or shuffles; 0 = sacreBLEU's defaults (1,000 draws, 10,000 shuffles)
  uint64_t seed = 12345;  // sacreBLEU's default seed
};

struct PairedTestResult {
  ScoreEstimate baseline, system;
  double p_value = 1;
  int samples = 0;
};

// `baseline` and `system` hold the same items in the same order (the same width). Throws on a mismatch
// or no items.
PairedTestResult paired_test(const ItemStats& baseline, const ItemStats& system, const CorpusScore& score,
                             const PairedTestOptions& opt);

// McNemar's exact test on paired right/wrong outcomes (a word pronounced right or not): only the pairs
// where one system is right and the other wrong count; the two-sided p-value is the binomial(b + c, 1/2)
// probability of a split at least as uneven as the one observed.
struct McNemarResult {
  int64_t only_baseline_right = 0;  // b
  int64_t only_system_right = 0;    // c
  double p_value = 1;
};
McNemarResult mcnemar_exact(std::span<const uint8_t> baseline_right, std::span<const uint8_t> system_right);

}  // namespace attend::eval
