// The EM graphone aligner: monotone likelihood, Viterbi against brute-force enumeration of every
// segmentation, recovery of the graphones a synthetic dictionary was drawn from, and unalignable entries.
#include "eval/graphone_alignment.h"

#include "base/error.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>

namespace {

using attend::eval::Graphone;
using attend::eval::GraphoneAligner;
using attend::eval::GraphoneOptions;
using attend::eval::LetterPhoneEntry;
using Tokens = std::vector<std::string>;

// A spelling system: each graphone is one spelling of one sound; words are random runs of them.
const std::vector<Graphone> kSystem = {
    {{"a"}, {"AE"}}, {{"b"}, {"B"}}, {{"c"}, {}}, {{"x"}, {"K", "S"}}, {{"p", "h"}, {"F"}}, {{"o"}, {"OW"}},
    {{"t"}, {"T"}},  {{"s"}, {"S"}}, {{"k"}, {"K"}}};

struct Drawn {
  std::vector<LetterPhoneEntry> entries;
  std::vector<std::vector<int>> truth;  // indices into kSystem
};

Drawn draw(int n, uint32_t seed) {
  std::mt19937 gen(seed);
  Drawn d;
  for (int w = 0; w < n; ++w) {
    LetterPhoneEntry e;
    std::vector<int> parts(2 + gen() % 6);
    for (int& p : parts) {
      p = static_cast<int>(gen() % kSystem.size());
      e.letters.insert(e.letters.end(), kSystem[p].letters.begin(), kSystem[p].letters.end());
      e.phones.insert(e.phones.end(), kSystem[p].phones.begin(), kSystem[p].phones.end());
    }
    d.entries.push_back(e);
    d.truth.push_back(parts);
  }
  return d;
}

TEST(GraphoneAligner, LikelihoodNeverFalls) {
  const Drawn d = draw(400, 1);
  GraphoneOptions opt;
  opt.iterations = 12;
  const GraphoneAligner aligner(d.entries, opt);
  const auto& ll = aligner.log_likelihood();
  ASSERT_EQ(ll.size(), 12u);
  for (size_t i = 1; i < ll.size(); ++i) EXPECT_GE(ll[i], ll[i - 1] - 1e-6 * std::abs(ll[i - 1])) << "iteration " << i;
  EXPECT_GT(ll.back(), ll.front() + 1.0);  // and it does learn
}

TEST(GraphoneAligner, RecoversTheGraphonesWordsWereDrawnFrom) {
  const Drawn d = draw(2000, 2);
  const GraphoneAligner aligner(d.entries, GraphoneOptions{});
  int exact = 0;
  for (size_t w = 0; w < d.entries.size(); ++w) {
    const std::vector<int32_t> units = aligner.align(d.entries[w]);
    EXPECT_EQ(aligner.training_segmentations()[w], units);
    bool same = units.size() == d.truth[w].size();
    for (size_t k = 0; same && k < units.size(); ++k) {
      const Graphone& got = aligner.inventory()[units[k]];
      const Graphone& want = kSystem[d.truth[w][k]];
      same = got.letters == want.letters && got.phones == want.phones;
    }
    exact += same;
  }
  EXPECT_GE(exact, 1980) << "of 2000";
  EXPECT_EQ(aligner.unalignable(), 0u);
}

// Every segmentation of an entry into allowed graphones, by recursion, scored with the aligner's own
// probabilities (each graphone's log-probability times its longer side when penalize_long): align() must
// return the best one.
TEST(GraphoneAligner, ViterbiMatchesBruteForce) {
  const Drawn d = draw(300, 3);
  for (bool penalize : {false, true}) {
    GraphoneOptions opt;
    opt.iterations = 3;  // not converged: probabilities spread out, so many segmentations compete
    opt.penalize_long = penalize;
    const GraphoneAligner aligner(d.entries, opt);
    const auto weight = [&](const Graphone& g) {
      return penalize ? static_cast<double>(std::max(g.letters.size(), g.phones.size())) : 1.0;
    };
    for (size_t w = 0; w < 60; ++w) {
      const LetterPhoneEntry& e = d.entries[w];
      double best = -INFINITY;
      std::function<void(size_t, size_t, double)> walk = [&](size_t i, size_t j, double score) {
        if (i == e.letters.size() && j == e.phones.size()) {
          best = std::max(best, score);
          return;
        }
        for (size_t a = 1; a <= 2 && i + a <= e.letters.size(); ++a)
          for (size_t b = 0; b <= 2 && j + b <= e.phones.size(); ++b) {
            if ((b == 0 && a != 1) || (a == 2 && b == 2)) continue;
            const int32_t u =
                aligner.inventory().find(std::span(e.letters).subspan(i, a), std::span(e.phones).subspan(j, b));
            if (u < 0 || aligner.probability(u) <= 0) continue;
            walk(i + a, j + b, score + weight(aligner.inventory()[u]) * std::log(aligner.probability(u)));
          }
      };
      walk(0, 0, 0.0);
      const std::vector<int32_t> got = aligner.align(e);
      double got_score = 0;
      for (int32_t u : got) got_score += weight(aligner.inventory()[u]) * std::log(aligner.probability(u));
      ASSERT_FALSE(got.empty());
      Tokens spelled, said;
      for (int32_t u : got) {
        const Graphone& g = aligner.inventory()[u];
        spelled.insert(spelled.end(), g.letters.begin(), g.letters.end());
        said.insert(said.end(), g.phones.begin(), g.phones.end());
      }
      EXPECT_EQ(spelled, e.letters);
      EXPECT_EQ(said, e.phones);
      EXPECT_NEAR(got_score, best, 1e-9) << "entry " << w << " penalize " << penalize;
    }
  }
}

TEST(GraphoneAligner, CountsEntriesNoSegmentationFits) {
  std::vector<LetterPhoneEntry> entries = draw(50, 4).entries;
  entries.push_back({{"w"}, {"D", "AH", "B"}});  // three phones for one letter: max two per graphone
  entries.push_back({{}, {"AH"}});
  const GraphoneAligner aligner(entries, GraphoneOptions{});
  EXPECT_EQ(aligner.unalignable(), 2u);
  EXPECT_TRUE(aligner.align(entries[50]).empty());
  // An entry that needs a graphone never seen in training has no segmentation either.
  EXPECT_TRUE(aligner.align({{"q"}, {"Q"}}).empty());
  GraphoneOptions wider;
  wider.max_phones = 3;
  EXPECT_EQ(GraphoneAligner(entries, wider).unalignable(), 1u);
}

TEST(GraphoneAligner, DeadEndsAreNeitherAlignableNorInTheInventory) {
  // Without letter deletion "qzv" -> /Q/ has pieces that end at (3, 1) — ("v", Q) from (2, 0), ("zv", Q)
  // from (1, 0) — but nothing reaches their starts from (0, 0): the entry has no segmentation at all.
  std::vector<LetterPhoneEntry> entries = draw(50, 6).entries;
  GraphoneOptions opt;
  opt.letter_deletion = false;
  opt.many_to_many = true;
  const size_t before = GraphoneAligner(entries, opt).unalignable();  // words with a silent c cannot be cut
  entries.push_back({{"q", "z", "v"}, {"Q"}});
  const GraphoneAligner aligner(entries, opt);
  EXPECT_EQ(aligner.unalignable(), before + 1);
  EXPECT_TRUE(aligner.training_segmentations().back().empty());
  const Tokens q = {"Q"};
  EXPECT_EQ(aligner.inventory().find(Tokens{"z", "v"}, q), -1);
  EXPECT_EQ(aligner.inventory().find(Tokens{"v"}, q), -1);
  EXPECT_EQ(aligner.inventory().find(Tokens{"q"}, q), -1);  // starts at (0, 0) but leads nowhere
}

TEST(GraphoneAligner, RejectsBadOptions) {
  const std::vector<LetterPhoneEntry> entries = draw(5, 5).entries;
  GraphoneOptions opt;
  opt.max_letters = 0;
  EXPECT_THROW(GraphoneAligner(entries, opt), attend::Error);
  opt = GraphoneOptions{};
  opt.iterations = 0;
  EXPECT_THROW(GraphoneAligner(entries, opt), attend::Error);
}

}  // namespace
