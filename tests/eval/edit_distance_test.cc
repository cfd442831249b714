// Tests for eval/edit_distance: Levenshtein against hand-worked pairs and a brute-force recursion, and
// PER/WER with one and several reference pronunciations.
#include "eval/edit_distance.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "support/expect_error.h"

namespace attend::eval {
namespace {

using Seq = std::vector<std::string>;

// The recursive definition, exponential but obviously right for short inputs.
int64_t brute_distance(const Seq& a, size_t i, const Seq& b, size_t j) {
  if (i == a.size()) return static_cast<int64_t>(b.size() - j);
  if (j == b.size()) return static_cast<int64_t>(a.size() - i);
  if (a[i] == b[j]) return brute_distance(a, i + 1, b, j + 1);
  return 1 + std::min({brute_distance(a, i + 1, b, j), brute_distance(a, i, b, j + 1),
                       brute_distance(a, i + 1, b, j + 1)});
}

TEST(EditDistance, HandWorkedPairs) {
  // kitten -> sitting: k->s, e->i, +g = 3 (over characters as tokens).
  auto chars = [](const std::string& s) {
    Seq v;
    for (char c : s) v.emplace_back(1, c);
    return v;
  };
  EXPECT_EQ(edit_distance(chars("kitten"), chars("sitting")), 3);
  EXPECT_EQ(edit_distance(chars(""), chars("abc")), 3);
  EXPECT_EQ(edit_distance(chars("abc"), chars("")), 3);
  EXPECT_EQ(edit_distance(chars("abc"), chars("abc")), 0);
  EXPECT_EQ(edit_distance(chars("ab"), chars("ba")), 2);  // no transposition operation
  // Phonemes are whole tokens: "AH0" vs "AH1" is one substitution.
  EXPECT_EQ(edit_distance(Seq{"K", "AE1", "T"}, Seq{"K", "AH0", "T"}), 1);
  const std::vector<int64_t> x{1, 2, 3, 4}, y{2, 3, 5};
  EXPECT_EQ(edit_distance(x, y), 2);  // delete 1, 4 -> 5
}

TEST(EditDistance, MatchesBruteForceOnRandomShortSequences) {
  std::mt19937 gen(7);
  const Seq alphabet{"a", "b", "c"};
  for (int trial = 0; trial < 300; ++trial) {
    Seq a(gen() % 7), b(gen() % 7);
    for (auto& t : a) t = alphabet[gen() % 3];
    for (auto& t : b) t = alphabet[gen() % 3];
    EXPECT_EQ(edit_distance(a, b), brute_distance(a, 0, b, 0)) << trial;
    EXPECT_EQ(edit_distance(a, b), edit_distance(b, a));
  }
}

// Three words, one reference each:
//   cat: K AE T vs K AE T      -> 0 errors of 3, correct
//   dog: D AO G vs D AA G      -> 1 error of 3
//   the: DH AH vs DH AH0 IY    -> 2 errors (substitute, insert) of 3
// PER = 3 / 9 = 33.33%, WER = 2 / 3 = 66.67%.
TEST(G2pScore, OneReferencePerWord) {
  const std::vector<Seq> hyps{{"K", "AE", "T"}, {"D", "AO", "G"}, {"DH", "AH"}};
  const std::vector<Seq> refs{{"K", "AE", "T"}, {"D", "AA", "G"}, {"DH", "AH0", "IY"}};
  const G2pScore s = score_g2p(hyps, refs);
  EXPECT_EQ(s.phoneme_errors, 3);
  EXPECT_EQ(s.ref_phonemes, 9);
  EXPECT_EQ(s.word_errors, 2);
  EXPECT_EQ(s.words, 3);
  EXPECT_NEAR(s.per, 100.0 / 3, 1e-12);
  EXPECT_NEAR(s.wer, 200.0 / 3, 1e-12);
}

// Several pronunciations: a word is right if it equals any of them; PER takes the closest reference, and
// among equally close ones the shortest.
//   "read" hyp R EH D, refs {R IY D, R EH D}: exact match with ref 2 -> 0 errors of 3, correct.
//   "either" hyp IY TH ER, refs {AY DH ER (distance 2, length 3), IY DH ER (distance 1, length 3)} -> 1 of 3.
//   "x" hyp A B, refs {A B C D (distance 2, length 4), C D (distance 2, length 2)} -> tie on distance, the
//   shorter wins: 2 errors of 2.
//   PER = (0 + 1 + 2) / (3 + 3 + 2) = 3/8 = 37.5%, WER = 2/3.
TEST(G2pScore, SeveralReferencesPickTheClosestThenTheShortest) {
  const std::vector<Seq> hyps{{"R", "EH", "D"}, {"IY", "TH", "ER"}, {"A", "B"}};
  const std::vector<std::vector<Seq>> refs{{{"R", "IY", "D"}, {"R", "EH", "D"}},
                                           {{"AY", "DH", "ER"}, {"IY", "DH", "ER"}},
                                           {{"A", "B", "C", "D"}, {"C", "D"}}};
  const G2pScore s = score_g2p(hyps, refs);
  EXPECT_EQ(s.phoneme_errors, 3);
  EXPECT_EQ(s.ref_phonemes, 8);
  EXPECT_EQ(s.word_errors, 2);
  EXPECT_NEAR(s.per, 37.5, 1e-12);
  EXPECT_NEAR(s.wer, 200.0 / 3, 1e-12);
}

TEST(G2pScore, EmptyHypothesisCountsEveryReferencePhoneme) {
  G2pScorer scorer;
  scorer.add(Seq{}, Seq{"K", "AE", "T"});
  const G2pScore s = scorer.result();
  EXPECT_EQ(s.phoneme_errors, 3);
  EXPECT_NEAR(s.per, 100.0, 1e-12);
  EXPECT_NEAR(s.wer, 100.0, 1e-12);
  EXPECT_EQ(G2pScorer().result().per, 0.0);
}

TEST(G2pScore, BadInputIsRefused) {
  const std::vector<Seq> hyps{{"A"}}, refs{};
  testing::expect_error_containing([&] { score_g2p(hyps, refs); }, "1 hypotheses but 0 references");
  G2pScorer scorer;
  const std::vector<Seq> none;
  testing::expect_error_containing([&] { scorer.add(Seq{"A"}, none); }, "word 1 has no reference");
}

}  // namespace
}  // namespace attend::eval
