// Per-item statistics rows of BLEU, chrF, PER and WER (see paired_metrics.h).
#include "eval/paired_metrics.h"

#include <cmath>
#include <vector>

#include "base/error.h"

namespace attend::eval {
namespace {

constexpr int kBleuWidth = 2 * kBleuOrder + 3;
constexpr int kG2pWidth = 4;

int64_t count(double sum) { return std::llround(sum); }

}  // namespace

ItemStats bleu_items(std::span<const BleuStats> sentences) {
  ItemStats items{kBleuWidth, {}};
  std::vector<double> row;
  for (const BleuStats& s : sentences) {
    row.clear();
    for (int64_t m : s.matches) row.push_back(static_cast<double>(m));
    for (int64_t t : s.totals) row.push_back(static_cast<double>(t));
    row.insert(row.end(), {static_cast<double>(s.hyp_len), static_cast<double>(s.ref_len), 1.0});
    items.add_item(row);
  }
  return items;
}

double bleu_from_sums(std::span<const double> sums) {
  ATTEND_CHECK(sums.size() == kBleuWidth, "BLEU from sums: {} numbers where {} were expected", sums.size(), kBleuWidth);
  BleuStats s;
  for (int n = 0; n < kBleuOrder; ++n) {
    s.matches[n] = count(sums[n]);
    s.totals[n] = count(sums[kBleuOrder + n]);
  }
  s.hyp_len = count(sums[2 * kBleuOrder]);
  s.ref_len = count(sums[2 * kBleuOrder + 1]);
  s.sentences = count(sums[2 * kBleuOrder + 2]);
  return bleu_from_stats(s).bleu;
}

ItemStats chrf_items(std::span<const ChrfStats> sentences) {
  const int order = ChrfOptions{}.char_order;
  ItemStats items{3 * order, {}};
  std::vector<double> row;
  for (const ChrfStats& s : sentences) {
    ATTEND_CHECK(static_cast<int>(s.hyp.size()) == order, "chrF items: statistics of order {} where {} was expected",
                 s.hyp.size(), order);
    row.clear();
    for (const auto* part : {&s.hyp, &s.ref, &s.match})
      for (int64_t c : *part) row.push_back(static_cast<double>(c));
    items.add_item(row);
  }
  return items;
}

double chrf_from_sums(std::span<const double> sums) {
  const int order = ChrfOptions{}.char_order;
  ATTEND_CHECK(static_cast<int>(sums.size()) == 3 * order, "chrF from sums: {} numbers where {} were expected",
               sums.size(), 3 * order);
  ChrfStats s(order);
  for (int n = 0; n < order; ++n) {
    s.hyp[n] = count(sums[n]);
    s.ref[n] = count(sums[order + n]);
    s.match[n] = count(sums[2 * order + n]);
  }
  return chrf_from_stats(s).chrf;
}

ItemStats g2p_items(std::span<const G2pScore> words) {
  ItemStats items{kG2pWidth, {}};
  for (const G2pScore& w : words) {
    const double row[kG2pWidth] = {static_cast<double>(w.phoneme_errors), static_cast<double>(w.ref_phonemes),
                                   static_cast<double>(w.word_errors), static_cast<double>(w.words)};
    items.add_item(row);
  }
  return items;
}

double per_from_sums(std::span<const double> sums) {
  ATTEND_CHECK(sums.size() == kG2pWidth, "PER from sums: {} numbers where {} were expected", sums.size(), kG2pWidth);
  return sums[1] > 0 ? 100.0 * sums[0] / sums[1] : 0.0;
}

double wer_from_sums(std::span<const double> sums) {
  ATTEND_CHECK(sums.size() == kG2pWidth, "WER from sums: {} numbers where {} were expected", sums.size(), kG2pWidth);
  return sums[3] > 0 ? 100.0 * sums[2] / sums[3] : 0.0;
}

}  // namespace attend::eval
