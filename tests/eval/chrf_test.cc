// Tests for eval/chrf: hand-worked chrF cases (per-order n-gram counts, the averaged precision and recall,
// and F-beta written out above each), whitespace removal, Unicode characters, corpus-level summing,
// sacreBLEU's rule for orders the reference lacks, several references, and eps smoothing.
#include "eval/chrf.h"

#include <gtest/gtest.h>

#include "support/expect_error.h"

namespace attend::eval {
namespace {

using Lines = std::vector<std::string>;
using V = std::vector<int64_t>;

// hyp "ab" / ref "abc":
//   n=1: hyp a,b (2)  ref a,b,c (3)  match 2
//   n=2: hyp ab (1)   ref ab,bc (2)  match 1
//   n=3: hyp - (0)    ref abc (1)    match 0       n=4..6: nothing on either side
//   effective orders (hyp > 0 and ref > 0): 1, 2.  P = (2/2 + 1/1)/2 = 1,  R = (2/3 + 1/2)/2 = 7/12
//   chrF2 = 5 P R / (4 P + R) = (35/12) / (55/12) = 7/11 = 63.636
TEST(Chrf, HandWorkedPrefix) {
  const ChrfResult r = corpus_chrf(Lines{"ab"}, Lines{"abc"});
  EXPECT_EQ(r.stats.hyp, (V{2, 1, 0, 0, 0, 0}));
  EXPECT_EQ(r.stats.ref, (V{3, 2, 1, 0, 0, 0}));
  EXPECT_EQ(r.stats.match, (V{2, 1, 0, 0, 0, 0}));
  EXPECT_NEAR(r.precision, 100.0, 1e-12);
  EXPECT_NEAR(r.recall, 100.0 * 7 / 12, 1e-12);
  EXPECT_NEAR(r.chrf, 100.0 * 7 / 11, 1e-12);
}

// Whitespace is removed before counting: "a b" and "ab" are the same characters -> 100.
TEST(Chrf, IgnoresWhitespace) {
  EXPECT_NEAR(corpus_chrf(Lines{"a b"}, Lines{"ab"}).chrf, 100.0, 1e-12);
  EXPECT_NEAR(corpus_chrf(Lines{" a\tb\xC2\xA0" "c "}, Lines{"abc"}).chrf, 100.0, 1e-12);
  // With whitespace kept, "a b" has the n-grams "a", " ", "b", "a ", " b", "a b": different from "ab".
  ChrfOptions keep;
  keep.whitespace = true;
  EXPECT_LT(corpus_chrf(Lines{"a b"}, Lines{"ab"}, keep).chrf, 100.0);
}

// Unicode: hyp "niño" / ref "nino" are 4 code points each (5 bytes for niño):
//   n=1: hyp n,i,ñ,o  ref n,n,i,o -> match n,i,o = 3 of 4 / 4
//   n=2: hyp ni,iñ,ño ref ni,in,no -> match ni = 1 of 3 / 3
//   n=3: niñ,iño vs nin,ino -> 0 of 2 / 2;  n=4: niño vs nino -> 0 of 1 / 1;  n=5,6: none
//   P = R = (3/4 + 1/3 + 0 + 0)/4 = 13/48, so chrF = 13/48 = 27.083 (bytes would give other counts).
TEST(Chrf, CountsCodePointsNotBytes) {
  const ChrfResult r = corpus_chrf(Lines{"ni\xC3\xB1o"}, Lines{"nino"});
  EXPECT_EQ(r.stats.hyp, (V{4, 3, 2, 1, 0, 0}));
  EXPECT_EQ(r.stats.ref, (V{4, 3, 2, 1, 0, 0}));
  EXPECT_EQ(r.stats.match, (V{3, 1, 0, 0, 0, 0}));
  EXPECT_NEAR(r.chrf, 100.0 * 13 / 48, 1e-12);
}

// The two sentences above as a corpus: counts add up first.
//   n=1: hyp 6 ref 7 match 5;  n=2: 4 / 5 / 2;  n=3: 2 / 3 / 0;  n=4: 1 / 1 / 0
//   P = (5/6 + 2/4 + 0 + 0)/4 = 1/3,  R = (5/7 + 2/5 + 0 + 0)/4 = 39/140
//   chrF2 = 5 (1/3)(39/140) / (4/3 + 39/140) = 195/677 = 28.804 (not the mean of 63.64 and 27.08)
TEST(Chrf, CorpusSumsStatisticsBeforeScoring) {
  const ChrfResult r = corpus_chrf(Lines{"ab", "ni\xC3\xB1o"}, Lines{"abc", "nino"});
  EXPECT_EQ(r.stats.hyp, (V{6, 4, 2, 1, 0, 0}));
  EXPECT_EQ(r.stats.sentences, 2);
  EXPECT_NEAR(r.chrf, 100.0 * 195 / 677, 1e-12);
}

// sacreBLEU counts no hypothesis n-grams of an order the reference has none of. Corpus
// ("abcd" vs "ab", "xyz" vs "xyz"):
//   sentence 1: n=1 4/2/2, n=2 3/1/1, n=3: the reference has no trigram, so hyp counts 0 (not 2), n=4 0
//   sentence 2: n=1 3/3/3, n=2 2/2/2, n=3 1/1/1
//   sums: n=1 7/5/5, n=2 5/3/3, n=3 1/1/1 -> P = (5/7 + 3/5 + 1)/3 = 27/35, R = 1
//   chrF2 = 5 (27/35) / (4 (27/35) + 1) = 135/143 = 94.406
TEST(Chrf, HypothesisNgramsOfAnOrderTheReferenceLacksAreNotCounted) {
  const ChrfResult r = corpus_chrf(Lines{"abcd", "xyz"}, Lines{"ab", "xyz"});
  EXPECT_EQ(r.stats.hyp, (V{7, 5, 1, 0, 0, 0}));
  EXPECT_NEAR(r.chrf, 100.0 * 135 / 143, 1e-12);
}

TEST(Chrf, EmptyHypothesisAndNoMatchScoreZero) {
  EXPECT_EQ(corpus_chrf(Lines{""}, Lines{"abc"}).chrf, 0.0);
  EXPECT_EQ(corpus_chrf(Lines{"xyz"}, Lines{"abc"}).chrf, 0.0);
  // An empty hypothesis next to a perfect one adds reference n-grams only: sums n=1 3/6/3, n=2 2/4/2,
  // n=3 1/2/1 -> P = 1, R = 1/2, chrF2 = 5 (1/2) / (4 + 1/2) = 5/9.
  EXPECT_NEAR(corpus_chrf(Lines{"", "abc"}, Lines{"abc", "abc"}).chrf, 100.0 * 5 / 9, 1e-12);
}

// Several references: hyp "abc" against "xyz" (chrF 0) and "abd":
//   n=1 3/3/2, n=2 2/2/1 (ab), n=3 1/1/0 -> P = R = (2/3 + 1/2 + 0)/3 = 7/18 = 38.889; the better one is kept.
TEST(Chrf, SeveralReferencesKeepTheBestSentenceScore) {
  const std::vector<Lines> streams{Lines{"xyz"}, Lines{"abd"}};
  const ChrfResult r = corpus_chrf(Lines{"abc"}, streams);
  EXPECT_NEAR(r.chrf, 100.0 * 7 / 18, 1e-12);
  EXPECT_EQ(r.stats.match, (V{2, 1, 0, 0, 0, 0}));
  // An empty reference line in one stream is skipped.
  const std::vector<Lines> with_empty{Lines{""}, Lines{"abc"}};
  EXPECT_NEAR(corpus_chrf(Lines{"abc"}, with_empty).chrf, 100.0, 1e-12);
  testing::expect_error_containing([] { corpus_chrf(Lines{"a"}, Lines{""}); }, "sentence 1 is empty");
}

// eps smoothing (chrF++.py style), hyp "ab" / ref "abc": per-order F2:
//   n=1: P 1, R 2/3 -> 5(2/3)/(4 + 2/3) = 5/7;  n=2: P 1, R 1/2 -> 5/9;
//   n=3: P eps, R 0 -> 0;  n=4..6: P = R = eps -> eps each.  chrF = (5/7 + 5/9 + 3 eps)/6 = 21.164
TEST(Chrf, EpsSmoothingAveragesPerOrderScores) {
  ChrfOptions opt;
  opt.eps_smoothing = true;
  EXPECT_NEAR(corpus_chrf(Lines{"ab"}, Lines{"abc"}, opt).chrf, 100.0 * (5.0 / 7 + 5.0 / 9) / 6, 1e-12);
}

TEST(Chrf, RepeatedCharactersAreClipped) {
  // hyp "aaa" / ref "a": n=1 hyp 3, ref 1, match 1; n=2,3: the reference has none -> not counted.
  // P = 1/3, R = 1 -> chrF2 = 5 (1/3) / (4/3 + 1) = 5/7.
  const ChrfResult r = corpus_chrf(Lines{"aaa"}, Lines{"a"});
  EXPECT_EQ(r.stats.match, (V{1, 0, 0, 0, 0, 0}));
  EXPECT_NEAR(r.chrf, 100.0 * 5 / 7, 1e-12);
}

TEST(Chrf, BadOptionsAreRefused) {
  ChrfOptions opt;
  opt.char_order = 7;
  testing::expect_error_containing([&] { corpus_chrf(Lines{"a"}, Lines{"a"}, opt); }, "char_order must be in 1..6");
}

}  // namespace
}  // namespace attend::eval
