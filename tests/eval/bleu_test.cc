// Tests for eval/bleu: hand-worked corpus BLEU cases (n-gram counts, precisions and brevity penalty are
// written out above each), multi-reference clipping and closest-length ties, the exp smoothing, empty and
// Unicode lines, and BLEU by source-length bucket.
#include "eval/bleu.h"

#include <gtest/gtest.h>

#include <cmath>

#include "support/expect_error.h"

namespace attend::eval {
namespace {

using Lines = std::vector<std::string>;
using Counts = std::array<int64_t, kBleuOrder>;

// hyp "the cat sat on the mat" / ref "the cat is on the mat" (6 tokens each, BP = 1):
//   1-grams: the x2, cat, on, mat match; sat does not          -> 5/6
//   2-grams: the cat, on the, the mat match; cat sat, sat on     -> 3/5
//   3-grams: on the mat matches                                  -> 1/4
//   4-grams: none of 3                                           -> 0/3, exp smoothing: 1/(2*3)
//   BLEU = 100 * (5/6 * 3/5 * 1/4 * 1/6)^(1/4) = 100 * (1/48)^(1/4) = 37.992
TEST(Bleu, HandWorkedSentenceWithOneZeroOrder) {
  const BleuResult r = corpus_bleu(Lines{"the cat sat on the mat"}, Lines{"the cat is on the mat"});
  EXPECT_EQ(r.matches, (Counts{5, 3, 1, 0}));
  EXPECT_EQ(r.totals, (Counts{6, 5, 4, 3}));
  EXPECT_DOUBLE_EQ(r.precisions[0], 100.0 * 5 / 6);
  EXPECT_DOUBLE_EQ(r.precisions[3], 100.0 / 6);
  EXPECT_DOUBLE_EQ(r.bp, 1.0);
  EXPECT_EQ(r.hyp_len, 6);
  EXPECT_EQ(r.ref_len, 6);
  EXPECT_NEAR(r.bleu, 100.0 * std::pow(1.0 / 48, 0.25), 1e-9);
  EXPECT_NEAR(r.bleu, 37.992, 1e-3);
  EXPECT_EQ(r.to_string(), "BLEU = 37.99 83.3/60.0/25.0/16.7 (BP = 1.000 ratio = 1.000 hyp_len = 6 ref_len = 6)");
}

// hyp "one two three four five" (5) / ref "one two six three four seven five" (7):
//   1-grams 5/5; 2-grams: one two, three four of 4 -> 2/4; 3-grams 0/3 -> 1/(2*3); 4-grams 0/2 -> 1/(4*2)
//   (the second zero order halves again); BP = exp(1 - 7/5) = exp(-0.4)
//   BLEU = 100 * exp(-0.4) * (1 * 1/2 * 1/6 * 1/8)^(1/4) = 21.415
TEST(Bleu, TwoZeroOrdersAndAShortHypothesis) {
  const BleuResult r = corpus_bleu(Lines{"one two three four five"}, Lines{"one two six three four seven five"});
  EXPECT_EQ(r.matches, (Counts{5, 2, 0, 0}));
  EXPECT_EQ(r.totals, (Counts{5, 4, 3, 2}));
  EXPECT_DOUBLE_EQ(r.precisions[2], 100.0 / 6);
  EXPECT_DOUBLE_EQ(r.precisions[3], 100.0 / 8);
  EXPECT_NEAR(r.bp, std::exp(-0.4), 1e-12);
  EXPECT_NEAR(r.ratio, 5.0 / 7, 1e-12);
  EXPECT_NEAR(r.bleu, 100.0 * std::exp(-0.4) * std::pow(1.0 / 96, 0.25), 1e-9);
  EXPECT_NEAR(r.bleu, 21.415, 1e-3);
}

// The two sentences above as one corpus: the counts add up before any precision is taken
// (matches 10,5,1,0 of 11,9,7,5; lengths 11 vs 13), which is not the mean of the sentence scores:
//   BLEU = 100 * exp(1 - 13/11) * (10/11 * 5/9 * 1/7 * 1/(2*5))^(1/4) = 24.299
TEST(Bleu, CorpusSumsStatisticsBeforeScoring) {
  const BleuResult r = corpus_bleu(Lines{"the cat sat on the mat", "one two three four five"},
                                   Lines{"the cat is on the mat", "one two six three four seven five"});
  EXPECT_EQ(r.matches, (Counts{10, 5, 1, 0}));
  EXPECT_EQ(r.totals, (Counts{11, 9, 7, 5}));
  EXPECT_EQ(r.sentences, 2);
  const double expected = 100.0 * std::exp(1.0 - 13.0 / 11) * std::pow(10.0 / 11 * 5.0 / 9 * 1.0 / 7 * 1.0 / 10, 0.25);
  EXPECT_NEAR(r.bleu, expected, 1e-9);
  EXPECT_NEAR(r.bleu, 24.299, 1e-3);
}

// hyp "the cat" / ref "the cat sat on the mat": 3- and 4-grams have no hypothesis n-gram at all, so
// sacreBLEU stops there and the score is 0 (precisions 100, 100, 0, 0), BP = exp(1 - 6/2).
TEST(Bleu, OrderWithoutHypothesisNgramsGivesZero) {
  const BleuResult r = corpus_bleu(Lines{"the cat"}, Lines{"the cat sat on the mat"});
  EXPECT_EQ(r.bleu, 0.0);
  EXPECT_EQ(r.totals, (Counts{2, 1, 0, 0}));
  EXPECT_DOUBLE_EQ(r.precisions[1], 100.0);
  EXPECT_EQ(r.precisions[2], 0.0);
  EXPECT_NEAR(r.bp, std::exp(-2.0), 1e-12);
}

// An empty hypothesis line adds no n-grams but its reference length (3) still counts:
// the first case again with hyp_len 6, ref_len 9 -> BLEU = 37.992 * exp(1 - 9/6).
TEST(Bleu, EmptyHypothesisLineOnlyLowersTheBrevityPenalty) {
  const BleuResult r = corpus_bleu(Lines{"the cat sat on the mat", ""}, Lines{"the cat is on the mat", "a b c"});
  EXPECT_EQ(r.hyp_len, 6);
  EXPECT_EQ(r.ref_len, 9);
  EXPECT_NEAR(r.bp, std::exp(-0.5), 1e-12);
  EXPECT_NEAR(r.bleu, std::exp(-0.5) * 100.0 * std::pow(1.0 / 48, 0.25), 1e-9);
}

TEST(Bleu, NoMatchAtAllAndAllEmptyHypothesesScoreZero) {
  BleuResult r = corpus_bleu(Lines{"x y z w"}, Lines{"a b c d"});
  EXPECT_EQ(r.bleu, 0.0);
  EXPECT_EQ(r.precisions, (std::array<double, 4>{0, 0, 0, 0}));
  EXPECT_EQ(r.totals, (Counts{4, 3, 2, 1}));
  r = corpus_bleu(Lines{"", ""}, Lines{"a b", "c"});
  EXPECT_EQ(r.bleu, 0.0);
  EXPECT_EQ(r.bp, 0.0);
  EXPECT_EQ(r.hyp_len, 0);
  EXPECT_EQ(r.ref_len, 3);
}

TEST(Bleu, IdenticalTextScores100) {
  const BleuResult r = corpus_bleu(Lines{"a b c d e", "Hello, world!"}, Lines{"a b c d e", "Hello, world!"});
  EXPECT_NEAR(r.bleu, 100.0, 1e-9);
}

// Tokenization happens before counting: "mat." is "mat ." (2 tokens), so hyp "the cat sat on the mat."
// equals ref "the cat sat on the mat ." after 13a: BLEU 100. Right-stripping removes trailing spaces.
TEST(Bleu, Tokenizes13aBeforeCounting) {
  const BleuResult r = corpus_bleu(Lines{"the cat sat on the mat.   "}, Lines{"the cat sat on the mat ."});
  EXPECT_EQ(r.hyp_len, 7);
  EXPECT_NEAR(r.bleu, 100.0, 1e-9);
}

// Unicode: "Él comió la manzana rápidamente" (5 tokens) against the same with a final "." (6 tokens):
// every hypothesis n-gram matches (5, 4, 3, 2), BP = exp(1 - 6/5) -> BLEU = 100 * exp(-0.2) = 81.873.
// Accented words are tokens of their own ("comió" is not "comio").
TEST(Bleu, UnicodeWordsAreWholeTokens) {
  BleuResult r = corpus_bleu(Lines{"\xC3\x89l comi\xC3\xB3 la manzana r\xC3\xA1pidamente"},
                             Lines{"\xC3\x89l comi\xC3\xB3 la manzana r\xC3\xA1pidamente."});
  EXPECT_EQ(r.matches, (Counts{5, 4, 3, 2}));
  EXPECT_NEAR(r.bleu, 100.0 * std::exp(-0.2), 1e-9);
  r = corpus_bleu(Lines{"comio la manzana hoy"}, Lines{"comi\xC3\xB3 la manzana hoy"});
  EXPECT_EQ(r.matches[0], 3);
}

// Two references: hyp "the cat sat on the mat", refs "the cat is on the mat" and "a cat sat on a mat".
// Clipping uses the largest count of each n-gram in any one reference:
//   1-grams 6/6 (sat from ref 2); 2-grams 5/5 (cat sat, sat on from ref 2); 3-grams: cat sat on, on the mat
//   -> 2/4; 4-grams 0/3 -> 1/6. BLEU = 100 * (1 * 1 * 1/2 * 1/6)^(1/4) = 53.728.
TEST(Bleu, SeveralReferencesClipByTheLargestCount) {
  const std::vector<Lines> streams{Lines{"the cat is on the mat"}, Lines{"a cat sat on a mat"}};
  const BleuResult r = corpus_bleu(Lines{"the cat sat on the mat"}, streams);
  EXPECT_EQ(r.matches, (Counts{6, 5, 2, 0}));
  EXPECT_NEAR(r.bleu, 100.0 * std::pow(1.0 / 12, 0.25), 1e-9);
  // "the" appears twice in the hypothesis and twice in ref 1 but never in ref 2: clipped at 2, not 0 or 4.
  const BleuStats s = sentence_bleu_stats("the the", std::vector<std::string>{"the the x", "the y"});
  EXPECT_EQ(s.matches[0], 2);
}

// Closest reference length: hyp of 5 tokens, refs of 4 and 6 tokens are equally close; sacreBLEU takes the
// shorter (4), so BP = 1 and, every n-gram matching, BLEU = 100.
TEST(Bleu, ClosestReferenceLengthTiesGoToTheShorter) {
  const std::vector<Lines> streams{Lines{"a b c d e f"}, Lines{"a b c d"}};
  const BleuResult r = corpus_bleu(Lines{"a b c d e"}, streams);
  EXPECT_EQ(r.ref_len, 4);
  EXPECT_DOUBLE_EQ(r.bp, 1.0);
  EXPECT_NEAR(r.bleu, 100.0, 1e-9);
  // The strictly closer one wins: 7 tokens vs refs of 4 and 6 -> 6.
  EXPECT_EQ(sentence_bleu_stats("a b c d e f g", Lines{"a b c d", "a b c d e f"}).ref_len, 6);
}

TEST(Bleu, EmptyReferencesAreSkippedButNotAllOfThem) {
  // A second reference stream with an empty line for sentence 1: only the first reference counts there.
  const std::vector<Lines> streams{Lines{"a b c d"}, Lines{""}};
  EXPECT_EQ(corpus_bleu(Lines{"a b c d"}, streams).ref_len, 4);
  testing::expect_error_containing([] { corpus_bleu(Lines{"a", "b"}, Lines{"a", ""}); }, "sentence 2 is empty");
  testing::expect_error_containing([] { corpus_bleu(Lines{"a", "b"}, Lines{"a"}); },
                                   "2 hypotheses but reference stream 1 has 1 sentences");
}

TEST(Bleu, StatsAddUp) {
  BleuStats a = sentence_bleu_stats("the cat sat on the mat", Lines{"the cat is on the mat"});
  const BleuStats b = sentence_bleu_stats("one two three four five", Lines{"one two six three four seven five"});
  a += b;
  const BleuResult whole = corpus_bleu(Lines{"the cat sat on the mat", "one two three four five"},
                                       Lines{"the cat is on the mat", "one two six three four seven five"});
  EXPECT_DOUBLE_EQ(bleu_from_stats(a).bleu, whole.bleu);
}

// Buckets [0,3), [3,6), [6,inf) over source lengths 1, 4, 5, 9: bucket 1 holds sentence 0, bucket 2 holds
// sentences 1 and 2, bucket 3 holds sentence 3; each bucket's BLEU is the corpus BLEU of its sentences.
TEST(Bleu, ByLengthBucket) {
  const Lines hyps{"a b c d", "the cat sat on the mat", "one two three four five", "x y z w"};
  const Lines refs{"a b c d", "the cat is on the mat", "one two six three four seven five", "a b c d"};
  const std::vector<int64_t> src_len{1, 4, 5, 9}, edges{3, 6};
  const std::vector<LengthBucket> b = bleu_by_length_bucket(hyps, refs, src_len, edges);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].range(), "0-2");
  EXPECT_EQ(b[1].range(), "3-5");
  EXPECT_EQ(b[2].range(), "6+");
  EXPECT_EQ(b[0].count, 1);
  EXPECT_EQ(b[1].count, 2);
  EXPECT_EQ(b[2].count, 1);
  EXPECT_NEAR(b[0].bleu, 100.0, 1e-9);
  EXPECT_NEAR(b[1].bleu, corpus_bleu(Lines{hyps[1], hyps[2]}, Lines{refs[1], refs[2]}).bleu, 1e-12);
  EXPECT_EQ(b[2].bleu, 0.0);
  // An empty bucket is listed with count 0.
  const std::vector<int64_t> wide{3, 6, 8, 20};
  const auto b2 = bleu_by_length_bucket(hyps, refs, src_len, wide);
  ASSERT_EQ(b2.size(), 5u);
  EXPECT_EQ(b2[2].count, 0);
  EXPECT_EQ(b2[3].count, 1);
  EXPECT_EQ(b2[4].count, 0);
  const std::vector<int64_t> bad{5, 5};
  testing::expect_error_containing([&] { bleu_by_length_bucket(hyps, refs, src_len, bad); }, "increasing");
}

}  // namespace
}  // namespace attend::eval
