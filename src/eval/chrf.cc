// chrF as sacreBLEU 2.x computes it (see chrf.h). Character n-grams are packed into exact 128-bit keys
// (up to six 21-bit code points) and matched through a hash table reused across sentences.
#include "eval/chrf.h"


#include "base/error.h"
#include "eval/ngram_table.h"
#include "eval/text.h"

namespace attend::eval {
namespace {

using detail::NgramKey;
constexpr int kMaxOrder = 6;  // 6 code points x 21 bits fit in 128

// The character n-grams of one text, per order, unsorted. A key packs n code points of 21 bits each
// (invalid bytes map to 0x110000 + byte, still under 2^21), so keys of one order are equal exactly when
// the n-grams are.
struct CharNgrams {
  std::vector<std::vector<NgramKey>> by_order;
};

void char_ngrams(std::string_view text, const ChrfOptions& opt, CharNgrams& out) {
  thread_local std::vector<char32_t> chars;
  chars.clear();
  for (size_t i = 0; i < text.size();) {
    const char32_t c = next_code_point(text, i);
    if (opt.whitespace || !is_python_space(c)) chars.push_back(c);
  }
  out.by_order.resize(opt.char_order);
  for (int n = 1; n <= opt.char_order; ++n) {
    std::vector<NgramKey>& keys = out.by_order[n - 1];
    keys.clear();
    if (chars.size() < static_cast<size_t>(n)) continue;
    // Order n from order n-1: key_n[i] = key_{n-1}[i] << 21 | chars[i + n - 1].
    for (size_t i = 0; i + n <= chars.size(); ++i) {
      const NgramKey prev = n == 1 ? 0 : out.by_order[n - 2][i];
      keys.push_back((prev << 21) | static_cast<NgramKey>(chars[i + n - 1]));
    }
  }
}

ChrfStats match_stats(const CharNgrams& hyp, const CharNgrams& ref, const ChrfOptions& opt) {
  thread_local detail::StampedTable<NgramKey, int64_t, detail::NgramKeyHash> ref_counts;
  ChrfStats s(opt.char_order);
  s.sentences = 1;
  for (int n = 0; n < opt.char_order; ++n) {
    const auto& h = hyp.by_order[n];
    const auto& r = ref.by_order[n];
    // sacreBLEU does not count hypothesis n-grams of an order the reference has none of.
    s.hyp[n] = r.empty() ? 0 : static_cast<int64_t>(h.size());
    s.ref[n] = static_cast<int64_t>(r.size());
    if (r.empty() || h.empty()) continue;
    ref_counts.reset(r.size());
    for (NgramKey k : r) ++ref_counts[k];
    // Each hypothesis occurrence takes one unused reference occurrence: min(count in hyp, count in ref).
    for (NgramKey k : h) {
      int64_t* left = ref_counts.find(k);
      if (left && *left > 0) {
        --*left;
        ++s.match[n];
      }
    }
  }
  return s;
}

void check_options(const ChrfOptions& opt) {
  ATTEND_CHECK(opt.char_order >= 1 && opt.char_order <= kMaxOrder, "chrf: char_order must be in 1..{}, got {}",
               kMaxOrder, opt.char_order);
  ATTEND_CHECK(opt.beta > 0, "chrf: beta must be positive, got {}", opt.beta);
}

ChrfStats best_of(std::string_view hyp, std::span<const std::string_view> refs, const ChrfOptions& opt) {
  ATTEND_CHECK(!refs.empty(), "chrf: every reference of the sentence is empty");
  thread_local CharNgrams h, r;
  char_ngrams(hyp, opt, h);
  ChrfStats best(opt.char_order);
  double best_score = -1.0;
  for (std::string_view ref : refs) {
    char_ngrams(ref, opt, r);
    ChrfStats s = match_stats(h, r, opt);
    if (refs.size() == 1) return s;
    const double f = chrf_from_stats(s, opt).chrf;
    if (f > best_score) {
      best_score = f;
      best = std::move(s);
    }
  }
  return best;
}

}  // namespace

ChrfStats& ChrfStats::operator+=(const ChrfStats& o) {
  ATTEND_CHECK(o.hyp.size() == hyp.size(), "chrf: adding statistics of order {} to order {}", o.hyp.size(),
               hyp.size());
  for (size_t n = 0; n < hyp.size(); ++n) {
    hyp[n] += o.hyp[n];
    ref[n] += o.ref[n];
    match[n] += o.match[n];
  }
  sentences += o.sentences;
  return *this;
}

ChrfStats sentence_chrf_stats(std::string_view hyp, std::string_view ref, const ChrfOptions& opt) {
  check_options(opt);
  const std::string_view refs[] = {ref};
  return best_of(hyp, refs, opt);
}

ChrfStats sentence_chrf_stats(std::string_view hyp, std::span<const std::string> refs, const ChrfOptions& opt) {
  check_options(opt);
  std::vector<std::string_view> kept;
  for (const std::string& r : refs) {
    if (!r.empty()) kept.push_back(r);
  }
  return best_of(hyp, kept, opt);
}

ChrfResult chrf_from_stats(const ChrfStats& s, const ChrfOptions& opt) {
  check_options(opt);
  ATTEND_CHECK(static_cast<int>(s.hyp.size()) == opt.char_order, "chrf: statistics of order {} for char_order {}",
               s.hyp.size(), opt.char_order);
  constexpr double eps = 1e-16;
  const double factor = opt.beta * opt.beta;
  ChrfResult r;
  r.stats = s;
  double eps_score = 0, avg_prec = 0, avg_rec = 0;
  int effective = 0;
  for (int n = 0; n < opt.char_order; ++n) {
    const double h = static_cast<double>(s.hyp[n]), ref = static_cast<double>(s.ref[n]);
    const double m = static_cast<double>(s.match[n]);
    const double prec = s.hyp[n] > 0 ? m / h : eps;
    const double rec = s.ref[n] > 0 ? m / ref : eps;
    const double denom = factor * prec + rec;
    eps_score += denom > 0 ? (1 + factor) * prec * rec / denom : eps;
    if (s.hyp[n] > 0 && s.ref[n] > 0) {
      avg_prec += prec;
      avg_rec += rec;
      ++effective;
    }
  }
  if (opt.eps_smoothing) {
    r.chrf = 100.0 * eps_score / opt.char_order;
    return r;
  }
  if (effective > 0) {
    avg_prec /= effective;
    avg_rec /= effective;
  }
  r.precision = 100.0 * avg_prec;
  r.recall = 100.0 * avg_rec;
  if (avg_prec + avg_rec > 0) r.chrf = 100.0 * (1 + factor) * avg_prec * avg_rec / (factor * avg_prec + avg_rec);
  return r;
}

std::vector<ChrfStats> sentence_chrf_stats_all(std::span<const std::string> hyps,
                                               std::span<const std::vector<std::string>> ref_streams,
                                               const ChrfOptions& opt) {
  check_options(opt);
  ATTEND_CHECK(!ref_streams.empty(), "chrf: no reference stream given");
  for (size_t k = 0; k < ref_streams.size(); ++k) {
    ATTEND_CHECK(ref_streams[k].size() == hyps.size(), "chrf: {} hypotheses but reference stream {} has {} sentences",
                 hyps.size(), k + 1, ref_streams[k].size());
  }
  std::vector<ChrfStats> out;
  out.reserve(hyps.size());
  std::vector<std::string_view> refs;
  for (size_t i = 0; i < hyps.size(); ++i) {
    refs.clear();
    for (const auto& stream : ref_streams) {
      if (!stream[i].empty()) refs.push_back(stream[i]);
    }
    ATTEND_CHECK(!refs.empty(), "chrf: the reference of sentence {} is empty", i + 1);
    out.push_back(best_of(hyps[i], refs, opt));
  }
  return out;
}

ChrfResult corpus_chrf(std::span<const std::string> hyps, std::span<const std::vector<std::string>> ref_streams,
                       const ChrfOptions& opt) {
  ChrfStats total(opt.char_order);
  for (const ChrfStats& s : sentence_chrf_stats_all(hyps, ref_streams, opt)) total += s;
  return chrf_from_stats(total, opt);
}

ChrfResult corpus_chrf(std::span<const std::string> hyps, std::span<const std::string> refs, const ChrfOptions& opt) {
  const std::vector<std::vector<std::string>> streams{std::vector<std::string>(refs.begin(), refs.end())};
  return corpus_chrf(hyps, streams, opt);
}

}  // namespace attend::eval
