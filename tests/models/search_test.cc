// Beam and greedy search against models whose log-probs are a fixed function of (sentence, prefix): an
// exhaustive beam equals a brute-force enumeration, every beam equals a plain one-sentence twin of the
// algorithm (full sorts, no trellis, no batching), greedy equals beam 1, batches equal sentences alone,
// limits, attention weights along the path, and bad input.
#include "models/search.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "data/reversal.h"
#include "support/expect_error.h"
#include "tensor/rng.h"
#include "tensor/threads.h"

namespace attend::models {
namespace {

using data::kBos;
using data::kEos;
constexpr float kNegInfF = -std::numeric_limits<float>::infinity();
constexpr float kPadWeight = 99.0f;  // what the test model puts at padded source positions

uint64_t mix(uint64_t h, uint64_t v) {  // splitmix64 step over (h, v)
  uint64_t z = h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t hash_seq(uint64_t seed, const std::vector<int64_t>& xs) {
  uint64_t h = mix(seed, xs.size());
  for (int64_t x : xs) h = mix(h, static_cast<uint64_t>(x));
  return h;
}

// Log-probs [V] of the next token after `prefix` (generated tokens, no BOS) for the sentence `key`.
using LogProbFn = std::function<std::vector<float>(uint64_t key, const std::vector<int64_t>& prefix)>;

// A random "language model": logits from a hash of (seed, key, prefix), EOS shifted by eos_bias (-inf: never).
// `levels` > 0 quantises the logits to that many values, which makes ties common.
LogProbFn random_lm(int64_t vocab, uint64_t seed, double eos_bias, int levels = 0) {
  return [=](uint64_t key, const std::vector<int64_t>& prefix) {
    const uint64_t h = mix(hash_seq(seed, prefix), key);
    std::vector<double> logits(static_cast<size_t>(vocab));
    for (int64_t v = 0; v < vocab; ++v) {
      double u = static_cast<double>(mix(h, static_cast<uint64_t>(v)) >> 11) * 0x1.0p-53;
      if (levels > 0) u = std::floor(u * levels) / levels;
      logits[static_cast<size_t>(v)] = 4.0 * u;
    }
    if (vocab > kEos) logits[kEos] += eos_bias;
    double mx = -1e300, sum = 0;
    for (double l : logits) mx = std::max(mx, l);
    for (double l : logits) sum += std::exp(l - mx);
    std::vector<float> out;
    for (double l : logits) out.push_back(std::isinf(l) ? kNegInfF : static_cast<float>(l - mx - std::log(sum)));
    return out;
  };
}

// The attention row the test model emits for (key, prefix) at real source position p: a value that encodes
// the prefix, exactly representable in float.
float path_weight(uint64_t key, const std::vector<int64_t>& prefix, int64_t p) {
  return static_cast<float>(mix(hash_seq(key, prefix), static_cast<uint64_t>(p)) % 1024) / 1024.0f;
}

uint64_t sentence_key(const std::vector<int64_t>& real_tokens) { return hash_seq(77, real_tokens); }

struct TestRow {
  uint64_t key;
  int64_t src_len;
  std::vector<int64_t> history;  // tokens fed so far, BOS first
};

struct TestState : DecoderState {
  std::vector<TestRow> rows_;
  int64_t rows() const override { return static_cast<int64_t>(rows_.size()); }
};

// A StepModel over a LogProbFn. The sentence key hashes the column's real tokens, so a sentence scores the
// same alone or in any batch. It records the rows of every step and checks that the search feeds it BOS
// first and never EOS (other ids, BOS included, are ordinary tokens the random models may emit).
class FnModel : public StepModel {
 public:
  FnModel(int64_t vocab, LogProbFn fn, bool with_weights = true)
      : vocab_(vocab), fn_(std::move(fn)), with_weights_(with_weights) {}

  std::unique_ptr<DecoderState> start(const Tensor& src, const Tensor& mask) override {
    auto state = std::make_unique<TestState>();
    ts_ = src.size(0);
    const int64_t batch = src.size(1);
    auto s = src.to_vector<int64_t>();
    auto m = mask.to_vector<float>();
    for (int64_t b = 0; b < batch; ++b) {
      std::vector<int64_t> real;
      for (int64_t i = 0; i < ts_; ++i)
        if (m[static_cast<size_t>(i * batch + b)] != 0) real.push_back(s[static_cast<size_t>(i * batch + b)]);
      state->rows_.push_back({sentence_key(real), static_cast<int64_t>(real.size()), {}});
    }
    return state;
  }

  Tensor step(DecoderState& base, const Tensor& prev, Tensor* weights) override {
    auto& st = static_cast<TestState&>(base);
    const int64_t n = st.rows();
    EXPECT_EQ(prev.size(0), n);
    auto p = prev.to_vector<int64_t>();
    rows_per_step.push_back(n);
    std::vector<float> lp, w;
    for (int64_t r = 0; r < n; ++r) {
      TestRow& row = st.rows_[static_cast<size_t>(r)];
      const int64_t tok = p[static_cast<size_t>(r)];
      if (row.history.empty()) {
        EXPECT_EQ(tok, kBos) << "BOS first";
      }
      EXPECT_NE(tok, kEos) << "EOS fed back";
      row.history.push_back(tok);
      const std::vector<int64_t> prefix(row.history.begin() + 1, row.history.end());
      auto l = fn_(row.key, prefix);
      lp.insert(lp.end(), l.begin(), l.end());
      for (int64_t i = 0; i < ts_; ++i) w.push_back(i < row.src_len ? path_weight(row.key, prefix, i) : kPadWeight);
    }
    if (weights != nullptr && with_weights_) *weights = Tensor::from(w, {n, ts_});
    return Tensor::from(lp, {n, vocab_});
  }

  void select(DecoderState& base, const std::vector<int64_t>& rows) override {
    auto& st = static_cast<TestState&>(base);
    std::vector<TestRow> kept;
    for (int64_t r : rows) kept.push_back(st.rows_.at(static_cast<size_t>(r)));
    st.rows_ = std::move(kept);
  }

  int64_t target_vocab() const override { return vocab_; }

  std::vector<int64_t> rows_per_step;

 private:
  int64_t vocab_;
  LogProbFn fn_;
  bool with_weights_;
  int64_t ts_ = 0;
};

// A batch: src [Ts, B] with random real tokens then kPad, mask [Ts, B].
struct Batch {
  Tensor src, mask;
  std::vector<std::vector<int64_t>> sentences;
};

Batch make_batch(const std::vector<int64_t>& lengths, uint64_t seed) {
  Rng rng(seed);
  const auto batch = static_cast<int64_t>(lengths.size());
  const int64_t ts = std::max<int64_t>(1, *std::max_element(lengths.begin(), lengths.end()));
  std::vector<int64_t> src(static_cast<size_t>(ts * batch), data::kPad);
  std::vector<float> mask(src.size(), 0.0f);
  Batch out;
  for (int64_t b = 0; b < batch; ++b) {
    std::vector<int64_t> s;
    for (int64_t i = 0; i < lengths[static_cast<size_t>(b)]; ++i) {
      s.push_back(3 + static_cast<int64_t>(rng.below(17)));
      src[static_cast<size_t>(i * batch + b)] = s.back();
      mask[static_cast<size_t>(i * batch + b)] = 1.0f;
    }
    out.sentences.push_back(s);
  }
  out.src = Tensor::from(src, {ts, batch});
  out.mask = Tensor::from(mask, {ts, batch});
  return out;
}

// Every finished sequence of at most `limit` tokens (EOS-ended, or cut at the limit), best score first.
std::vector<Hypothesis> brute_force(const LogProbFn& fn, uint64_t key, int64_t vocab, int64_t limit, double alpha) {
  std::vector<Hypothesis> all;
  std::function<void(std::vector<int64_t>&, double)> walk = [&](std::vector<int64_t>& prefix, double lp) {
    const auto len = static_cast<int64_t>(prefix.size());
    if (len == limit) {
      all.push_back({prefix, lp, lp / length_normaliser(len, alpha), false, {}});
      return;
    }
    auto l = fn(key, prefix);
    if (l[kEos] != kNegInfF) {
      const double e = lp + static_cast<double>(l[kEos]);
      all.push_back({prefix, e, e / length_normaliser(len + 1, alpha), true, {}});
    }
    for (int64_t v = 0; v < vocab; ++v) {
      if (v == kEos || l[static_cast<size_t>(v)] == kNegInfF) continue;
      prefix.push_back(v);
      walk(prefix, lp + static_cast<double>(l[static_cast<size_t>(v)]));
      prefix.pop_back();
    }
  };
  std::vector<int64_t> prefix;
  walk(prefix, 0.0);
  std::stable_sort(all.begin(), all.end(), [](const Hypothesis& a, const Hypothesis& b) { return a.score > b.score; });
  return all;
}

// The search rules of search.h for one sentence, written plainly: every candidate scored and fully sorted,
// hypotheses carried as whole token lists. early_stop = false runs every sentence to its limit.
std::vector<Hypothesis> naive_beam(const LogProbFn& fn, uint64_t key, int64_t src_len, int64_t vocab,
                                   const SearchOptions& o, bool early_stop = true) {
  const int64_t limit = max_target_length(src_len, o);
  auto weights_of = [&](const std::vector<int64_t>& tokens) {
    std::vector<std::vector<float>> w;
    for (size_t i = 0; o.keep_weights && i < tokens.size(); ++i) {
      const std::vector<int64_t> prefix(tokens.begin(), tokens.begin() + static_cast<ptrdiff_t>(i));
      std::vector<float> row;
      for (int64_t p = 0; p < src_len; ++p) row.push_back(path_weight(key, prefix, p));
      w.push_back(row);
    }
    return w;
  };
  std::vector<Hypothesis> live{{{}, 0.0, 0.0, false, {}}}, pool;
  auto finish = [&](Hypothesis h) {
    h.weights = weights_of(h.tokens);
    size_t at = 0;
    while (at < pool.size() && pool[at].score >= h.score) ++at;
    if (static_cast<int64_t>(at) >= o.beam) return;
    pool.insert(pool.begin() + static_cast<ptrdiff_t>(at), h);
    if (static_cast<int64_t>(pool.size()) > o.beam) pool.pop_back();
  };
  for (int64_t len = 0; !live.empty(); ++len) {
    struct Cand { double lp; size_t live; int64_t tok; };
    std::vector<Cand> cands;
    for (size_t j = 0; j < live.size(); ++j) {
      auto l = fn(key, live[j].tokens);
      for (int64_t v = 0; v < vocab; ++v)
        if (l[static_cast<size_t>(v)] != kNegInfF) cands.push_back({live[j].log_prob + l[static_cast<size_t>(v)], j, v});
    }
    std::sort(cands.begin(), cands.end(), [](const Cand& a, const Cand& b) {
      return a.lp != b.lp ? a.lp > b.lp : a.live != b.live ? a.live < b.live : a.tok < b.tok;
    });
    const double norm = length_normaliser(len + 1, o.length_penalty);
    std::vector<Hypothesis> next;
    for (size_t r = 0; r < cands.size() && static_cast<int64_t>(next.size()) < o.beam; ++r) {
      std::vector<int64_t> tokens = live[cands[r].live].tokens;
      if (cands[r].tok == kEos) {
        if (static_cast<int64_t>(r) < o.beam) finish({tokens, cands[r].lp, cands[r].lp / norm, true, {}});
        continue;
      }
      tokens.push_back(cands[r].tok);
      next.push_back({tokens, cands[r].lp, 0.0, false, {}});
    }
    live = next;
    if (len + 1 >= limit) {
      for (auto& h : live) finish({h.tokens, h.log_prob, h.log_prob / norm, false, {}});
      live.clear();
    }
    if (early_stop && !live.empty() && static_cast<int64_t>(pool.size()) == o.beam &&
        live.front().log_prob / norm <= pool.back().score)
      break;
  }
  if (static_cast<int64_t>(pool.size()) > o.nbest) pool.resize(static_cast<size_t>(o.nbest));
  return pool;
}

void expect_same(const Hypothesis& a, const Hypothesis& b, const std::string& where) {
  EXPECT_EQ(a.tokens, b.tokens) << where;
  EXPECT_EQ(a.log_prob, b.log_prob) << where;
  EXPECT_EQ(a.score, b.score) << where;
  EXPECT_EQ(a.ended_by_eos, b.ended_by_eos) << where;
  EXPECT_EQ(a.weights, b.weights) << where;
}

void expect_same(const std::vector<Hypothesis>& a, const std::vector<Hypothesis>& b, const std::string& where) {
  ASSERT_EQ(a.size(), b.size()) << where;
  for (size_t i = 0; i < a.size(); ++i) expect_same(a[i], b[i], where + " #" + std::to_string(i));
}

// The log-prob of a hypothesis recomputed from the model along its tokens (and EOS).
double path_log_prob(const LogProbFn& fn, uint64_t key, const Hypothesis& h) {
  double lp = 0;
  std::vector<int64_t> prefix;
  for (int64_t t : h.tokens) {
    lp += static_cast<double>(fn(key, prefix)[static_cast<size_t>(t)]);
    prefix.push_back(t);
  }
  if (h.ended_by_eos) lp += static_cast<double>(fn(key, prefix)[kEos]);
  return lp;
}

TEST(BeamSearch, ExhaustiveBeamEqualsBruteForce) {
  struct Case { int64_t vocab, limit; double alpha, eos_bias; uint64_t seed; };
  for (const Case c : {Case{5, 4, 0.0, 0.0, 1}, Case{6, 3, 0.6, -1.0, 2}, Case{7, 3, 1.0, 0.5, 3},
                       Case{5, 4, 2.0, -2.0, 4}, Case{6, 4, 1.0, 1.0, 5}}) {
    const std::string where = fmt::format("V={} L={} alpha={} seed={}", c.vocab, c.limit, c.alpha, c.seed);
    auto fn = random_lm(c.vocab, c.seed, c.eos_bias);
    Batch batch = make_batch({3, 1, 2}, c.seed);
    FnModel model(c.vocab, fn);
    SearchOptions o{.beam = static_cast<int64_t>(std::pow(c.vocab, c.limit)), .length_penalty = c.alpha,
                    .max_length = c.limit, .nbest = 12};
    auto got = beam_search(model, batch.src, batch.mask, o);
    ASSERT_EQ(got.size(), 3u);
    for (size_t b = 0; b < 3; ++b) {
      auto all = brute_force(fn, sentence_key(batch.sentences[b]), c.vocab, c.limit, c.alpha);
      ASSERT_GE(all.size(), 12u);
      all.resize(12);
      expect_same(got[b], all, where + " sentence " + std::to_string(b));
    }
  }
}

TEST(BeamSearch, MatchesThePlainTwinForEveryBeamAndAlpha) {
  struct Case { int64_t vocab; int levels; uint64_t seed; };
  // Small vocabularies (rows keep everything), V = 300 (per-row heaps prune), and quantised logits (ties,
  // also at the edge of what a row's heap keeps).
  for (const Case c : {Case{6, 0, 11}, Case{300, 0, 12}, Case{9, 3, 13}, Case{40, 2, 14}, Case{40, 8, 15},
                       Case{300, 24, 16}}) {
    auto fn = random_lm(c.vocab, c.seed, -0.5, c.levels);
    const std::vector<int64_t> lengths{4, 1, 7, 0, 3};
    Batch batch = make_batch(lengths, c.seed);
    for (int64_t beam : {1, 2, 3, 5, 8}) {
      for (double alpha : {0.0, 0.7, 1.5}) {
        SearchOptions o{.beam = beam, .length_penalty = alpha, .max_length_ratio = 1.0, .max_length_offset = 2,
                        .nbest = std::min<int64_t>(beam, 3), .keep_weights = beam % 2 == 1};
        FnModel model(c.vocab, fn);
        auto got = beam_search(model, batch.src, batch.mask, o);
        ASSERT_EQ(got.size(), lengths.size());
        for (size_t b = 0; b < lengths.size(); ++b) {
          auto want = naive_beam(fn, sentence_key(batch.sentences[b]), lengths[b], c.vocab, o);
          ASSERT_FALSE(want.empty());
          expect_same(got[b], want, fmt::format("V={} beam={} alpha={} sentence {}", c.vocab, beam, alpha, b));
        }
      }
    }
  }
}

TEST(BeamSearch, TwoThreadsGiveTheSameResultAsOne) {
  // N * V large enough (24 rows x 3000) that sentences are split over threads.
  const int threads_before = num_threads();
  auto fn = random_lm(3000, 17, 2.0);
  const std::vector<int64_t> lengths{3, 5, 2, 6, 4, 1};
  Batch batch = make_batch(lengths, 17);
  SearchOptions o{.beam = 4, .length_penalty = 0.6, .max_length_ratio = 1.0, .max_length_offset = 2, .nbest = 2,
                  .keep_weights = true};
  std::vector<std::vector<std::vector<Hypothesis>>> results;
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    FnModel model(3000, fn);
    results.push_back(beam_search(model, batch.src, batch.mask, o));
  }
  set_num_threads(threads_before);
  for (size_t b = 0; b < lengths.size(); ++b) {
    expect_same(results[1][b], results[0][b], "two threads, sentence " + std::to_string(b));
    expect_same(results[0][b], naive_beam(fn, sentence_key(batch.sentences[b]), lengths[b], 3000, o),
                "twin, sentence " + std::to_string(b));
  }
}

TEST(BeamSearch, EarlyStoppingIsExactWithoutLengthPenalty) {
  // alpha = 0: stopping early loses nothing, so the result equals the twin that runs every step; and it
  // does stop early (fewer model steps than the limit).
  auto fn = random_lm(8, 21, 1.5);
  Batch batch = make_batch({5, 6}, 21);
  SearchOptions o{.beam = 3, .length_penalty = 0.0, .max_length_ratio = 2.0, .max_length_offset = 4, .nbest = 3};
  FnModel model(8, fn);
  auto got = beam_search(model, batch.src, batch.mask, o);
  for (size_t b = 0; b < 2; ++b)
    expect_same(got[b],
                naive_beam(fn, sentence_key(batch.sentences[b]), static_cast<int64_t>(batch.sentences[b].size()), 8,
                           o, false),
                "sentence " + std::to_string(b));
  EXPECT_LT(static_cast<int64_t>(model.rows_per_step.size()), max_target_length(6, o));
}

TEST(BeamSearch, ScoresAreTheModelsLogProbsAndListsAreSortedAndDistinct) {
  for (uint64_t seed : {31, 32, 33}) {
    auto fn = random_lm(7, seed, 0.0);
    Batch batch = make_batch({2, 5, 3}, seed);
    for (double alpha : {0.0, 1.0}) {
      SearchOptions o{.beam = 4, .length_penalty = alpha, .nbest = 4};
      FnModel model(7, fn);
      auto got = beam_search(model, batch.src, batch.mask, o);
      for (size_t b = 0; b < got.size(); ++b) {
        ASSERT_EQ(got[b].size(), 4u);
        const uint64_t key = sentence_key(batch.sentences[b]);
        for (size_t i = 0; i < got[b].size(); ++i) {
          const Hypothesis& h = got[b][i];
          const double lp = path_log_prob(fn, key, h);
          EXPECT_DOUBLE_EQ(h.log_prob, lp);
          const auto len = static_cast<int64_t>(h.tokens.size()) + (h.ended_by_eos ? 1 : 0);
          EXPECT_DOUBLE_EQ(h.score, lp / std::pow((5.0 + static_cast<double>(len)) / 6.0, alpha));
          if (i > 0) {
            EXPECT_GE(got[b][i - 1].score, h.score);
            for (size_t j = 0; j < i; ++j) EXPECT_NE(got[b][j].tokens, h.tokens);
          }
        }
      }
    }
  }
}

// Prefix -> probabilities for a hand-built case where the greedy first choice leads nowhere good.
// Tokens: 3 = "a", 4 = "b". P(a) = 0.6, P(b) = 0.4; after "a": a 0.35, b 0.35, EOS 0.3; after "b": EOS 0.9;
// deeper: EOS 0.9. Greedy: "a a" EOS = 0.6 * 0.35 * 0.9 = 0.189; best: "b" EOS = 0.4 * 0.9 = 0.36.
std::vector<float> hand_lm(uint64_t, const std::vector<int64_t>& prefix) {
  std::vector<double> p(5, 1e-6);
  if (prefix.empty()) {
    p[3] = 0.6, p[4] = 0.4;
  } else if (prefix == std::vector<int64_t>{3}) {
    p[3] = 0.35, p[4] = 0.35, p[kEos] = 0.3;
  } else {
    p[kEos] = 0.9, p[3] = 0.05, p[4] = 0.05;
  }
  std::vector<float> out;
  for (double x : p) out.push_back(static_cast<float>(std::log(x)));
  return out;
}

TEST(BeamSearch, BeamTwoBeatsGreedyOnAHandBuiltModel) {
  Batch batch = make_batch({3}, 41);
  SearchOptions o{.beam = 1, .length_penalty = 0.0, .max_length = 4};
  FnModel model(5, hand_lm);
  auto greedy = greedy_search(model, batch.src, batch.mask, o);
  EXPECT_EQ(greedy[0].tokens, (std::vector<int64_t>{3, 3}));
  EXPECT_NEAR(greedy[0].log_prob, std::log(0.6 * 0.35 * 0.9), 1e-5);
  o.beam = 2;
  auto beam = beam_search(model, batch.src, batch.mask, o);
  EXPECT_EQ(beam[0][0].tokens, (std::vector<int64_t>{4}));
  EXPECT_NEAR(beam[0][0].log_prob, std::log(0.4 * 0.9), 1e-5);
  EXPECT_GT(beam[0][0].score, greedy[0].score);
  auto all = brute_force(hand_lm, 0, 5, 4, 0.0);
  EXPECT_EQ(all[0].tokens, beam[0][0].tokens);
}

TEST(GreedySearch, EqualsBeamOne) {
  // Seed 55: few logit levels and a small vocabulary, so EOS often ties with the best token.
  for (uint64_t seed : {51, 52, 53, 54, 55}) {
    const int64_t vocab = seed == 55 ? 5 : seed % 2 ? 6 : 200;
    auto fn = random_lm(vocab, seed, seed == 53 ? -3.0 : seed == 55 ? 0.0 : 0.5, seed == 54 ? 3 : seed == 55 ? 2 : 0);
    Batch batch = make_batch({3, 6, 1, 4}, seed);
    for (double alpha : {0.0, 1.2}) {
      SearchOptions o{.beam = 1, .length_penalty = alpha, .max_length_ratio = 1.5, .max_length_offset = 1,
                      .keep_weights = true};
      FnModel m1(vocab, fn), m2(vocab, fn);
      auto greedy = greedy_search(m1, batch.src, batch.mask, o);
      auto beam = beam_search(m2, batch.src, batch.mask, o);
      ASSERT_EQ(greedy.size(), 4u);
      for (size_t b = 0; b < 4; ++b) {
        ASSERT_EQ(beam[b].size(), 1u);
        expect_same(greedy[b], beam[b][0], fmt::format("seed {} alpha {} sentence {}", seed, alpha, b));
      }
      EXPECT_EQ(m1.rows_per_step, m2.rows_per_step);
    }
  }
}

TEST(BeamSearch, ABatchEqualsEachSentenceAlone) {
  const std::vector<int64_t> lengths{5, 2, 8, 1, 4};
  auto fn = random_lm(9, 61, 0.0);
  Batch batch = make_batch(lengths, 61);
  for (int64_t beam : {1, 4}) {
    SearchOptions o{.beam = beam, .length_penalty = 0.8, .max_length_ratio = 1.0, .max_length_offset = 3,
                    .nbest = beam, .keep_weights = true};
    FnModel model(9, fn);
    auto together = beam_search(model, batch.src, batch.mask, o);
    auto greedy_together = greedy_search(model, batch.src, batch.mask, o);
    for (size_t b = 0; b < lengths.size(); ++b) {
      // The sentence alone, without padding: Ts = its own length.
      std::vector<float> ones(static_cast<size_t>(lengths[b]), 1.0f);
      Tensor src = Tensor::from(batch.sentences[b], {lengths[b], 1}), mask = Tensor::from(ones, {lengths[b], 1});
      FnModel alone(9, fn);
      auto single = beam_search(alone, src, mask, o);
      expect_same(together[b], single[0], fmt::format("beam {} sentence {}", beam, b));
      expect_same(greedy_together[b], greedy_search(alone, src, mask, o)[0], fmt::format("greedy sentence {}", b));
    }
  }
}

TEST(BeamSearch, WithoutEosEveryHypothesisStopsExactlyAtTheLimit) {
  auto fn = random_lm(6, 71, -std::numeric_limits<double>::infinity());
  const std::vector<int64_t> lengths{2, 3, 6};
  Batch batch = make_batch(lengths, 71);
  // ratio 1.5, offset 1: limits 4, 5, 10; max_length 7 caps the third.
  SearchOptions o{.beam = 3, .length_penalty = 1.0, .max_length_ratio = 1.5, .max_length_offset = 1,
                  .max_length = 7, .nbest = 3};
  const std::vector<size_t> limits{4, 5, 7};
  FnModel model(6, fn);
  auto got = beam_search(model, batch.src, batch.mask, o);
  auto greedy = greedy_search(model, batch.src, batch.mask, o);
  for (size_t b = 0; b < 3; ++b) {
    ASSERT_EQ(got[b].size(), 3u);
    for (const Hypothesis& h : got[b]) {
      EXPECT_EQ(h.tokens.size(), limits[b]);
      EXPECT_FALSE(h.ended_by_eos);
      EXPECT_DOUBLE_EQ(h.score, h.log_prob / std::pow((5.0 + limits[b]) / 6.0, 1.0));
    }
    EXPECT_EQ(greedy[b].tokens.size(), limits[b]);
    EXPECT_FALSE(greedy[b].ended_by_eos);
  }
  // Without EOS, nothing stops early: every step runs until the longest limit.
  EXPECT_EQ(model.rows_per_step.size(), 7u + 7u);
}

// min_length bans EOS until a hypothesis has that many tokens: the same search as on a model that gives EOS
// no probability there (log-probs otherwise unchanged, not renormalised).
TEST(BeamSearch, MinLengthEqualsAModelWithoutEosBeforeIt) {
  const int64_t min_len = 3;
  auto fn = random_lm(7, 91, 2.5);  // EOS is likely: unbanned, many hypotheses end after 1-2 tokens
  LogProbFn banned = [fn](uint64_t key, const std::vector<int64_t>& prefix) {
    auto lp = fn(key, prefix);
    if (static_cast<int64_t>(prefix.size()) < min_len) lp[kEos] = kNegInfF;
    return lp;
  };
  Batch batch = make_batch({2, 4, 5}, 91);
  SearchOptions with{.beam = 3, .length_penalty = 1.0, .max_length = 6, .nbest = 3};
  with.min_length = min_len;
  SearchOptions without = with;
  without.min_length = 0;
  FnModel plain(7, fn), no_early_eos(7, banned);
  const auto got = beam_search(plain, batch.src, batch.mask, with);
  const auto want = beam_search(no_early_eos, batch.src, batch.mask, without);
  const auto unbanned = beam_search(plain, batch.src, batch.mask, without);
  bool some_short = false;
  for (size_t b = 0; b < 3; ++b) {
    ASSERT_EQ(got[b].size(), want[b].size());
    for (size_t i = 0; i < got[b].size(); ++i) {
      EXPECT_EQ(got[b][i].tokens, want[b][i].tokens);
      EXPECT_DOUBLE_EQ(got[b][i].log_prob, want[b][i].log_prob);
      EXPECT_GE(got[b][i].tokens.size(), static_cast<size_t>(min_len));
    }
    for (const Hypothesis& h : unbanned[b]) some_short |= h.tokens.size() < static_cast<size_t>(min_len);
  }
  EXPECT_TRUE(some_short) << "the test model should end early without min_length";
  const auto g = greedy_search(plain, batch.src, batch.mask, with);
  const auto gw = greedy_search(no_early_eos, batch.src, batch.mask, without);
  for (size_t b = 0; b < 3; ++b) EXPECT_EQ(g[b].tokens, gw[b].tokens);
  SearchOptions bad = with;
  bad.min_length = -1;
  EXPECT_THROW(beam_search(plain, batch.src, batch.mask, bad), Error);
}

TEST(BeamSearch, StartsWithOneRowPerSentenceAndDropsFinishedSentences) {
  auto fn = random_lm(6, 81, -std::numeric_limits<double>::infinity());
  Batch batch = make_batch({1, 6}, 81);
  SearchOptions o{.beam = 3, .max_length_ratio = 1.0, .max_length_offset = 0};  // limits 1 and 6
  FnModel model(6, fn);
  auto got = beam_search(model, batch.src, batch.mask, o);
  EXPECT_EQ(got[0][0].tokens.size(), 1u);
  EXPECT_EQ(got[1][0].tokens.size(), 6u);
  // Step 1: one BOS row per sentence; then only the second sentence's beam.
  EXPECT_EQ(model.rows_per_step, (std::vector<int64_t>{2, 3, 3, 3, 3, 3}));
}

TEST(BeamSearch, KeepsTheWeightsOfTheExactPathCroppedToTheSource) {
  auto fn = random_lm(7, 91, 0.0);
  const std::vector<int64_t> lengths{3, 7, 1, 5};
  Batch batch = make_batch(lengths, 91);
  SearchOptions o{.beam = 4, .length_penalty = 0.5, .max_length_ratio = 1.0, .max_length_offset = 3, .nbest = 4,
                  .keep_weights = true};
  FnModel model(7, fn);
  auto got = beam_search(model, batch.src, batch.mask, o);
  auto greedy = greedy_search(model, batch.src, batch.mask, o);
  for (size_t b = 0; b < lengths.size(); ++b) {
    const uint64_t key = sentence_key(batch.sentences[b]);
    std::vector<Hypothesis> hyps = got[b];
    hyps.push_back(greedy[b]);
    for (const Hypothesis& h : hyps) {
      ASSERT_EQ(h.weights.size(), h.tokens.size());
      for (size_t i = 0; i < h.tokens.size(); ++i) {
        ASSERT_EQ(h.weights[i].size(), static_cast<size_t>(lengths[b]));  // no padded positions
        const std::vector<int64_t> prefix(h.tokens.begin(), h.tokens.begin() + static_cast<ptrdiff_t>(i));
        for (int64_t p = 0; p < lengths[b]; ++p)
          EXPECT_EQ(h.weights[i][static_cast<size_t>(p)], path_weight(key, prefix, p)) << "sentence " << b;
      }
    }
  }
  // Without keep_weights, none are kept.
  o.keep_weights = false;
  EXPECT_TRUE(beam_search(model, batch.src, batch.mask, o)[1][0].weights.empty());
}

TEST(BeamSearch, RejectsBadInputWithOneLineErrors) {
  auto fn = random_lm(6, 101, 0.0);
  FnModel model(6, fn);
  Batch batch = make_batch({2, 3}, 101);
  auto run = [&](SearchOptions o, const Tensor& src, const Tensor& mask) { beam_search(model, src, mask, o); };
  using testing::expect_error_containing;
  expect_error_containing([&] { run({.beam = 0}, batch.src, batch.mask); }, "beam must be >= 1, got 0");
  expect_error_containing([&] { run({.beam = 2, .nbest = 3}, batch.src, batch.mask); }, "nbest must be in [1, beam = 2]");
  expect_error_containing([&] { run({.nbest = 0}, batch.src, batch.mask); }, "nbest");
  expect_error_containing([&] { run({.length_penalty = -1}, batch.src, batch.mask); }, "length_penalty");
  expect_error_containing([&] { run({.max_length = -3}, batch.src, batch.mask); }, "max_length must be >= 0");
  expect_error_containing([&] { run({}, batch.src, Tensor::ones({3, 3})); }, "src_mask [3,3] must have src's shape");
  expect_error_containing([&] { run({}, Tensor::zeros({3}, DType::I64), Tensor::ones({3})); }, "src must be [Ts, B]");
  expect_error_containing([&] { run({}, Tensor::zeros({3, 2}), Tensor::ones({3, 2})); }, "src must be int64");
  expect_error_containing([&] { greedy_search(model, batch.src, Tensor(), {}); }, "greedy_search: src_mask");
  // A model that returns no weights cannot serve keep_weights; NaN log-probs are reported.
  FnModel no_weights(6, fn, false);
  expect_error_containing([&] { beam_search(no_weights, batch.src, batch.mask, {.keep_weights = true}); },
                          "keep_weights needs a model");
  FnModel nan_model(6, [](uint64_t, const std::vector<int64_t>&) {
    return std::vector<float>{0, 0, std::nanf(""), 0, 0, 0};
  });
  expect_error_containing([&] { beam_search(nan_model, batch.src, batch.mask, {}); }, "NaN");
  expect_error_containing([&] { greedy_search(nan_model, batch.src, batch.mask, {}); }, "NaN");
  try {
    run({.beam = 0}, batch.src, batch.mask);
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.message()).find('\n'), std::string::npos);
  }
}

}  // namespace
}  // namespace attend::models
