// Tests for eval/aer: Pharaoh parsing and formatting, AER/precision/recall against hand counts, the
// tagged-words filter, and symmetrisation by intersection and union.
#include "eval/aer.h"

#include <gtest/gtest.h>

#include "support/expect_error.h"
#include "support/temp_dir.h"

namespace attend::eval {
namespace {

using Links = std::vector<Link>;

TEST(Pharaoh, ParsesSureAndPossibleLinks) {
  const Alignment a = parse_pharaoh("0-0 2?1  1-1\t3?3 2?1");
  EXPECT_EQ(a.sure, (Links{{0, 0}, {1, 1}}));
  EXPECT_EQ(a.possible, (Links{{2, 1}, {3, 3}}));
  EXPECT_EQ(a.all(), (Links{{0, 0}, {1, 1}, {2, 1}, {3, 3}}));
  EXPECT_EQ(format_pharaoh(a), "0-0 1-1 2?1 3?3");
  // A link given as both is sure.
  EXPECT_TRUE(parse_pharaoh("1?2 1-2").possible.empty());
  EXPECT_TRUE(parse_pharaoh("").sure.empty());
}

TEST(Pharaoh, BadLinksNameTheLineAndToken) {
  for (const char* bad : {"0-", "-1", "a-b", "1-2-P", "1:2", "-1-2", "1-2x"}) {
    testing::expect_error_containing([&] { parse_pharaoh(bad, "gold.txt line 3"); },
                                     std::string("gold.txt line 3: bad alignment link '") + bad + "'");
  }
}

TEST(Pharaoh, ReadsAFile) {
  testing_util::TempDir tmp;
  testing_util::write_bytes(tmp.file("a.txt"), "0-0 1-1\n\n2?0\r\n");
  const auto v = read_pharaoh_file(tmp.file("a.txt"));
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].sure.size(), 2u);
  EXPECT_TRUE(v[1].all().empty());
  EXPECT_EQ(v[2].possible, (Links{{2, 0}}));
  testing_util::write_bytes(tmp.file("b.txt"), "0-0\n0=1\n");
  testing::expect_error_containing([&] { read_pharaoh_file(tmp.file("b.txt")); }, "b.txt line 2");
}

TEST(Aer, PerfectAlignmentIsZeroAndDisjointIsOne) {
  const std::vector<Alignment> gold{parse_pharaoh("0-0 1-1 2-2")};
  EXPECT_EQ(score_alignments(gold, gold).aer, 0.0);
  const std::vector<Alignment> disjoint{parse_pharaoh("0-1 1-0")};
  const AerScore s = score_alignments(disjoint, gold);
  EXPECT_EQ(s.aer, 1.0);
  EXPECT_EQ(s.precision, 0.0);
  EXPECT_EQ(s.recall, 0.0);
}

// Gold S = {0-0, 1-1}, possible {1-2, 2-2}, so P = {0-0, 1-1, 1-2, 2-2}. Hypothesis A = {0-0, 1-2, 2-1}:
//   |A| = 3, |S| = 2, |A∩S| = 1 (0-0), |A∩P| = 2 (0-0, 1-2)
//   AER = 1 - (1 + 2) / (3 + 2) = 0.4, precision = 2/3, recall = 1/2.
// Predicting only possible links is not penalised in precision: A = P gives AER = 1 - (2 + 4)/(4 + 2) = 0.
TEST(Aer, HandWorkedSureAndPossible) {
  const std::vector<Alignment> gold{parse_pharaoh("0-0 1-1 1?2 2?2")};
  const std::vector<Alignment> hyp{parse_pharaoh("0-0 1-2 2-1")};
  const AerScore s = score_alignments(hyp, gold);
  EXPECT_EQ(s.hyp_links, 3);
  EXPECT_EQ(s.sure_links, 2);
  EXPECT_EQ(s.possible_links, 4);
  EXPECT_EQ(s.hyp_and_sure, 1);
  EXPECT_EQ(s.hyp_and_possible, 2);
  EXPECT_NEAR(s.aer, 0.4, 1e-12);
  EXPECT_NEAR(s.precision, 2.0 / 3, 1e-12);
  EXPECT_NEAR(s.recall, 0.5, 1e-12);
  const std::vector<Alignment> all_p{parse_pharaoh("0-0 1-1 1-2 2-2")};
  EXPECT_NEAR(score_alignments(all_p, gold).aer, 0.0, 1e-12);
  // A '?' in a hypothesis is just a link.
  const std::vector<Alignment> hyp_q{parse_pharaoh("0?0 1?2 2?1")};
  EXPECT_NEAR(score_alignments(hyp_q, gold).aer, 0.4, 1e-12);
}

// Corpus level: counts add over sentences. Sentence 1 as above (A 3, S 2, A∩S 1, A∩P 2); sentence 2
// gold "0-0", hyp "0-0" (1, 1, 1, 1): AER = 1 - (2 + 3) / (4 + 3) = 2/7, not the mean of 0.4 and 0.
TEST(Aer, CorpusSumsCounts) {
  const std::vector<Alignment> gold{parse_pharaoh("0-0 1-1 1?2 2?2"), parse_pharaoh("0-0")};
  const std::vector<Alignment> hyp{parse_pharaoh("0-0 1-2 2-1"), parse_pharaoh("0-0")};
  EXPECT_NEAR(score_alignments(hyp, gold).aer, 2.0 / 7, 1e-12);
}

// Tagged words: source words {0, 1} and target words {0, 1} carry gold. Hyp {0-0, 1-1, 2-1, 1-3}: 2-1
// touches untagged source 2 and 1-3 untagged target 3, so A = {0-0, 1-1} = S and AER = 0.
TEST(Aer, LinksTouchingUntaggedWordsAreIgnored) {
  const std::vector<Alignment> gold{parse_pharaoh("0-0 1-1")};
  const std::vector<Alignment> hyp{parse_pharaoh("0-0 1-1 2-1 1-3")};
  const std::vector<TaggedWords> tagged{parse_tagged_words("0 1 ||| 1 0")};
  EXPECT_EQ(tagged[0].tgt, (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(score_alignments(hyp, gold, tagged).aer, 0.0);
  // Unfiltered: A = 4, S = 2, A∩S = 2, A∩P = 2 -> 1 - 4/6.
  EXPECT_NEAR(score_alignments(hyp, gold).aer, 1.0 - 4.0 / 6, 1e-12);
  testing::expect_error_containing([] { parse_tagged_words("0 1 2", "tags line 1"); }, "tags line 1");
  testing::expect_error_containing([] { parse_tagged_words("0 x ||| 1"); }, "bad word index 'x'");
}

TEST(Aer, MismatchedSentenceCountsAreRefused) {
  const std::vector<Alignment> one{parse_pharaoh("0-0")}, two{parse_pharaoh("0-0"), parse_pharaoh("")};
  testing::expect_error_containing([&] { score_alignments(one, two); }, "1 hypothesis alignments but 2 gold");
}

TEST(Aer, EmptyEverythingIsZero) {
  const std::vector<Alignment> empty{Alignment{}};
  EXPECT_EQ(score_alignments(empty, empty).aer, 0.0);
}

// Symmetrisation: src->tgt {0-0, 1-1, 2-1} and tgt->src (already in i-j orientation) {0-0, 1-1, 1-2}.
TEST(Symmetrize, IntersectionAndUnion) {
  const Links a{{2, 1}, {0, 0}, {1, 1}, {0, 0}}, b{{0, 0}, {1, 1}, {1, 2}};
  EXPECT_EQ(intersect_links(a, b), (Links{{0, 0}, {1, 1}}));
  EXPECT_EQ(union_links(a, b), (Links{{0, 0}, {1, 1}, {1, 2}, {2, 1}}));
  // A target-to-source alignment written j-i comes into i-j orientation by transposing.
  const Links ji{{2, 1}, {0, 0}};
  EXPECT_EQ(transpose_links(ji), (Links{{0, 0}, {1, 2}}));
}

}  // namespace
}  // namespace attend::eval
