// Corpus BLEU exactly as sacreBLEU 2.x computes it by default: 13a tokenisation, mixed case, n-grams 1..4
// with counts clipped by the (per n-gram maximum over the) references and summed over the corpus, the
// brevity penalty from corpus lengths (closest reference length per sentence, ties to the shorter), "exp"
// smoothing, score x100. Also BLEU by source-length bucket.
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace attend::eval {

inline constexpr int kBleuOrder = 4;

// The sufficient statistics of BLEU: they add up over sentences.
struct BleuStats {
  std::array<int64_t, kBleuOrder> matches{};  // clipped matching n-grams, order 1..4
  std::array<int64_t, kBleuOrder> totals{};   // hypothesis n-grams, order 1..4
  int64_t hyp_len = 0;                        // hypothesis tokens
  int64_t ref_len = 0;                        // closest reference tokens
  int64_t sentences = 0;
  BleuStats& operator+=(const BleuStats& o);
};

struct BleuResult {
  double bleu = 0;                                  // x100
  std::array<double, kBleuOrder> precisions{};      // x100, smoothed as used in the score
  std::array<int64_t, kBleuOrder> matches{};
  std::array<int64_t, kBleuOrder> totals{};
  double bp = 0;                                    // brevity penalty
  double ratio = 0;                                 // hyp_len / ref_len (0 when ref_len is 0)
  int64_t hyp_len = 0;
  int64_t ref_len = 0;
  int64_t sentences = 0;
  // sacreBLEU's line: "BLEU = 24.17 55.6/30.0/18.8/10.0 (BP = 1.000 ratio = 1.125 hyp_len = 9 ref_len = 8)".
  std::string to_string() const;
};

// Statistics of one sentence against one or more references (raw text: each is right-stripped and 13a
// tokenized here). Empty reference strings are skipped, as sacreBLEU skips them; at least one must be
// non-empty.
BleuStats sentence_bleu_stats(std::string_view hyp, std::span<const std::string> refs);
// The same on token sequences that are already tokenized (no 13a, no stripping).
BleuStats sentence_bleu_stats_tokens(std::span<const std::string_view> hyp,
                                     std::span<const std::vector<std::string_view>> refs);

// sacreBLEU's compute_bleu with smooth_method "exp": for orders with zero matches the precision is
// 1 / (2^k * total) with k = 1, 2, ... counted over those orders; no match at all gives 0; an order with no
// hypothesis n-gram makes the score 0.
BleuResult bleu_from_stats(const BleuStats& stats);

// Corpus BLEU with one reference per hypothesis (refs[i] for hyps[i]).
BleuResult corpus_bleu(std::span<const std::string> hyps, std::span<const std::string> refs);
// Several reference streams: ref_streams[k][i] is reference k of sentence i (empty strings are skipped).
BleuResult corpus_bleu(std::span<const std::string> hyps, std::span<const std::vector<std::string>> ref_streams);

// Per-sentence statistics (for bucketing, bootstrap, ...), ref_streams as above.
std::vector<BleuStats> sentence_bleu_stats_all(std::span<const std::string> hyps,
                                               std::span<const std::vector<std::string>> ref_streams);

// BLEU of the sentences whose source length falls in each bucket. With edges e1 < e2 < ... < ek the buckets
// are [0, e1), [e1, e2), ..., [ek, inf); src_lengths[i] belongs to hyps[i]. Every bucket is listed, empty
// ones with count 0 and bleu 0.
struct LengthBucket {
  int64_t lo = 0;   // first length in the bucket
  int64_t hi = -1;  // last length in the bucket; -1 = no upper end
  int64_t count = 0;
  double bleu = 0;
  std::string range() const;  // "0-9", "10-19", "30+"
};
std::vector<LengthBucket> bleu_by_length_bucket(std::span<const std::string> hyps, std::span<const std::string> refs,
                                                std::span<const int64_t> src_lengths,
                                                std::span<const int64_t> bucket_edges);

}  // namespace attend::eval
