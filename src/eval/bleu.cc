// Corpus BLEU as sacreBLEU 2.x computes it (see bleu.h). N-grams of interned token ids are packed into
// exact 128-bit keys and counted in hash tables reused across sentences.
#include "eval/bleu.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "base/error.h"
#include "eval/ngram_table.h"
#include "eval/text.h"
#include "eval/tokenize_13a.h"

namespace attend::eval {
namespace {

using detail::NgramKey;

// An n-gram of token ids (each id in 1..2^31-1) packed exactly: the order in bits 124..126, then the ids
// in 31-bit fields from bit 93 down.
NgramKey pack_ngram(const uint32_t* ids, int n) {
  NgramKey k = static_cast<NgramKey>(n) << 124;
  for (int j = 0; j < n; ++j) k |= static_cast<NgramKey>(ids[j]) << (93 - 31 * j);
  return k;
}

// Tables reused from sentence to sentence (one set per thread).
struct BleuScratch {
  detail::StampedTable<std::string_view, uint32_t, detail::StringViewHash> ids;
  detail::StampedTable<NgramKey, int64_t, detail::NgramKeyHash> ref_max, one_ref, hyp;
  std::vector<uint32_t> buf;
  uint32_t next_id = 0;

  // Token ids shared by the hypothesis and the references of one sentence.
  const std::vector<uint32_t>& to_ids(std::span<const std::string_view> tokens) {
    buf.clear();
    for (std::string_view t : tokens) {
      uint32_t& id = ids[t];
      if (id == 0) id = ++next_id;
      buf.push_back(id);
    }
    return buf;
  }
};

// Calls f(order, key) for every n-gram of orders 1..4.
template <class F>
void for_each_ngram(const std::vector<uint32_t>& ids, F&& f) {
  for (int n = 1; n <= kBleuOrder; ++n) {
    for (size_t i = 0; i + n <= ids.size(); ++i) f(n, pack_ngram(ids.data() + i, n));
  }
}

// The reference length BLEU uses: the closest to the hypothesis length, ties to the shorter.
int64_t closest_ref_len(int64_t hyp_len, const std::vector<int64_t>& ref_lens) {
  int64_t best_diff = -1, best_len = -1;
  for (int64_t r : ref_lens) {
    const int64_t diff = std::llabs(hyp_len - r);
    if (best_diff == -1 || diff < best_diff) {
      best_diff = diff;
      best_len = r;
    } else if (diff == best_diff && r < best_len) {
      best_len = r;
    }
  }
  return best_len;
}

// sacreBLEU's my_log: log, with log(0) floored to -9999999999.
double floored_log(double x) { return x == 0.0 ? -9999999999.0 : std::log(x); }

void check_stream_sizes(std::span<const std::string> hyps, std::span<const std::vector<std::string>> ref_streams) {
  ATTEND_CHECK(!ref_streams.empty(), "bleu: no reference stream given");
  for (size_t k = 0; k < ref_streams.size(); ++k) {
    ATTEND_CHECK(ref_streams[k].size() == hyps.size(),
                 "bleu: {} hypotheses but reference stream {} has {} sentences", hyps.size(), k + 1,
                 ref_streams[k].size());
  }
}

}  // namespace

BleuStats& BleuStats::operator+=(const BleuStats& o) {
  for (int n = 0; n < kBleuOrder; ++n) {
    matches[n] += o.matches[n];
    totals[n] += o.totals[n];
  }
  hyp_len += o.hyp_len;
  ref_len += o.ref_len;
  sentences += o.sentences;
  return *this;
}

BleuStats sentence_bleu_stats_tokens(std::span<const std::string_view> hyp,
                                     std::span<const std::vector<std::string_view>> refs) {
  ATTEND_CHECK(!refs.empty(), "bleu: a sentence has no reference");
  thread_local BleuScratch sc;
  size_t tokens = hyp.size(), ref_ngrams = 0;
  for (const auto& ref : refs) {
    tokens += ref.size();
    ref_ngrams += kBleuOrder * ref.size();
  }
  sc.ids.reset(tokens);
  sc.next_id = 0;

  // Per n-gram, the largest count in any one reference.
  sc.ref_max.reset(ref_ngrams);
  std::vector<int64_t> ref_lens;
  for (const auto& ref : refs) {
    ref_lens.push_back(static_cast<int64_t>(ref.size()));
    const std::vector<uint32_t>& ids = sc.to_ids(ref);
    if (refs.size() == 1) {
      for_each_ngram(ids, [&](int, NgramKey k) { ++sc.ref_max[k]; });
    } else {
      sc.one_ref.reset(kBleuOrder * ids.size());
      for_each_ngram(ids, [&](int, NgramKey k) {
        const int64_t c = ++sc.one_ref[k];
        int64_t& m = sc.ref_max[k];
        m = std::max(m, c);
      });
    }
  }

  BleuStats s;
  s.sentences = 1;
  s.hyp_len = static_cast<int64_t>(hyp.size());
  s.ref_len = closest_ref_len(s.hyp_len, ref_lens);
  // The k-th occurrence of an n-gram in the hypothesis matches while k <= its reference count, so the sum
  // is min(hypothesis count, reference count) per n-gram.
  const std::vector<uint32_t>& ids = sc.to_ids(hyp);
  sc.hyp.reset(kBleuOrder * ids.size());
  for_each_ngram(ids, [&](int n, NgramKey k) {
    s.totals[n - 1] += 1;
    const int64_t seen = ++sc.hyp[k];
    const int64_t* in_ref = sc.ref_max.find(k);
    if (in_ref && seen <= *in_ref) s.matches[n - 1] += 1;
  });
  return s;
}

BleuStats sentence_bleu_stats(std::string_view hyp, std::span<const std::string> refs) {
  std::vector<std::string> ref_tok;
  for (const std::string& r : refs) {
    if (!r.empty()) ref_tok.push_back(tokenize_13a(rstrip_whitespace(r)));
  }
  ATTEND_CHECK(!ref_tok.empty(), "bleu: every reference of the sentence is empty");
  const std::string hyp_tok = tokenize_13a(rstrip_whitespace(hyp));
  std::vector<std::vector<std::string_view>> ref_words;
  for (const std::string& r : ref_tok) ref_words.push_back(split_whitespace(r));
  const std::vector<std::string_view> hyp_words = split_whitespace(hyp_tok);
  return sentence_bleu_stats_tokens(hyp_words, ref_words);
}

BleuResult bleu_from_stats(const BleuStats& s) {
  BleuResult r;
  r.matches = s.matches;
  r.totals = s.totals;
  r.hyp_len = s.hyp_len;
  r.ref_len = s.ref_len;
  r.sentences = s.sentences;
  r.ratio = s.ref_len ? static_cast<double>(s.hyp_len) / static_cast<double>(s.ref_len) : 0.0;
  if (s.hyp_len < s.ref_len) {
    r.bp = s.hyp_len > 0 ? std::exp(1.0 - static_cast<double>(s.ref_len) / static_cast<double>(s.hyp_len)) : 0.0;
  } else {
    r.bp = 1.0;
  }
  bool any_match = false;
  for (int64_t m : s.matches) any_match = any_match || m != 0;
  if (!any_match) return r;  // score 0, precisions 0

  double smooth = 1.0;
  for (int n = 0; n < kBleuOrder; ++n) {
    if (s.totals[n] == 0) break;  // the remaining precisions stay 0, so the score is 0
    if (s.matches[n] == 0) {
      smooth *= 2;
      r.precisions[n] = 100.0 / (smooth * static_cast<double>(s.totals[n]));
    } else {
      r.precisions[n] = 100.0 * static_cast<double>(s.matches[n]) / static_cast<double>(s.totals[n]);
    }
  }
  double log_sum = 0;
  for (double p : r.precisions) log_sum += floored_log(p);
  r.bleu = r.bp * std::exp(log_sum / kBleuOrder);
  return r;
}

std::string BleuResult::to_string() const {
  return fmt::format("BLEU = {:.2f} {:.1f}/{:.1f}/{:.1f}/{:.1f} (BP = {:.3f} ratio = {:.3f} hyp_len = {} ref_len = {})",
                     bleu, precisions[0], precisions[1], precisions[2], precisions[3], bp, ratio, hyp_len, ref_len);
}

std::vector<BleuStats> sentence_bleu_stats_all(std::span<const std::string> hyps,
                                               std::span<const std::vector<std::string>> ref_streams) {
  check_stream_sizes(hyps, ref_streams);
  std::vector<BleuStats> out;
  out.reserve(hyps.size());
  std::vector<std::string> refs(ref_streams.size());
  for (size_t i = 0; i < hyps.size(); ++i) {
    bool any = false;
    for (size_t k = 0; k < ref_streams.size(); ++k) {
      refs[k] = ref_streams[k][i];
      any = any || !refs[k].empty();
    }
    ATTEND_CHECK(any, "bleu: the reference of sentence {} is empty", i + 1);
    out.push_back(sentence_bleu_stats(hyps[i], refs));
  }
  return out;
}

BleuResult corpus_bleu(std::span<const std::string> hyps, std::span<const std::vector<std::string>> ref_streams) {
  BleuStats total;
  for (const BleuStats& s : sentence_bleu_stats_all(hyps, ref_streams)) total += s;
  return bleu_from_stats(total);
}

BleuResult corpus_bleu(std::span<const std::string> hyps, std::span<const std::string> refs) {
  const std::vector<std::vector<std::string>> streams{std::vector<std::string>(refs.begin(), refs.end())};
  return corpus_bleu(hyps, streams);
}

std::string LengthBucket::range() const {
  return hi < 0 ? fmt::format("{}+", lo) : fmt::format("{}-{}", lo, hi);
}

std::vector<LengthBucket> bleu_by_length_bucket(std::span<const std::string> hyps, std::span<const std::string> refs,
                                                std::span<const int64_t> src_lengths,
                                                std::span<const int64_t> bucket_edges) {
  ATTEND_CHECK(src_lengths.size() == hyps.size(), "bleu_by_length_bucket: {} hypotheses but {} source lengths",
               hyps.size(), src_lengths.size());
  for (size_t k = 0; k < bucket_edges.size(); ++k) {
    ATTEND_CHECK(bucket_edges[k] > (k == 0 ? 0 : bucket_edges[k - 1]),
                 "bleu_by_length_bucket: bucket edges must be positive and increasing: {}",
                 std::vector<int64_t>(bucket_edges.begin(), bucket_edges.end()));
  }
  const std::vector<std::vector<std::string>> streams{std::vector<std::string>(refs.begin(), refs.end())};
  const std::vector<BleuStats> stats = sentence_bleu_stats_all(hyps, streams);

  std::vector<LengthBucket> buckets(bucket_edges.size() + 1);
  std::vector<BleuStats> sums(buckets.size());
  for (size_t b = 0; b < buckets.size(); ++b) {
    buckets[b].lo = b == 0 ? 0 : bucket_edges[b - 1];
    buckets[b].hi = b < bucket_edges.size() ? bucket_edges[b] - 1 : -1;
  }
  for (size_t i = 0; i < stats.size(); ++i) {
    ATTEND_CHECK(src_lengths[i] >= 0, "bleu_by_length_bucket: negative source length {} at sentence {}",
                 src_lengths[i], i + 1);
    const size_t b = static_cast<size_t>(
        std::upper_bound(bucket_edges.begin(), bucket_edges.end(), src_lengths[i]) - bucket_edges.begin());
    sums[b] += stats[i];
  }
  for (size_t b = 0; b < buckets.size(); ++b) {
    buckets[b].count = sums[b].sentences;
    buckets[b].bleu = sums[b].sentences ? bleu_from_stats(sums[b]).bleu : 0.0;
  }
  return buckets;
}

}  // namespace attend::eval
