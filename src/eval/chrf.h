// chrF (Popović 2015) exactly as sacreBLEU 2.x's default CHRF: character n-grams of orders 1..6 over
// Unicode code points with all whitespace removed, mixed case, beta 2, statistics summed over the corpus
// and the F-score computed once from the sums, x100. With several references a sentence keeps the
// statistics of the reference with the best sentence-level score (the first on ties).
//
// The F-score (sacreBLEU's default, "effective order", eps_smoothing=False): precision and recall are
// averaged over the orders where both the hypothesis and the reference have n-grams, then
// F = (1 + beta^2) P R / (beta^2 P + R). With eps_smoothing=True (chrF++.py, Moses, NLTK) the F-score of
// every order is computed (precision or recall 1e-16 where undefined) and averaged over all orders.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace attend::eval {

struct ChrfOptions {
  int char_order = 6;
  double beta = 2.0;
  bool whitespace = false;     // keep whitespace characters in the n-grams
  bool eps_smoothing = false;  // sacreBLEU's default is false
};

// For each order n = 1..char_order: hyp[n-1] hypothesis n-grams (0 when the reference has no n-gram of
// that order, as sacreBLEU counts), ref[n-1] reference n-grams, match[n-1] clipped common n-grams.
struct ChrfStats {
  std::vector<int64_t> hyp, ref, match;
  int64_t sentences = 0;
  explicit ChrfStats(int order = 6) : hyp(order, 0), ref(order, 0), match(order, 0) {}
  ChrfStats& operator+=(const ChrfStats& o);
};

struct ChrfResult {
  double chrf = 0;       // x100
  double precision = 0;  // averaged over the effective orders, x100 (0 with eps_smoothing)
  double recall = 0;     // averaged over the effective orders, x100 (0 with eps_smoothing)
  ChrfStats stats;
};

// One sentence against one reference / the best of several (raw text).
ChrfStats sentence_chrf_stats(std::string_view hyp, std::string_view ref, const ChrfOptions& opt = {});
ChrfStats sentence_chrf_stats(std::string_view hyp, std::span<const std::string> refs, const ChrfOptions& opt = {});

// The score (x100) from summed statistics.
ChrfResult chrf_from_stats(const ChrfStats& stats, const ChrfOptions& opt = {});

// Corpus chrF with one reference per hypothesis, or several reference streams (ref_streams[k][i] is
// reference k of sentence i; empty strings are skipped, as sacreBLEU skips them).
ChrfResult corpus_chrf(std::span<const std::string> hyps, std::span<const std::string> refs,
                       const ChrfOptions& opt = {});
ChrfResult corpus_chrf(std::span<const std::string> hyps, std::span<const std::vector<std::string>> ref_streams,
                       const ChrfOptions& opt = {});

// Each sentence's statistics (for the paired tests), ref_streams as corpus_chrf's above.
std::vector<ChrfStats> sentence_chrf_stats_all(std::span<const std::string> hyps,
                                               std::span<const std::vector<std::string>> ref_streams,
                                               const ChrfOptions& opt = {});

}  // namespace attend::eval
