// Levenshtein distance (two-row dynamic programme) and PER/WER for grapheme-to-phoneme evaluation.
#include "eval/edit_distance.h"

#include <algorithm>
#include <numeric>

#include "base/error.h"

namespace attend::eval {
namespace {

// d[i][j] = distance between a[:i] and b[:j]; d[i][j] = min(d[i-1][j] + 1, d[i][j-1] + 1,
// d[i-1][j-1] + (a[i-1] != b[j-1])), kept as two rows.
template <class T>
int64_t levenshtein(std::span<const T> a, std::span<const T> b) {
  std::vector<int64_t> prev(b.size() + 1), cur(b.size() + 1);
  std::iota(prev.begin(), prev.end(), int64_t{0});
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = static_cast<int64_t>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      const int64_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

int64_t edit_distance(std::span<const std::string> a, std::span<const std::string> b) { return levenshtein(a, b); }
int64_t edit_distance(std::span<const int64_t> a, std::span<const int64_t> b) { return levenshtein(a, b); }

G2pScore score_g2p_word(std::span<const std::string> hyp, std::span<const std::vector<std::string>> refs) {
  ATTEND_CHECK(!refs.empty(), "g2p score: a word has no reference pronunciation");
  int64_t best_dist = -1, best_len = 0;
  bool exact = false;
  for (const auto& ref : refs) {
    const int64_t d = edit_distance(hyp, ref);
    const auto len = static_cast<int64_t>(ref.size());
    exact = exact || d == 0;
    if (best_dist < 0 || d < best_dist || (d == best_dist && len < best_len)) {
      best_dist = d;
      best_len = len;
    }
  }
  G2pScore w;
  w.phoneme_errors = best_dist;
  w.ref_phonemes = best_len;
  w.word_errors = exact ? 0 : 1;
  w.words = 1;
  return w;
}

void G2pScorer::add(std::span<const std::string> hyp, std::span<const std::vector<std::string>> refs) {
  ATTEND_CHECK(!refs.empty(), "g2p score: word {} has no reference pronunciation", s_.words + 1);
  add(score_g2p_word(hyp, refs));
}

void G2pScorer::add(const G2pScore& w) {
  s_.phoneme_errors += w.phoneme_errors;
  s_.ref_phonemes += w.ref_phonemes;
  s_.word_errors += w.word_errors;
  s_.words += w.words;
}

void G2pScorer::add(std::span<const std::string> hyp, std::span<const std::string> ref) {
  const std::vector<std::vector<std::string>> refs{std::vector<std::string>(ref.begin(), ref.end())};
  add(hyp, refs);
}

G2pScore G2pScorer::result() const {
  G2pScore r = s_;
  r.per = r.ref_phonemes ? 100.0 * static_cast<double>(r.phoneme_errors) / static_cast<double>(r.ref_phonemes) : 0.0;
  r.wer = r.words ? 100.0 * static_cast<double>(r.word_errors) / static_cast<double>(r.words) : 0.0;
  return r;
}

G2pScore score_g2p(std::span<const std::vector<std::string>> hyps,
                   std::span<const std::vector<std::vector<std::string>>> refs) {
  ATTEND_CHECK(hyps.size() == refs.size(), "g2p score: {} hypotheses but {} references", hyps.size(), refs.size());
  G2pScorer scorer;
  for (size_t i = 0; i < hyps.size(); ++i) scorer.add(hyps[i], refs[i]);
  return scorer.result();
}

G2pScore score_g2p(std::span<const std::vector<std::string>> hyps, std::span<const std::vector<std::string>> refs) {
  ATTEND_CHECK(hyps.size() == refs.size(), "g2p score: {} hypotheses but {} references", hyps.size(), refs.size());
  G2pScorer scorer;
  for (size_t i = 0; i < hyps.size(); ++i) scorer.add(hyps[i], refs[i]);
  return scorer.result();
}

}  // namespace attend::eval
