// OSIS verse parsing and the Strong's gold alignment on hand-written markup: numbers normalised, notes
// and headings dropped, <transChange> kept untagged, words tagged by every span they touch, and the
// sure/possible links checked against hand-computed lists and a word-level brute force.
#include "data/bible_verse.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "support/expect_error.h"

namespace attend::data {
namespace {

using attend::testing::expect_error_containing;

std::vector<std::string> names(const std::vector<Strongs>& v) {
  std::vector<std::string> out;
  for (Strongs s : v) out.push_back(strongs_to_string(s));
  return out;
}

TEST(Strongs, LeadingZerosDoNotMatterButHebrewAndGreekDiffer) {
  EXPECT_EQ(parse_strongs("H0776"), parse_strongs("H776"));
  EXPECT_EQ(parse_strongs("h0776"), parse_strongs("H776"));
  EXPECT_NE(parse_strongs("H776"), parse_strongs("G776"));
  EXPECT_NE(parse_strongs("H1254"), parse_strongs("H1254a"));
  EXPECT_EQ(strongs_to_string(parse_strongs("H0776")), "H776");
  EXPECT_EQ(strongs_to_string(parse_strongs("G0025")), "G25");
  EXPECT_EQ(strongs_to_string(parse_strongs("G11537")), "G11537");
  EXPECT_EQ(strongs_to_string(parse_strongs("H1254a")), "H1254a");
  EXPECT_LT(parse_strongs("H9999"), parse_strongs("G1"));  // Hebrew sorts first
}

TEST(Strongs, MalformedNumbersAreErrors) {
  for (const char* bad : {"", "H", "X12", "12", "H12ab", "H1A", "G-1", "H99999999"})
    expect_error_containing([&] { parse_strongs(bad); }, "Strong's number");
}

TEST(Strongs, LemmaKeepsStrongTokensAndTheirBareContinuations) {
  EXPECT_EQ(names(strongs_from_lemma("strong:H0853 strong:H0776")), (std::vector<std::string>{"H776", "H853"}));
  EXPECT_EQ(names(strongs_from_lemma("strong:G2424 G5547")), (std::vector<std::string>{"G2424", "G5547"}));
  EXPECT_EQ(names(strongs_from_lemma("lemma.TR:logos strong:G3056")), (std::vector<std::string>{"G3056"}));
  // A bare token after another scheme is that scheme's, not a Strong's number.
  EXPECT_TRUE(strongs_from_lemma("lemma.TR:logos G3056").empty());
  EXPECT_EQ(names(strongs_from_lemma("strong:H0776 strong:H776")), (std::vector<std::string>{"H776"}));
  EXPECT_TRUE(strongs_from_lemma("").empty());
}

TEST(OsisVerse, NotesAndHeadingsGoTransChangeAndCanonicalTitlesStay) {
  const std::string raw =
      "<div type=\"x-milestone\" subType=\"x-preverse\" sID=\"pv1\"/><title><foreign>ב BETH.</foreign></title>"
      "<div type=\"x-milestone\" subType=\"x-preverse\" eID=\"pv1\"/><title canonical=\"true\" type=\"psalm\">A "
      "<w lemma=\"strong:H4210\">Psalm</w>.</title> <divineName><w lemma=\"strong:H3068\">LORD</w></divineName>, "
      "<transChange type=\"added\">are</transChange> <w lemma=\"strong:H7227\">many</w>.<note placement=\"foot\">"
      "<reference type=\"annotateRef\">3.1 </reference>many: <seg type=\"x-nested\">Heb.</seg> <note>nested</note> "
      "rabbim</note> <l eID=\"gen1\" level=\"1\"/>";
  const BibleVerse v = parse_osis_verse(raw, "test");
  EXPECT_EQ(v.text, "A Psalm. LORD, are many.");
  ASSERT_EQ(v.words.size(), 5u);
  EXPECT_TRUE(v.strongs[0].empty());
  EXPECT_EQ(names(v.strongs[1]), std::vector<std::string>{"H4210"});
  EXPECT_EQ(names(v.strongs[2]), std::vector<std::string>{"H3068"});
  EXPECT_TRUE(v.strongs[3].empty());  // the translators' addition is text, untagged
  EXPECT_EQ(names(v.strongs[4]), std::vector<std::string>{"H7227"});
  ASSERT_EQ(v.spans.size(), 3u);
  EXPECT_EQ(v.spans[0].first_word, 1);
  EXPECT_EQ(v.spans[0].end_word, 2);

  // The same with canonical titles off: the superscription goes as well.
  const BibleVerse w = parse_osis_verse(raw, "test", {.keep_canonical_titles = false});
  EXPECT_EQ(w.text, "LORD, are many.");
}

TEST(OsisVerse, TitleAfterTheTextIsASubscriptionAndStays) {
  const std::string raw =
      "<w lemma=\"strong:G0281\">Amen</w>. <chapter eID=\"Rom.16\"/> <title>Written to the Romans.</title> "
      "<div eID=\"b\" type=\"book\"/>";
  EXPECT_EQ(parse_osis_verse(raw).text, "Amen. Written to the Romans.");
  EXPECT_EQ(parse_osis_verse(raw, "", {.keep_trailing_titles = false}).text, "Amen.");
}

TEST(OsisVerse, WordsTakeTheNumbersOfEverySpanTheyTouch) {
  // "ab" and "cd" are one word across two spans; "¡" and "," outside spans stay on their words.
  const BibleVerse v = parse_osis_verse(
      "¡<w lemma=\"strong:H0001\">ab</w><w lemma=\"strong:H0002 strong:G0002\">cd</w>, <w "
      "lemma=\"strong:H0003\">e f</w> g");
  EXPECT_EQ(v.text, "¡abcd, e f g");
  ASSERT_EQ(v.words, (std::vector<std::string>{"¡abcd,", "e", "f", "g"}));
  EXPECT_EQ(names(v.strongs[0]), (std::vector<std::string>{"H1", "H2", "G2"}));
  EXPECT_EQ(names(v.strongs[1]), std::vector<std::string>{"H3"});
  EXPECT_EQ(names(v.strongs[2]), std::vector<std::string>{"H3"});
  EXPECT_TRUE(v.strongs[3].empty());
  ASSERT_EQ(v.spans.size(), 3u);
  EXPECT_EQ(v.spans[0].words(), 1);
  EXPECT_EQ(v.spans[1].words(), 1);
  EXPECT_EQ(v.spans[2].first_word, 1);
  EXPECT_EQ(v.spans[2].end_word, 3);
}

TEST(OsisVerse, SavlmCountsMorphologyDoesNotAndEmptySpansVanish) {
  const BibleVerse v = parse_osis_verse(
      "<w savlm=\"strong:G3588\" morph=\"robinson:T-NSM\">ho</w> <w morph=\"robinson:N-NSM\">logos</w> "
      "<w lemma=\"strong:G2316\"> </w><w lemma=\"strong:G1161\"/>");
  EXPECT_EQ(v.text, "ho logos");
  EXPECT_EQ(names(v.strongs[0]), std::vector<std::string>{"G3588"});
  EXPECT_TRUE(v.strongs[1].empty());
  EXPECT_EQ(v.spans.size(), 1u);  // the untagged <w>, the blank one and the empty one are no spans
}

TEST(OsisVerse, EntitiesDecodedMarkersAndPilcrowsRemovedWhitespaceNormalised) {
  const BibleVerse v = parse_osis_verse(
      "  ¶ Tom &amp; Jerry &lt;x&gt; caf&#233; caf&#xE9; &bogus; the \\nd <w lemma=\"strong:H3068\">LORD</w>"
      "\\+nd*\n\tend\xC2\xA0here ");
  EXPECT_EQ(v.text, "Tom & Jerry <x> café café &bogus; the LORD end here");
  EXPECT_EQ(v.words.size(), 11u);
  EXPECT_EQ(names(v.strongs[8]), std::vector<std::string>{"H3068"});
}

TEST(OsisVerse, TransChangeFlushAgainstAWordIsSeparateUnlessAnEnclitic) {
  EXPECT_EQ(parse_osis_verse("<w lemma=\"strong:H3318\">sáca</w><transChange type=\"added\">lo</transChange> "
                             "<w lemma=\"strong:H3051\">Dad</w><transChange type=\"added\">melo</transChange>.")
                .text,
            "sácalo Dadmelo.");
  EXPECT_EQ(parse_osis_verse("<transChange type=\"added\">también</transChange><w lemma=\"strong:H0916\">bdelio"
                             "</w> y<transChange type=\"added\">medio de</transChange><w lemma=\"strong:H1\">Febe</w>, "
                             "<w lemma=\"strong:H2\">Porque</w><transChange type=\"added\">pasados</transChange>: x")
                .text,
            "también bdelio y medio de Febe, Porque pasados: x");
  // Punctuation after the addition stays attached.
  EXPECT_EQ(parse_osis_verse("<transChange type=\"added\">was</transChange>; and").text, "was; and");
}

TEST(OsisVerse, MalformedMarkupIsAnErrorNamingTheVerse) {
  expect_error_containing([] { parse_osis_verse("<w lemma=\"strong:H1\"", "Gen 1:1"); }, "Gen 1:1: unterminated tag");
  expect_error_containing([] { parse_osis_verse("a <note>b", "Gen 1:2"); }, "Gen 1:2: <note> is never closed");
  expect_error_containing([] { parse_osis_verse("<w lemma=\"strong:Q12\">a</w>", "Gen 1:3"); },
                          "Gen 1:3: Strong's number 'Q12'");
  expect_error_containing([] { parse_osis_verse("<!-- open", "Gen 1:4"); }, "Gen 1:4: unterminated comment");
}

// Builds a verse from words and tagged spans (word ranges with numbers), as the parser would.
BibleVerse make_verse(int words, const std::vector<std::pair<std::pair<int, int>, std::vector<std::string>>>& spans) {
  BibleVerse v;
  v.strongs.resize(static_cast<size_t>(words));
  for (int i = 0; i < words; ++i) v.words.push_back(fmt::format("w{}", i));
  for (const auto& [range, nums] : spans) {
    StrongsSpan s{range.first, range.second, {}};
    for (const auto& n : nums) s.numbers.push_back(parse_strongs(n));
    std::sort(s.numbers.begin(), s.numbers.end());
    s.numbers.erase(std::unique(s.numbers.begin(), s.numbers.end()), s.numbers.end());
    for (int i = range.first; i < range.second; ++i) {
      auto& w = v.strongs[static_cast<size_t>(i)];
      w.insert(w.end(), s.numbers.begin(), s.numbers.end());
      std::sort(w.begin(), w.end());
      w.erase(std::unique(w.begin(), w.end()), w.end());
    }
    v.spans.push_back(std::move(s));
  }
  return v;
}

TEST(StrongsAlignment, SureOnlyBetweenSingleWordSpansOfAnUnrepeatedNumber) {
  // src: [0,3) H1   [3] H2   [4] H3   [5] H3   [6] untagged   [7] H5+H6
  // tgt: [0] H1     [1] H2   [2] H3   [3,5) H4 [5] H5         [6] H6
  const BibleVerse src = make_verse(8, {{{0, 3}, {"H1"}}, {{3, 4}, {"H2"}}, {{4, 5}, {"H3"}}, {{5, 6}, {"H3"}},
                                        {{7, 8}, {"H5", "H6"}}});
  const BibleVerse tgt = make_verse(7, {{{0, 1}, {"H1"}}, {{1, 2}, {"H2"}}, {{2, 3}, {"H3"}}, {{3, 5}, {"H4"}},
                                        {{5, 6}, {"H5"}}, {{6, 7}, {"H6"}}});
  // H1: a 3-word span -> possible; H2: one word each -> sure; H3 tags two source spans -> possible;
  // H4: no source; H5 and H6: the two-number source word is sure with each.
  EXPECT_EQ(format_pharaoh(strongs_alignment(src, tgt)), "0?0 1?0 2?0 3-1 4?2 5?2 7-5 7-6");
  EXPECT_EQ(format_pharaoh(strongs_alignment(src, tgt, {.repeated_numbers_are_possible = false})),
            "0?0 1?0 2?0 3-1 4-2 5-2 7-5 7-6");
  EXPECT_TRUE(strongs_alignment(src, BibleVerse{}).empty());
}

TEST(StrongsAlignment, MatchesAWordLevelBruteForceOnRandomVerses) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    auto random_verse = [&](int words) {
      std::vector<std::pair<std::pair<int, int>, std::vector<std::string>>> spans;
      for (int i = 0; i < words;) {
        const int len = 1 + static_cast<int>(rng() % 3);
        const int end = std::min(words, i + len);
        if (rng() % 4 != 0) {  // some words stay untagged
          std::vector<std::string> nums;
          const int k = 1 + static_cast<int>(rng() % 2);
          for (int n = 0; n < k; ++n) nums.push_back(fmt::format("{}{}", rng() % 2 ? 'H' : 'G', 1 + rng() % 6));
          spans.push_back({{i, end}, nums});
        }
        i = end;
      }
      return make_verse(words, spans);
    };
    const BibleVerse a = random_verse(1 + static_cast<int>(rng() % 9));
    const BibleVerse b = random_verse(1 + static_cast<int>(rng() % 9));
    for (bool repeated_possible : {true, false}) {
      // Linked: the words' own number sets meet. Sure: some shared number n puts both words in
      // single-word spans carrying n (and, by default, n tags one span per side).
      auto spans_with = [](const BibleVerse& v, Strongs n) {
        std::vector<const StrongsSpan*> out;
        for (const auto& s : v.spans)
          if (std::find(s.numbers.begin(), s.numbers.end(), n) != s.numbers.end()) out.push_back(&s);
        return out;
      };
      std::vector<AlignmentLink> want;
      for (int i = 0; i < static_cast<int>(a.words.size()); ++i) {
        for (int j = 0; j < static_cast<int>(b.words.size()); ++j) {
          bool linked = false, sure = false;
          for (Strongs n : a.strongs[i]) {
            if (std::find(b.strongs[j].begin(), b.strongs[j].end(), n) == b.strongs[j].end()) continue;
            linked = true;
            const auto sa = spans_with(a, n), sb = spans_with(b, n);
            if (repeated_possible && (sa.size() != 1 || sb.size() != 1)) continue;
            for (const auto* s : sa)
              for (const auto* t : sb)
                sure = sure || (s->first_word == i && s->words() == 1 && t->first_word == j && t->words() == 1);
          }
          if (linked) want.push_back({i, j, sure});
        }
      }
      EXPECT_EQ(strongs_alignment(a, b, {.repeated_numbers_are_possible = repeated_possible}), want)
          << "trial " << trial;
    }
  }
}

TEST(StrongsAlignment, PharaohFormatWritesSourceFirst) {
  EXPECT_EQ(format_pharaoh({{0, 3, true}, {2, 1, false}, {12, 10, true}}), "0-3 2?1 12-10");
  EXPECT_EQ(format_pharaoh({}), "");
}

}  // namespace
}  // namespace attend::data
