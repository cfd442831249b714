// The modified Kneser-Ney n-gram model against a naive twin that recomputes every count from n-gram maps
// and applies the textbook recursion, over random corpora, orders 1..5 and seen and unseen histories; plus
// normalisation at every history and the discounts worked by hand.
#include "eval/kneser_ney.h"

#include "base/error.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

namespace {

using attend::eval::KneserNeyLm;
using Seq = std::vector<int32_t>;

// The naive twin: n-grams as vectors in ordered maps; P(w | h) by the recursion over ever shorter h.
class NaiveKneserNey {
 public:
  NaiveKneserNey(int order, int32_t vocab, int32_t bos, const std::vector<Seq>& seqs)
      : order_(order), vocab_(vocab), bos_(bos) {
    for (const Seq& s : seqs) {
      Seq t{bos};
      t.insert(t.end(), s.begin(), s.end());
      for (int i = 1; i < static_cast<int>(t.size()); ++i)
        for (int k = 1; k <= order && i - k + 1 >= 0; ++k) raw_[Seq(t.begin() + i - k + 1, t.begin() + i + 1)] += 1;
    }
    for (const auto& [g, c] : raw_)
      if (g.size() >= 2) before_[Seq(g.begin() + 1, g.end())].insert(g[0]);
    for (const auto& [g, c] : raw_) {
      const int64_t a = adjusted(g);
      if (a >= 1 && a <= 4) coc_[g.size()][a] += 1;
    }
  }

  double prob(Seq h, int32_t w) const {
    if (static_cast<int>(h.size()) > order_ - 1) h.erase(h.begin(), h.end() - (order_ - 1));
    const double lower = h.empty() ? 1.0 / vocab_ : prob(Seq(h.begin() + 1, h.end()), w);
    const size_t k = h.size() + 1;
    double total = 0, gamma = 0;
    for (const auto& [g, c] : raw_) {
      if (g.size() != k || !std::equal(h.begin(), h.end(), g.begin())) continue;
      const int64_t a = adjusted(g);
      total += a;
      gamma += discount(k, a);
    }
    if (total == 0) return lower;
    Seq hw = h;
    hw.push_back(w);
    const int64_t a = raw_.count(hw) ? adjusted(hw) : 0;
    return (std::max(a - discount(k, a), 0.0) + gamma * lower) / total;
  }

 private:
  int64_t adjusted(const Seq& g) const {
    if (static_cast<int>(g.size()) == order_ || (g.size() >= 2 && g[0] == bos_)) return raw_.at(g);
    const auto it = before_.find(g);
    return it == before_.end() ? 0 : static_cast<int64_t>(it->second.size());
  }
  double discount(size_t k, int64_t a) const {
    if (a <= 0) return 0;
    const auto n = [&](int r) {
      const auto it = coc_.find(k);
      return it == coc_.end() || !it->second.count(r) ? 0.0 : static_cast<double>(it->second.at(r));
    };
    const double y = n(1) + 2 * n(2) > 0 ? n(1) / (n(1) + 2 * n(2)) : 0.5;
    const int r = static_cast<int>(std::min<int64_t>(a, 3));
    const double d = n(r) > 0 ? r - (r + 1) * y * n(r + 1) / n(r) : -1;
    return d > 0 && d < r ? d : r * 0.5;
  }

  int order_;
  int32_t vocab_, bos_;
  std::map<Seq, int64_t> raw_;
  std::map<Seq, std::set<int32_t>> before_;
  std::map<size_t, std::map<int, int64_t>> coc_;
};

std::vector<Seq> random_corpus(int n, int32_t vocab, uint32_t seed) {
  std::mt19937 gen(seed);
  std::vector<Seq> seqs(n);
  for (Seq& s : seqs) {
    s.resize(1 + gen() % 8);
    for (int32_t& t : s) t = 1 + static_cast<int32_t>(gen() % (vocab - 1));  // token 0 is bos
    if (gen() % 4 == 0) s[gen() % s.size()] = 1;  // make token 1 frequent
  }
  return seqs;
}

// The model's state after feeding `h` from the start, its log-probabilities on the way discarded.
KneserNeyLm::State feed(const KneserNeyLm& lm, const Seq& h) {
  KneserNeyLm::State s = lm.begin_state();
  for (int32_t t : h) lm.log_prob(s, t, &s);
  return s;
}

TEST(KneserNey, MatchesNaiveTwinOverOrdersAndHistories) {
  const int32_t vocab = 6;
  for (int order = 1; order <= 5; ++order) {
    const std::vector<Seq> corpus = random_corpus(60, vocab, 17 + order);
    const KneserNeyLm lm(order, vocab, 0, corpus);
    const NaiveKneserNey twin(order, vocab, 0, corpus);
    std::mt19937 gen(order);
    for (int trial = 0; trial < 40; ++trial) {
      Seq h(gen() % 6);  // random histories: many seen in training, some not
      for (int32_t& t : h) t = 1 + static_cast<int32_t>(gen() % (vocab - 1));
      Seq full{0};
      full.insert(full.end(), h.begin(), h.end());
      const KneserNeyLm::State s = feed(lm, h);
      for (int32_t w = 0; w < vocab; ++w)
        EXPECT_NEAR(lm.log_prob(s, w), std::log(twin.prob(full, w)), 1e-12)
            << "order " << order << " trial " << trial << " token " << w;
    }
  }
}

TEST(KneserNey, SumsToOneAtEveryHistory) {
  const int32_t vocab = 9;
  const std::vector<Seq> corpus = random_corpus(300, vocab, 5);
  const KneserNeyLm lm(4, vocab, 0, corpus);
  for (const Seq& s : corpus)
    for (size_t cut = 0; cut <= s.size(); ++cut) {
      const KneserNeyLm::State st = feed(lm, Seq(s.begin(), s.begin() + cut));
      double sum = 0;
      for (int32_t w = 0; w < vocab; ++w) sum += std::exp(lm.log_prob(st, w));
      EXPECT_NEAR(sum, 1.0, 1e-12);
    }
}

// Unigram model of the corpus {a}, {a b}, {b b c} (bos 0, a=1, b=2, c=3, vocab 4) at order 1, worked by
// hand: the highest order keeps raw counts a 2, b 3, c 1, so n1 = n2 = n3 = 1 and n4 = 0; Y = 1/3,
// D1 = 1 - 2Y = 1/3, D2 = 2 - 3Y = 1, D3 = 3 - 4Y·0 = 3 (not below 3, so the fallback 1.5);
// γ = D1 + D2 + D3 = 1/3 + 1 + 1.5 over the total 6.
TEST(KneserNey, UnigramDiscountsWorkedByHand) {
  const KneserNeyLm lm(1, 4, 0, std::vector<Seq>{{1}, {1, 2}, {2, 2, 3}});
  EXPECT_NEAR(lm.discounts(1)[0], 1.0 / 3, 1e-12);
  EXPECT_NEAR(lm.discounts(1)[1], 1.0, 1e-12);
  EXPECT_NEAR(lm.discounts(1)[2], 1.5, 1e-12);
  const double gamma = 1.0 / 3 + 1.0 + 1.5;
  const double uniform = 0.25;
  EXPECT_NEAR(std::exp(lm.log_prob(lm.begin_state(), 1)), (2 - 1.0 + gamma * uniform) / 6, 1e-12);
  EXPECT_NEAR(std::exp(lm.log_prob(lm.begin_state(), 2)), (3 - 1.5 + gamma * uniform) / 6, 1e-12);
  EXPECT_NEAR(std::exp(lm.log_prob(lm.begin_state(), 3)), (1 - 1.0 / 3 + gamma * uniform) / 6, 1e-12);
  EXPECT_NEAR(std::exp(lm.log_prob(lm.begin_state(), 0)), gamma * uniform / 6, 1e-12);
  EXPECT_EQ(lm.ngram_counts(), std::vector<int64_t>{3});
}

TEST(KneserNey, LongerContextSharpensPrediction) {
  // 1 is always followed by 2 and 3 by 4, while 2 and 4 are equally frequent overall.
  std::vector<Seq> corpus;
  for (int i = 0; i < 50; ++i) corpus.push_back({1, 2, 3, 4});
  const KneserNeyLm bigram(2, 5, 0, corpus);
  const KneserNeyLm unigram(1, 5, 0, corpus);
  const auto after = [](const KneserNeyLm& lm, int32_t prev, int32_t w) { return lm.log_prob(feed(lm, {prev}), w); };
  EXPECT_GT(after(bigram, 1, 2), std::log(0.9));
  EXPECT_LT(after(bigram, 1, 4), std::log(0.05));
  EXPECT_NEAR(after(unigram, 1, 2), after(unigram, 1, 4), 1e-12);
}

TEST(KneserNey, RejectsBadArguments) {
  const std::vector<Seq> corpus{{1, 2}};
  EXPECT_THROW(KneserNeyLm(0, 3, 0, corpus), attend::Error);
  EXPECT_THROW(KneserNeyLm(2, 3, 3, corpus), attend::Error);
  EXPECT_THROW(KneserNeyLm(2, 2, 0, corpus), attend::Error);  // token 2 outside a vocabulary of 2
  EXPECT_THROW(KneserNeyLm(2, 3, 1, corpus), attend::Error);  // bos inside a sequence
  const KneserNeyLm lm(2, 3, 0, corpus);
  EXPECT_THROW(lm.log_prob(lm.begin_state(), 7), attend::Error);
}

}  // namespace
