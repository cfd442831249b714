// An unsupervised word aligner: IBM Model 2 with the diagonal-favouring reparameterisation of fast_align
// (Dyer, Chahuneau & Smith 2013), trained by EM, optionally with a variational-Bayes (Dirichlet) prior on
// the translation table and the diagonal tension learned from the data. It is the classic baseline the
// attention alignments of a translation model are compared with, built on the same text and scored
// against the same gold (`attend align`).
//
// Model, for a target sentence f of m words and a source sentence e of n words: each target word j picks
// a source word a_j = i (or the null word) with
//   p(a_j = null) = p0,  p(a_j = i) = (1 - p0) exp(λ h(i, j)) / Z_λ(j),  h(i, j) = -|(i+1)/n - (j+1)/m|,
// and is emitted with probability t(f_j | e_{a_j}). Decoding links each target word to its most probable
// source word (no link when the null word wins).
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "eval/aer.h"

namespace attend::eval {

struct Ibm2Options {
  int iterations = 5;
  double null_prob = 0.08;     // p0
  double tension = 4.0;        // λ: the initial value when optimise_tension
  bool optimise_tension = true;
  double alpha = 0.01;         // Dirichlet concentration of t(.|e) for variational Bayes; 0 = plain EM
};

// One sentence pair as word ids; source id 0 is reserved for the null word.
struct WordIdPair {
  std::vector<int32_t> src;  // ids >= 1
  std::vector<int32_t> tgt;  // ids >= 0
};

class Ibm2Aligner {
 public:
  // Trains on `corpus` (which it keeps a copy of) right away. Sentences with an empty side are kept
  // but contribute nothing.
  Ibm2Aligner(std::vector<WordIdPair> corpus, const Ibm2Options& opt);

  // Links (source i, target j), sorted, of sentence `s` of the training corpus.
  std::vector<Link> align(size_t s) const;
  double tension() const { return tension_; }
  // Per-word log-likelihood of the corpus under the parameters of the E-step of each iteration.
  const std::vector<double>& log_likelihood() const { return log_likelihood_; }
  // The translation probability t(f | e) (e = 0: the null word); 0 for pairs never seen together. A linear
  // scan of the table: for tests and inspection.
  double translation_prob(int32_t e, int32_t f) const;

 private:
  void build_pair_ids();
  double e_step(std::vector<double>& counts, std::vector<double>& weight_by_position, double& expected_h) const;
  void m_step(const std::vector<double>& counts);
  void fit_tension(const std::vector<double>& weight_by_position, double expected_h);
  // Σ over shapes and target positions of weight × E_λ[h] under the prior alone.
  double expected_prior_h(const std::vector<double>& weight_by_position, double lambda) const;

  Ibm2Options opt_;
  std::vector<WordIdPair> corpus_;
  // For sentence s, pair_ids_[offset_[s] + j * (n + 1) + i] is the table index of (e_i, f_j), i = 0 the
  // null word and i = 1..n the source words.
  std::vector<int64_t> offset_;
  std::vector<int32_t> pair_ids_;
  std::vector<int32_t> pair_src_;  // the source word of each table entry
  std::vector<int32_t> pair_tgt_;
  std::vector<double> t_;           // t(f | e) per table entry
  // (m, n) shapes of the corpus, and where each shape's per-target-position weights live.
  std::vector<std::pair<int32_t, int32_t>> shapes_;
  std::vector<int32_t> shape_of_;       // per sentence: index into shapes_
  std::vector<int64_t> shape_offset_;   // per shape: first position in weight_by_position
  double tension_ = 4.0;
  std::vector<double> log_likelihood_;
};

// The digamma function ψ(x) for x > 0.
double digamma(double x);

// Grow-diag-final-and symmetrisation (Koehn et al. 2005) of two directional alignments of one sentence,
// both given in (source, target) orientation: start from their intersection, grow into neighbouring
// (also diagonal) links of the union that cover a still-unaligned word, then add union links whose two
// words are both unaligned. Output sorted.
std::vector<Link> grow_diag_final_and(std::span<const Link> forward, std::span<const Link> reverse);

// The key a word is counted under by the aligner: lowercased (ASCII and Latin-1 letters) and stripped of
// leading and trailing punctuation; a word of punctuation only is kept as it is.
std::string alignment_word_key(std::string_view word);

}  // namespace attend::eval
