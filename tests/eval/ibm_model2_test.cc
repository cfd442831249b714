// The IBM-model-2 aligner: digamma against known values, EM's monotone likelihood, recovery of known
// alignments and of the diagonal tension they were drawn with, and grow-diag-final-and worked by hand.
#include "eval/ibm_model2.h"

#include "base/error.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace {

using attend::eval::Ibm2Aligner;
using attend::eval::Ibm2Options;
using attend::eval::Link;
using attend::eval::WordIdPair;

TEST(Ibm2, DigammaKnownValues) {
  const double euler = 0.57721566490153286;
  EXPECT_NEAR(attend::eval::digamma(1.0), -euler, 1e-12);
  EXPECT_NEAR(attend::eval::digamma(0.5), -euler - 2 * std::log(2.0), 1e-12);
  EXPECT_NEAR(attend::eval::digamma(10.0), 1.0 + 1.0 / 2 + 1.0 / 3 + 1.0 / 4 + 1.0 / 5 + 1.0 / 6 + 1.0 / 7 + 1.0 / 8 + 1.0 / 9 - euler,
              1e-12);
  // ψ(x) = -1/x - γ + ζ(2) x - ζ(3) x² + ζ(4) x³ - ..., the x³ term 1.08e-9 here
  EXPECT_NEAR(attend::eval::digamma(1e-3), -1000.0 - euler + 1.6449340668 * 1e-3 - 1.2020569032 * 1e-6, 2e-9);
}

// A corpus whose target sentences are word-for-word translations of the source (a fixed dictionary), with
// some neighbouring words swapped and the true alignment kept; source words distinct within a sentence.
struct Synthetic {
  std::vector<WordIdPair> pairs;
  std::vector<std::vector<Link>> gold;
};

Synthetic make_corpus(int sentences, double swap_prob, double lambda, uint32_t seed) {
  std::mt19937 gen(seed);
  const int vocab = 200;
  std::vector<int32_t> dictionary(vocab);
  std::iota(dictionary.begin(), dictionary.end(), 0);
  std::shuffle(dictionary.begin(), dictionary.end(), gen);
  Synthetic c;
  for (int s = 0; s < sentences; ++s) {
    const int n = std::uniform_int_distribution<int>(6, 18)(gen);
    std::vector<int32_t> words(vocab);
    std::iota(words.begin(), words.end(), 1);
    std::shuffle(words.begin(), words.end(), gen);
    words.resize(n);
    WordIdPair p{words, {}};
    std::vector<Link> links;
    if (lambda > 0) {
      // Each target word draws its source position from the diagonal prior exp(λ h) (no null word).
      const int m = std::uniform_int_distribution<int>(6, 18)(gen);
      for (int j = 0; j < m; ++j) {
        std::vector<double> w(n);
        for (int i = 0; i < n; ++i) w[i] = std::exp(-lambda * std::abs(double(i + 1) / n - double(j + 1) / m));
        const int i = std::discrete_distribution<int>(w.begin(), w.end())(gen);
        p.tgt.push_back(dictionary[words[i] - 1]);
        links.push_back({i, j});
      }
    } else {
      std::vector<int32_t> order(n);
      std::iota(order.begin(), order.end(), 0);
      for (int k = 0; k + 1 < n; ++k)
        if (std::bernoulli_distribution(swap_prob)(gen)) std::swap(order[k], order[k + 1]), ++k;
      for (int j = 0; j < n; ++j) {
        p.tgt.push_back(dictionary[words[order[j]] - 1]);
        links.push_back({order[j], j});
      }
    }
    std::sort(links.begin(), links.end());
    c.pairs.push_back(std::move(p));
    c.gold.push_back(std::move(links));
  }
  return c;
}

TEST(Ibm2, EmLikelihoodNeverFalls) {
  // Plain EM (no Dirichlet prior), with and without the tension update (an M-step for λ): each iteration's
  // likelihood is at least the previous one's.
  const Synthetic c = make_corpus(300, 0.3, 0, 7);
  for (bool learn_tension : {false, true}) {
    Ibm2Options opt;
    opt.iterations = 8;
    opt.alpha = 0;
    opt.optimise_tension = learn_tension;
    const Ibm2Aligner a(c.pairs, opt);
    ASSERT_EQ(a.log_likelihood().size(), 8u);
    for (size_t k = 1; k < a.log_likelihood().size(); ++k)
      EXPECT_GE(a.log_likelihood()[k], a.log_likelihood()[k - 1] - 1e-12) << "iteration " << k << " tension " << learn_tension;
    EXPECT_GT(a.log_likelihood().back(), a.log_likelihood().front() + 0.5);
  }
}

TEST(Ibm2, RecoversWordForWordAlignments) {
  const Synthetic c = make_corpus(600, 0.25, 0, 11);
  for (double alpha : {0.0, 0.01}) {
    Ibm2Options opt;
    opt.alpha = alpha;
    const Ibm2Aligner a(c.pairs, opt);
    size_t right = 0, total = 0;
    for (size_t s = 0; s < c.pairs.size(); ++s) {
      const std::vector<Link> got = a.align(s);
      total += c.gold[s].size();
      for (const Link& l : got) right += std::binary_search(c.gold[s].begin(), c.gold[s].end(), l);
    }
    EXPECT_GT(double(right) / double(total), 0.99) << "alpha " << alpha;
    // The dictionary pair's probability dominates what the table learned for that source word.
    const int32_t e = c.pairs[0].src[0];
    const int32_t f = c.pairs[0].tgt[std::find_if(c.gold[0].begin(), c.gold[0].end(), [](const Link& l) { return l.src == 0; })->tgt];
    EXPECT_GT(a.translation_prob(e, f), 0.9);
  }
}

TEST(Ibm2, LearnsTheTensionTheDataWasDrawnWith) {
  const Synthetic c = make_corpus(3000, 0, 8.0, 3);
  Ibm2Options opt;
  opt.iterations = 10;
  opt.null_prob = 0.01;
  const Ibm2Aligner a(c.pairs, opt);
  EXPECT_NEAR(a.tension(), 8.0, 1.2);
  Ibm2Options fixed = opt;
  fixed.optimise_tension = false;
  EXPECT_EQ(Ibm2Aligner(c.pairs, fixed).tension(), 4.0);
}

TEST(Ibm2, EmptySidesAndBadOptions) {
  std::vector<WordIdPair> pairs{{{1, 2}, {3, 4}}, {{}, {5}}, {{6}, {}}};
  const Ibm2Aligner a(pairs, Ibm2Options{});
  EXPECT_TRUE(a.align(1).empty());
  EXPECT_TRUE(a.align(2).empty());
  EXPECT_THROW(a.align(3), attend::Error);
  Ibm2Options bad;
  bad.null_prob = 1.0;
  EXPECT_THROW(Ibm2Aligner(pairs, bad), attend::Error);
  EXPECT_THROW(Ibm2Aligner(std::vector<WordIdPair>{WordIdPair{{0, 1}, {1}}}, Ibm2Options{}), attend::Error);  // id 0 is the null word
}

TEST(Ibm2, LargeTensionStaysFinite) {
  // A one-word source facing a long target: exp(λ h) alone underflows at λ = 200 (h down to -0.86).
  std::vector<WordIdPair> pairs{{{1}, {1, 2, 3, 4, 5, 6}}, {{2, 3}, {2, 3}}};
  Ibm2Options opt;
  opt.tension = 200;
  opt.optimise_tension = false;
  for (double alpha : {0.0, 0.01}) {
    opt.alpha = alpha;
    const Ibm2Aligner a(pairs, opt);
    for (double ll : a.log_likelihood()) EXPECT_TRUE(std::isfinite(ll)) << "alpha " << alpha;
    EXPECT_EQ(a.align(1), (std::vector<Link>{{0, 0}, {1, 1}}));
  }
}

TEST(Ibm2, GrowDiagFinalAndByHand) {
  // Intersection {0-0, 1-1}; the union's 2-1 and 2-2 are diagonal/vertical neighbours covering the
  // unaligned source word 2 (then target word 2), so both grow in.
  EXPECT_EQ(attend::eval::grow_diag_final_and(std::vector<Link>{{0, 0}, {1, 1}, {2, 1}},
                                              std::vector<Link>{{0, 0}, {1, 1}, {2, 2}}),
            (std::vector<Link>{{0, 0}, {1, 1}, {2, 1}, {2, 2}}));
  // Nothing neighbours 0-0; final-and adds forward's 3-3 (both words unaligned), after which reverse's 3-2
  // has an aligned source word and stays out.
  EXPECT_EQ(attend::eval::grow_diag_final_and(std::vector<Link>{{0, 0}, {3, 3}}, std::vector<Link>{{0, 0}, {3, 2}}),
            (std::vector<Link>{{0, 0}, {3, 3}}));
  // Far-apart indices cost nothing (no grid sized by the largest index).
  EXPECT_EQ(attend::eval::grow_diag_final_and(std::vector<Link>{{2000000000, 2000000000}}, std::vector<Link>{{0, 0}}),
            (std::vector<Link>{{0, 0}, {2000000000, 2000000000}}));
  // A link whose both words are already aligned never grows in.
  EXPECT_EQ(attend::eval::grow_diag_final_and(std::vector<Link>{{0, 0}, {1, 1}, {0, 1}},
                                              std::vector<Link>{{0, 0}, {1, 1}}),
            (std::vector<Link>{{0, 0}, {1, 1}}));
}

TEST(Ibm2, WordKeys) {
  using attend::eval::alignment_word_key;
  EXPECT_EQ(alignment_word_key("ACONTECIÓ"), "aconteció");
  EXPECT_EQ(alignment_word_key("tierra."), "tierra");
  EXPECT_EQ(alignment_word_key("¿Quién"), "quién");
  EXPECT_EQ(alignment_word_key("Naomi’s"), "naomi’s");
  EXPECT_EQ(alignment_word_key("“Beth-lehem-judah,”"), "beth-lehem-judah");
  EXPECT_EQ(alignment_word_key("..."), "...");
  EXPECT_EQ(alignment_word_key("Ñ×"), "ñ×");
}

}  // namespace
