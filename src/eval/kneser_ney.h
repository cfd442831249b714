// An n-gram language model over integer tokens with interpolated modified Kneser-Ney smoothing (Chen &
// Goodman 1998: three discounts per order; below the highest order an n-gram counts the distinct tokens
// seen before it, except n-grams that start at the sequence start, which keep their raw counts). It is the
// sequence model of the joint-sequence G2P baseline (joint_sequence_g2p.h).
//
// Histories are nodes of a trie read most-recent-token first, so the history one token shorter is a
// node's parent and every lookup is exact (no hashing of whole n-grams):
//   P(w | h) = (max(c(h w) - D(c(h w)), 0) + γ(h) P(w | h')) / Σ_v c(h v),  γ(h) = Σ_{r=1..3} D_r N_r(h)
// with h' = h without its oldest token, N_r(h) the number of tokens seen after h with count r (3 = "3 or
// more"), and P(w | empty history) interpolated with the uniform 1/vocab. A history never seen before
// anything falls through to h'. Probabilities sum to one over the vocabulary at every history.
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

namespace attend::eval {

class KneserNeyLm {
 public:
  // A state is a history node: the longest suffix of the tokens so far (at most order - 1 of them) that
  // training saw before some token. States are small integers; equal states have equal futures.
  using State = int32_t;

  // Tokens are 0..vocab-1. Each training sequence is read as `bos t1 ... tn`, every token after bos
  // predicted (so a caller that wants an end-of-sequence token appends it). order >= 1.
  KneserNeyLm(int order, int32_t vocab, int32_t bos, std::span<const std::vector<int32_t>> sequences);

  State begin_state() const { return begin_; }
  // log P(token | state) (natural log); when `next` is non-null it receives the state after `token`.
  double log_prob(State state, int32_t token, State* next = nullptr) const;

  int order() const { return order_; }
  int32_t vocab() const { return vocab_; }
  // Distinct n-grams of each order 1..order (index 0 = unigrams).
  std::vector<int64_t> ngram_counts() const;
  // The discounts D_1, D_2, D_3+ of order k (1-based).
  const std::array<double, 3>& discounts(int k) const { return discounts_[k - 1]; }

 private:
  struct History {
    int32_t parent = -1;  // the history without its oldest token
    int32_t oldest = -1;  // that token
    int32_t depth = 0;    // tokens in the history
    double total = 0;     // Σ_v c(h v)
    std::array<int32_t, 3> n{};  // tokens after h with count 1, 2, 3+
  };
  struct Ngram {
    int32_t history;
    int32_t token;
    int64_t raw = 0;     // occurrences
    int64_t distinct_before = 0;  // distinct tokens seen before the n-gram (continuation count)
  };
  static uint64_t key(int32_t node, int32_t token) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(node)) << 32) | static_cast<uint32_t>(token);
  }
  int64_t adjusted_count(const Ngram& g) const;
  int32_t history_child(int32_t h, int32_t token) const;
  int32_t add_history(int32_t h, int32_t token);
  double discount(int k, int64_t count) const;
  // The history after appending `token` to the tokens of `h`.
  State advance(State h, int32_t token) const;

  int order_;
  int32_t vocab_;
  int32_t bos_;
  State begin_ = 0;
  std::vector<History> histories_;  // node 0 = the empty history
  std::unordered_map<uint64_t, int32_t> history_children_;
  std::vector<Ngram> ngrams_;
  std::unordered_map<uint64_t, int32_t> ngram_index_;  // (history, token) -> ngrams_ index
  std::vector<std::array<double, 3>> discounts_;
};

}  // namespace attend::eval
