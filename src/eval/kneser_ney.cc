// Interpolated modified Kneser-Ney n-gram model: counting, discounts, lookup (see kneser_ney.h).
#include "eval/kneser_ney.h"

#include <algorithm>
#include <cmath>

#include "base/error.h"

namespace attend::eval {

KneserNeyLm::KneserNeyLm(int order, int32_t vocab, int32_t bos, std::span<const std::vector<int32_t>> sequences)
    : order_(order), vocab_(vocab), bos_(bos) {
  ATTEND_CHECK(order >= 1 && order <= 32, "kneser-ney: order must be 1..32, got {}", order);
  ATTEND_CHECK(vocab >= 1 && bos >= 0 && bos < vocab, "kneser-ney: bos {} outside the vocabulary of {}", bos, vocab);
  histories_.emplace_back();
  std::vector<int32_t> t;
  for (const std::vector<int32_t>& seq : sequences) {
    t.assign(1, bos);
    for (int32_t tok : seq) {
      ATTEND_CHECK(tok >= 0 && tok < vocab, "kneser-ney: token {} outside the vocabulary of {}", tok, vocab);
      ATTEND_CHECK(tok != bos, "kneser-ney: the begin token {} inside a training sequence", bos);
      t.push_back(tok);
    }
    for (size_t i = 1; i < t.size(); ++i) {
      int32_t h = 0;  // the history t[i-k+1 .. i-1], grown one older token per order
      for (int k = 1;; ++k) {
        auto [it, fresh] = ngram_index_.emplace(key(h, t[i]), static_cast<int32_t>(ngrams_.size()));
        if (fresh) ngrams_.push_back({h, t[i]});
        ngrams_[it->second].raw += 1;
        if (k == order || static_cast<int64_t>(i) - k < 0) break;
        h = add_history(h, t[i - k]);
      }
    }
  }
  // Continuation counts: each distinct n-gram (x h w) adds one to (h w).
  for (const Ngram& g : ngrams_)
    if (g.history != 0) ngrams_[ngram_index_.at(key(histories_[g.history].parent, g.token))].distinct_before += 1;

  // The count each n-gram enters the formula with, and the discounts from each order's counts of counts.
  std::vector<std::array<int64_t, 4>> count_of_counts(order_, std::array<int64_t, 4>{});
  for (const Ngram& g : ngrams_) {
    const int64_t c = adjusted_count(g);
    if (c >= 1 && c <= 4) count_of_counts[histories_[g.history].depth][c - 1] += 1;
  }
  discounts_.resize(order_);
  for (int k = 0; k < order_; ++k) {
    const auto& n = count_of_counts[k];
    const double y = n[0] + 2 * n[1] > 0 ? static_cast<double>(n[0]) / (n[0] + 2.0 * n[1]) : 0.5;
    for (int r = 1; r <= 3; ++r) {
      // D_r = r - (r+1) Y n_{r+1} / n_r; out of (0, r) (too little data to estimate it) -> a fixed r/2.
      const double d = n[r - 1] > 0 ? r - (r + 1) * y * n[r] / static_cast<double>(n[r - 1]) : -1;
      discounts_[k][r - 1] = std::isfinite(d) && d > 0 && d < r ? d : r * 0.5;
    }
  }
  for (const Ngram& g : ngrams_) {
    const int64_t c = adjusted_count(g);
    if (c <= 0) continue;  // cannot happen (every counted n-gram has a predecessor or starts at bos)
    History& h = histories_[g.history];
    h.total += static_cast<double>(c);
    h.n[std::min<int64_t>(c, 3) - 1] += 1;
  }
  begin_ = advance(0, bos);
}

// The count an n-gram enters the formula with: raw at the highest order and for n-grams that start at the
// sequence start (nothing can precede them), the continuation count below.
int64_t KneserNeyLm::adjusted_count(const Ngram& g) const {
  const History& h = histories_[g.history];
  const bool raw = h.depth + 1 == order_ || (h.depth > 0 && h.oldest == bos_);
  return raw ? g.raw : g.distinct_before;
}

int32_t KneserNeyLm::history_child(int32_t h, int32_t token) const {
  const auto it = history_children_.find(key(h, token));
  return it == history_children_.end() ? -1 : it->second;
}

int32_t KneserNeyLm::add_history(int32_t h, int32_t token) {
  auto [it, fresh] = history_children_.emplace(key(h, token), static_cast<int32_t>(histories_.size()));
  if (fresh) {
    History child;
    child.parent = h;
    child.oldest = token;
    child.depth = histories_[h].depth + 1;
    histories_.push_back(child);
  }
  return it->second;
}

double KneserNeyLm::discount(int k, int64_t count) const {
  return count <= 0 ? 0.0 : discounts_[k - 1][std::min<int64_t>(count, 3) - 1];
}

KneserNeyLm::State KneserNeyLm::advance(State h, int32_t token) const {
  if (order_ == 1) return 0;
  // The tokens of h, most recent first, are the `oldest` fields from the root down to h: collect upwards.
  std::array<int32_t, 32> older{};
  int n = 0;
  for (int32_t node = h; node != 0; node = histories_[node].parent) older[n++] = histories_[node].oldest;
  int32_t node = history_child(0, token);
  if (node < 0) return 0;
  for (int i = n - 1; i >= 0 && histories_[node].depth < order_ - 1; --i) {
    const int32_t child = history_child(node, older[i]);
    if (child < 0) break;
    node = child;
  }
  return node;
}

double KneserNeyLm::log_prob(State state, int32_t token, State* next) const {
  ATTEND_CHECK(token >= 0 && token < vocab_, "kneser-ney: token {} outside the vocabulary of {}", token, vocab_);
  std::array<int32_t, 32> chain{};  // state, its parent, ..., the root
  int n = 0;
  for (int32_t node = state;; node = histories_[node].parent) {
    chain[n++] = node;
    if (node == 0) break;
  }
  double p = 1.0 / vocab_;
  for (int i = n - 1; i >= 0; --i) {
    const History& h = histories_[chain[i]];
    if (h.total <= 0) continue;
    const int k = h.depth + 1;
    int64_t c = 0;
    if (const auto it = ngram_index_.find(key(chain[i], token)); it != ngram_index_.end())
      c = adjusted_count(ngrams_[it->second]);
    const auto& d = discounts_[k - 1];
    const double gamma = d[0] * h.n[0] + d[1] * h.n[1] + d[2] * h.n[2];
    p = (std::max(static_cast<double>(c) - discount(k, c), 0.0) + gamma * p) / h.total;
  }
  if (next) *next = advance(state, token);
  return std::log(p);
}

std::vector<int64_t> KneserNeyLm::ngram_counts() const {
  std::vector<int64_t> counts(order_, 0);
  for (const Ngram& g : ngrams_) counts[histories_[g.history].depth] += 1;
  return counts;
}

}  // namespace attend::eval
