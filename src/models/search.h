// Decoding over the StepModel interface: batched beam search (with GNMT length normalisation and n-best
// lists) and greedy search, its beam-1 fast path. Both advance every live hypothesis of every sentence of
// the batch in one StepModel::step call per time step and drop finished sentences from the model's state
// (StepModel::select), so the work shrinks as sentences finish.
//
// Usage (src [Ts,B] int64 padded with kPad, src_mask [Ts,B] float, 1 = token):
//   SearchOptions opt;  opt.beam = 5;  opt.nbest = 3;  opt.keep_weights = true;
//   std::vector<std::vector<Hypothesis>> out = beam_search(model, src, src_mask, opt);
//   out[b][0].tokens  // sentence b's best translation, without EOS
//   std::vector<Hypothesis> g = greedy_search(model, src, src_mask, opt);  // one per sentence
//
// Conventions (the same in both searches):
//  * Length limit. Sentence b's real source length S_b is the number of nonzero entries in its src_mask
//    column. A hypothesis has at most L_b = max(1, min(max_length if > 0, floor(max_length_ratio * S_b +
//    max_length_offset))) tokens, EOS excluded. A hypothesis that reaches L_b tokens is finished as it is
//    (ended_by_eos = false); no EOS log-prob is added for it.
//  * Log-prob and length. log_prob is the sum (in double) of the model's log-probs of every predicted
//    token: the tokens and, when ended_by_eos, the EOS. The length |Y| used for normalisation counts the
//    same predictions: tokens.size() + 1 with EOS, tokens.size() when cut at the limit.
//  * Score. score = log_prob / lp(|Y|) with GNMT's lp(n) = ((5 + n) / 6)^alpha, alpha = length_penalty
//    (alpha = 0: score = log_prob). Hypotheses are ranked by score.
//  * Beam step. Each step ranks a sentence's candidates (live hypothesis x next token) by accumulated
//    log_prob (ties: earlier live hypothesis, then smaller token id). EOS candidates ranked within the
//    first `beam` are finished; the best non-EOS candidates, up to `beam` of them, stay live. A sentence
//    starts with a single live hypothesis (BOS), not `beam` copies of it. With beam = 1 this is greedy.
//  * Finished pool. Each sentence keeps its best `beam` finished hypotheses by score (ties: the earlier
//    finished first); the result is its best `nbest`, best first.
//  * Stopping. A sentence is done when (a) no live hypothesis is left (every one reached L_b or the model
//    gave -inf to every continuation), or (b) its pool holds `beam` hypotheses and the best live
//    hypothesis, normalised at its current length (|Y| = its tokens so far, as though it finished now), scores
//    below the worst hypothesis in the pool. (b) is the usual rule; it is exact for alpha = 0 (log-probs
//    only fall as a hypothesis grows), a heuristic for alpha > 0, where a longer hypothesis gains from a
//    larger lp(|Y|).
//  * Impossible tokens. A continuation whose log-prob is -inf is never taken. A NaN or +inf log-prob is
//    an error. So a sentence may return fewer than nbest hypotheses (or none) only when the model gives -inf
//    to (nearly) every continuation, or when fewer than nbest distinct sequences fit in L_b.
//  * Attention weights (keep_weights). The model must return weights [N, Ts] from step(). Each
//    hypothesis keeps, for each of its tokens, that step's row cropped to the sentence's real source
//    positions (those where src_mask is nonzero, in order): weights[i] has S_b entries and belongs to
//    tokens[i]. The EOS step's weights are not kept, so weights.size() == tokens.size().
//  * Token ids follow data/: kBos (1) starts every hypothesis, kEos (2) ends one. The search treats every
//    other id alike (it never bans kPad or kBos; the model's log-probs decide).
#pragma once
#include <cstdint>
#include <vector>

#include "models/step_model.h"
#include "tensor/tensor.h"

namespace attend::models {

struct SearchOptions {
  int64_t beam = 5;               // live hypotheses per sentence, >= 1
  double length_penalty = 1.0;    // GNMT alpha, >= 0 (0: raw log-prob)
  double max_length_ratio = 2.0;  // limit = ratio * source length + offset ...
  int64_t max_length_offset = 10;
  int64_t max_length = 0;         // ... capped by this when > 0
  int64_t min_length = 0;         // EOS is banned (log-prob -inf) until a hypothesis has this many tokens
  int64_t nbest = 1;              // hypotheses returned per sentence, 1..beam
  bool keep_weights = false;      // keep each hypothesis's attention weights (the model must return them)
};

struct Hypothesis {
  std::vector<int64_t> tokens;               // without BOS and EOS
  double log_prob = 0;                       // sum of the predicted tokens' log-probs (EOS included if ended_by_eos)
  double score = 0;                          // log_prob / ((5 + |Y|) / 6)^alpha, see above
  bool ended_by_eos = false;                 // false: cut at the length limit
  std::vector<std::vector<float>> weights;   // [token][S_b] with keep_weights, else empty
};

// GNMT's length normaliser lp(n) = ((5 + n) / 6)^alpha.
double length_normaliser(int64_t length, double alpha);

// The per-sentence token limit L_b described above, from the number of real source tokens.
int64_t max_target_length(int64_t source_length, const SearchOptions& options);

// Beam search over a batch: per sentence, up to nbest finished hypotheses, best first.
std::vector<std::vector<Hypothesis>> beam_search(StepModel& model, const Tensor& src, const Tensor& src_mask,
                                                 const SearchOptions& options);

// Greedy search (the argmax token each step; options.beam and options.nbest are ignored): one hypothesis
// per sentence, equal to beam_search with beam = 1. A sentence whose model gives -inf to every token
// ends there with log_prob = score = -inf and ended_by_eos = false.
std::vector<Hypothesis> greedy_search(StepModel& model, const Tensor& src, const Tensor& src_mask,
                                      const SearchOptions& options);

}  // namespace attend::models
