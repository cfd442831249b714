// Paired bootstrap, approximate randomisation and McNemar's exact test (see significance.h).
#include "eval/significance.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <random>

#include "base/error.h"

namespace attend::eval {
namespace {

constexpr int kBootstrapDraws = 1000, kRandomizationShuffles = 10000;

// Uniform in [0, n) from 64 random bits (Lemire's multiply-shift: the bias is n / 2^64, nothing here).
size_t below(std::mt19937_64& gen, size_t n) {
  return static_cast<size_t>((static_cast<unsigned __int128>(gen()) * n) >> 64);
}

void add_row(std::vector<double>& sum, const ItemStats& s, size_t item) {
  const double* row = s.rows.data() + item * static_cast<size_t>(s.width);
  for (int k = 0; k < s.width; ++k) sum[k] += row[k];
}

std::vector<double> total(const ItemStats& s) {
  std::vector<double> sum(s.width, 0.0);
  for (size_t i = 0; i < s.items(); ++i) add_row(sum, s, i);
  return sum;
}

// Each system scored on the same `draws` bootstrap resamples of the items (all systems have the same items).
std::vector<std::vector<double>> bootstrap_scores(std::initializer_list<const ItemStats*> systems,
                                                  const CorpusScore& score, int draws, std::mt19937_64& gen) {
  const size_t n = (*systems.begin())->items();
  std::vector<std::vector<double>> scores(systems.size()), sums(systems.size());
  std::vector<size_t> picked(n);
  for (int d = 0; d < draws; ++d) {
    for (size_t& i : picked) i = below(gen, n);
    size_t k = 0;
    for (const ItemStats* s : systems) {
      sums[k].assign(s->width, 0.0);
      for (size_t i : picked) add_row(sums[k], *s, i);
      scores[k].push_back(score(sums[k]));
      ++k;
    }
  }
  return scores;
}

// The plus-one smoothed share of `stats` at or above `observed`. The small tolerance keeps a tie a tie when
// the scores were summed in another order.
double p_value_at_least(const std::vector<double>& stats, double observed) {
  const double tie = 1e-9 * std::max(1.0, std::abs(observed));
  const auto reach = std::count_if(stats.begin(), stats.end(), [&](double s) { return s >= observed - tie; });
  return static_cast<double>(reach + 1) / static_cast<double>(stats.size() + 1);
}

}  // namespace

void ItemStats::add_item(std::span<const double> row) {
  ATTEND_CHECK(static_cast<int>(row.size()) == width, "item statistics: a row of {} numbers where {} were expected",
               row.size(), width);
  rows.insert(rows.end(), row.begin(), row.end());
}

ScoreEstimate percentile_estimate(double score, std::vector<double> draws) {
  ScoreEstimate e;
  e.score = score;
  if (draws.empty()) return e;
  std::sort(draws.begin(), draws.end());
  const size_t n = draws.size(), lower = n / 40, upper = n - lower - 1;
  double sum = 0;
  for (double d : draws) sum += d;
  e.mean = sum / static_cast<double>(n);
  e.ci = 0.5 * (draws[upper] - draws[lower]);
  return e;
}

PairedTestResult paired_test(const ItemStats& baseline, const ItemStats& system, const CorpusScore& score,
                             const PairedTestOptions& opt) {
  ATTEND_CHECK(baseline.width == system.width && baseline.width > 0,
               "paired test: the systems' statistics differ in shape ({} and {} numbers per item)", baseline.width,
               system.width);
  ATTEND_CHECK(baseline.items() == system.items(), "paired test: the baseline has {} items but the system has {}",
               baseline.items(), system.items());
  ATTEND_CHECK(baseline.items() > 0, "paired test: no items to compare");
  ATTEND_CHECK(opt.samples >= 0, "paired test: samples must be 0 (the default) or more, got {}", opt.samples);
  const bool bootstrap = opt.kind == PairedTestKind::kBootstrap;
  PairedTestResult r;
  r.samples = opt.samples ? opt.samples : bootstrap ? kBootstrapDraws : kRandomizationShuffles;
  const std::vector<double> total_a = total(baseline), total_b = total(system);
  const double score_a = score(total_a), score_b = score(total_b);
  const double observed = std::abs(score_b - score_a);
  std::mt19937_64 gen(opt.seed);
  std::vector<std::vector<double>> draws =
      bootstrap_scores({&baseline, &system}, score, bootstrap ? r.samples : kBootstrapDraws, gen);
  std::vector<double>& draws_a = draws[0];
  std::vector<double>& draws_b = draws[1];
  std::vector<double> stats;
  if (bootstrap) {
    // Under the null hypothesis the difference is centred on zero: shift the draws' differences there.
    double mean = 0;
    for (size_t d = 0; d < draws_a.size(); ++d) stats.push_back(std::abs(draws_b[d] - draws_a[d]));
    for (double s : stats) mean += s;
    mean /= static_cast<double>(stats.size());
    for (double& s : stats) s -= mean;
  } else {
    // A shuffle swaps some pairs: A' = A + (sum of B - A over the swapped items), B' = B - the same.
    const size_t n = baseline.items();
    const int width = baseline.width;
    std::vector<size_t> differ;  // items where the two systems' rows differ: swapping the others changes nothing
    std::vector<double> delta;
    for (size_t i = 0; i < n; ++i) {
      const double* a = baseline.rows.data() + i * width;
      const double* b = system.rows.data() + i * width;
      if (std::equal(a, a + width, b)) continue;
      differ.push_back(i);
      for (int k = 0; k < width; ++k) delta.push_back(b[k] - a[k]);
    }
    std::vector<double> a_shuffled(width), b_shuffled(width);
    for (int t = 0; t < r.samples; ++t) {
      a_shuffled = total_a;
      b_shuffled = total_b;
      uint64_t bits = 0;
      for (size_t d = 0; d < differ.size(); ++d) {
        if (d % 64 == 0) bits = gen();
        if ((bits >> (d % 64)) & 1)
          for (int k = 0; k < width; ++k) {
            a_shuffled[k] += delta[d * width + k];
            b_shuffled[k] -= delta[d * width + k];
          }
      }
      stats.push_back(std::abs(score(a_shuffled) - score(b_shuffled)));
    }
  }
  r.p_value = p_value_at_least(stats, observed);
  r.baseline = percentile_estimate(score_a, std::move(draws_a));
  r.system = percentile_estimate(score_b, std::move(draws_b));
  return r;
}

ScoreEstimate bootstrap_estimate(const ItemStats& items, const CorpusScore& score, int samples, uint64_t seed) {
  ATTEND_CHECK(items.width > 0 && items.items() > 0, "bootstrap: no items to draw from");
  ATTEND_CHECK(samples >= 0, "bootstrap: samples must be 0 (the default) or more, got {}", samples);
  std::mt19937_64 gen(seed);
  std::vector<std::vector<double>> draws = bootstrap_scores({&items}, score, samples ? samples : kBootstrapDraws, gen);
  return percentile_estimate(score(total(items)), std::move(draws[0]));
}

McNemarResult mcnemar_exact(std::span<const uint8_t> baseline_right, std::span<const uint8_t> system_right) {
  ATTEND_CHECK(baseline_right.size() == system_right.size(),
               "McNemar test: the baseline has {} outcomes but the system has {}", baseline_right.size(),
               system_right.size());
  McNemarResult r;
  for (size_t i = 0; i < baseline_right.size(); ++i) {
    r.only_baseline_right += baseline_right[i] && !system_right[i];
    r.only_system_right += !baseline_right[i] && system_right[i];
  }
  const int64_t n = r.only_baseline_right + r.only_system_right;
  const int64_t k = std::min(r.only_baseline_right, r.only_system_right);
  if (2 * k == n) return r;  // an even split (or no discordant pair): p = 1
  // 2 * P(X <= k) for X ~ binomial(n, 1/2), summed in log space (2^-n underflows past n = 1074).
  const double log_all = std::lgamma(static_cast<double>(n) + 1) - static_cast<double>(n) * std::log(2.0);
  std::vector<double> logs;
  for (int64_t i = 0; i <= k; ++i)
    logs.push_back(log_all - std::lgamma(static_cast<double>(i) + 1) - std::lgamma(static_cast<double>(n - i) + 1));
  const double top = *std::max_element(logs.begin(), logs.end());
  double sum = 0;
  for (double l : logs) sum += std::exp(l - top);
  r.p_value = std::min(1.0, 2.0 * std::exp(top + std::log(sum)));
  return r;
}

}  // namespace attend::eval
