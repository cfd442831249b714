// CMUdict: exact parses of hand-written Festival lines (stress placement, several entries per word,
// duplicates, malformed lines), the FNV-1a split, the written files, and the real festlex-cmu file.
#include "data/cmudict.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "data/text_file.h"
#include "support/expect_error.h"
#include "support/temp_dir.h"

namespace attend::data {
namespace {

using testing_util::TempDir;
using V = std::vector<std::string>;

CmuEntry parse_ok(std::string_view line) {
  std::string err;
  auto e = parse_cmudict_line(line, &err);
  EXPECT_TRUE(e.has_value()) << line << ": " << err;
  return e.value_or(CmuEntry{});
}

std::string parse_error(std::string_view line) {
  std::string err;
  auto e = parse_cmudict_line(line, &err);
  EXPECT_FALSE(e.has_value()) << line;
  return err;
}

TEST(Cmudict, StressGoesOnEachSyllablesVowel) {
  CmuEntry e = parse_ok(R"(("aardvark" nil (((aa r d) 1) ((v aa r k) 1))))");
  EXPECT_EQ(e.word, "aardvark");
  EXPECT_EQ(e.pos, "nil");
  EXPECT_EQ(e.phones, (V{"aa1", "r", "d", "v", "aa1", "r", "k"}));
  EXPECT_EQ(e.phones_nostress, (V{"aa", "r", "d", "v", "aa", "r", "k"}));
  e = parse_ok(R"(("abalone" nil (((ae) 1) ((b ax) 0) ((l ow) 1) ((n iy) 0))))");
  EXPECT_EQ(e.phones, (V{"ae1", "b", "ax0", "l", "ow1", "n", "iy0"}));
  e = parse_ok(R"(("understand" v (((ah n) 2) ((d er) 0) ((s t ae n d) 1))))");
  EXPECT_EQ(e.phones, (V{"ah2", "n", "d", "er0", "s", "t", "ae1", "n", "d"}));
  EXPECT_EQ(e.pos, "v");
  // A vowel-less syllable (Festival's "s" of "sbarro") adds no stress mark.
  e = parse_ok(R"(("sbarro" nil (((s) 0) ((b aa) 1) ((r ow) 0))))");
  EXPECT_EQ(e.phones, (V{"s", "b", "aa1", "r", "ow0"}));
  // Capitals are lowercased; spacing inside the list is free.
  e = parse_ok(R"(  ( "AWOL"   n ( ( (ey) 1 ) ((w ao l) 0) ) )  )");
  EXPECT_EQ(e.word, "awol");
  EXPECT_EQ(e.phones, (V{"ey1", "w", "ao0", "l"}));
}

TEST(Cmudict, MalformedLinesSayWhy) {
  EXPECT_EQ(parse_error(R"(("abc" nil (((aa b) 1)))"), "expected ')' closing the entry");
  EXPECT_EQ(parse_error(R"(("abc" nil (((aa qq) 1))))"), "unknown phone 'qq'");
  EXPECT_EQ(parse_error(R"(("abc" nil (((aa b) 3))))"), "stress '3' is not 0, 1 or 2");
  EXPECT_EQ(parse_error(R"(("abc nil (((aa b) 1))))"), "unterminated string");
  EXPECT_EQ(parse_error(R"(("abc" nil ((() 1))))"), "syllable without phones");
  EXPECT_EQ(parse_error(R"(("abc" nil ()))"), "no syllables");
  EXPECT_EQ(parse_error(R"(("abc" nil (((aa b)))))"), "expected a stress digit after a syllable's phones");
  EXPECT_EQ(parse_error(R"(("abc" nil (((aa b) 1))) extra)"), "text after the entry");
  EXPECT_EQ(parse_error(R"(("a b" nil (((aa b) 1))))"), "word contains whitespace or a control character");
  EXPECT_EQ(parse_error(R"(("" nil (((aa b) 1))))"), "empty word");
  EXPECT_EQ(parse_error("(\"\xC3\" nil (((aa b) 1))))"), "word is not valid UTF-8");
  EXPECT_EQ(parse_error(R"(("abc" (((aa b) 1))))"), "expected the part-of-speech field after the word");
  EXPECT_EQ(parse_error("abc"), "expected '(' opening the entry");
}

TEST(Cmudict, DictionaryKeepsVariantsDropsRepeatsAndCountsMalformed) {
  std::istringstream in(
      "MNCL\n"                                                   // 1 header
      "; a comment\n"                                            // 2
      "(\"lead\" n (((l eh d) 1)))\n"                            // 3
      "(\"lead\" v (((l iy d) 1)))\n"                            // 4
      "\n"                                                       // 5
      "(\"lead\" v_p (((l eh d) 1)))\n"                          // 6 same phones as line 3: dropped
      "(\"record\" n (((r eh) 1) ((k er d) 0)))\n"               // 7
      "(\"broken\" nil (((b r ow) 1) ((k ax n) 0))\n"            // 8 malformed
      "MNCL\n"                                                   // 9 not the first line: malformed
      "(\"record\" v (((r ax) 0) ((k ao r d) 1)))\n"             // 10
      "(\"x\" nil (((eh k s) 1 ))) ; trailing comment\n");       // 11
  CmuDict d = parse_cmudict(in);
  const auto& st = d.stats;
  EXPECT_EQ(st.lines, 11);
  EXPECT_EQ(st.entries, 8);
  EXPECT_EQ(st.parsed, 6);
  EXPECT_EQ(st.malformed, 2);
  EXPECT_EQ(st.duplicates, 1);
  ASSERT_EQ(st.malformed_examples.size(), 2u);
  EXPECT_EQ(st.malformed_examples[0].line, 8);
  EXPECT_EQ(st.malformed_examples[0].reason, "expected ')' closing the entry");
  EXPECT_EQ(st.malformed_examples[1].line, 9);
  ASSERT_EQ(d.entries.size(), 5u);
  EXPECT_EQ(d.words(), 3);
  EXPECT_EQ(d.entries[0].line, 3);
  EXPECT_EQ(d.entries[1].phones, (V{"l", "iy1", "d"}));
  EXPECT_EQ(d.entries[2].word, "record");
  EXPECT_EQ(d.entries[3].phones, (V{"r", "ax0", "k", "ao1", "r", "d"}));
  EXPECT_EQ(d.entries[3].line, 10);
  EXPECT_EQ(d.entries[4].phones, (V{"eh1", "k", "s"}));
}

TEST(Cmudict, OnlyTheFirstFewMalformedLinesAreKept) {
  std::string text;
  for (int i = 0; i < 9; ++i) text += "(oops\n";
  std::istringstream in(text);
  CmuDict d = parse_cmudict(in);
  EXPECT_EQ(d.stats.malformed, 9);
  EXPECT_EQ(d.stats.malformed_examples.size(), CmuParseStats::kMaxExamples);
  EXPECT_EQ(d.stats.malformed_examples.back().line, 5);
}

TEST(Cmudict, Fnv1aAndSplitRule) {
  // Published FNV-1a 64 test vectors.
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(fnv1a64("foobar"), 0x85944171f73967e8ull);
  for (std::string w : {"aardvark", "record", "lead", "zebra", "x"}) {
    const uint64_t b = fnv1a64(w) % 100;
    EXPECT_EQ(cmudict_split_of(w), b < 90 ? Split::Train : b < 95 ? Split::Dev : Split::Test) << w;
  }
  EXPECT_EQ(cmudict_source_line("aardvark"), "a a r d v a r k");
  EXPECT_EQ(cmudict_source_line("n\xC3\xA9" "e"), "n \xC3\xA9 e");
}

TEST(Cmudict, WritesSplitFilesAndStats) {
  std::string text;
  const std::vector<std::string> words = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta",
                                          "iota", "kappa", "lambda", "mu", "nu", "xi", "omicron", "pi",
                                          "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega"};
  for (const auto& w : words) text += "(\"" + w + "\" nil (((ae) 1) ((b ax) 0)))\n";
  text += "(\"alpha\" v (((aa) 0) ((b ax) 1)))\n";
  std::istringstream in(text);
  CmuDict d = parse_cmudict(in);
  TempDir tmp;
  CmuSplitStats s = write_cmudict_splits(d, tmp.file("out"), "hand");
  EXPECT_EQ(s.words, 24);
  EXPECT_EQ(s.pronunciations, 25);
  std::map<std::string, std::vector<std::string>> want_src, want_tgt, want_plain;
  for (const auto& e : d.entries) {
    const std::string k = split_name(cmudict_split_of(e.word));
    want_src[k].push_back(cmudict_source_line(e.word));
    want_tgt[k].push_back(e.phones == V{"ae1", "b", "ax0"} ? "ae1 b ax0" : "aa0 b ax1");
    want_plain[k].push_back(e.phones == V{"ae1", "b", "ax0"} ? "ae b ax" : "aa b ax");
  }
  const auto j = nlohmann::json::parse(testing_util::read_bytes(tmp.file("out/stats.json")));
  int64_t total = 0;
  for (const char* k : {"train", "dev", "test"}) {
    const std::string base = tmp.file(std::string("out/") + k);
    EXPECT_EQ(read_lines(base + ".src", "t"), want_src[k]) << k;
    EXPECT_EQ(read_lines(base + ".tgt", "t"), want_tgt[k]) << k;
    EXPECT_EQ(read_lines(base + ".nostress.tgt", "t"), want_plain[k]) << k;
    EXPECT_EQ(j["splits"][k]["pronunciations"].get<int64_t>(), static_cast<int64_t>(want_src[k].size()));
    total += j["splits"][k]["pronunciations"].get<int64_t>();
  }
  EXPECT_EQ(total, 25);
  EXPECT_EQ(j["words"].get<int64_t>(), 24);
  EXPECT_EQ(j["malformed"].get<int64_t>(), 0);
  EXPECT_EQ(j["source"].get<std::string>(), "hand");
}

TEST(Cmudict, MissingFileNamesItWithTheHint) {
  testing::expect_error_containing([] { read_cmudict("/nonexistent/cmudict.out"); },
                                   "'/nonexistent/cmudict.out' not found (apt-get install festlex-cmu");
}

// The real lexicon from festlex-cmu (a declared dependency: missing it fails, not skips).
TEST(Cmudict, RealFestlexFileSplitsNinetyFiveFive) {
  ASSERT_TRUE(std::filesystem::exists(kFestlexCmuPath)) << "apt-get install festlex-cmu";
  CmuDict d = read_cmudict();
  const auto& st = d.stats;
  EXPECT_GE(st.entries, 100000);
  EXPECT_LE(st.entries, 140000);
  EXPECT_EQ(st.parsed + st.malformed, st.entries);
  EXPECT_LT(st.malformed, 100);
  TempDir tmp;
  CmuSplitStats s = write_cmudict_splits(d, tmp.file("a"), kFestlexCmuPath);
  const double fractions[3] = {0.90, 0.05, 0.05};
  std::set<std::string> seen[3];
  int64_t lines = 0;
  for (int k = 0; k < 3; ++k) {
    const double f = static_cast<double>(s.splits[k].words) / static_cast<double>(s.words);
    EXPECT_NEAR(f, fractions[k], 0.005) << split_name(static_cast<Split>(k));
    const std::string base = tmp.file(std::string("a/") + split_name(static_cast<Split>(k)));
    const auto src = read_lines(base + ".src", "t");
    const auto tgt = read_lines(base + ".tgt", "t");
    EXPECT_EQ(src.size(), tgt.size());
    EXPECT_EQ(static_cast<int64_t>(src.size()), s.splits[k].pronunciations);
    lines += static_cast<int64_t>(src.size());
    seen[k].insert(src.begin(), src.end());
    EXPECT_EQ(static_cast<int64_t>(seen[k].size()), s.splits[k].words);
  }
  EXPECT_EQ(lines, s.pronunciations);
  for (int a = 0; a < 3; ++a)
    for (int b = a + 1; b < 3; ++b)
      for (const auto& w : seen[a]) EXPECT_EQ(seen[b].count(w), 0u) << w << " is in two splits";
  // Same input, same bytes.
  write_cmudict_splits(read_cmudict(), tmp.file("b"), kFestlexCmuPath);
  for (const char* f : {"train.src", "train.tgt", "dev.nostress.tgt", "test.tgt", "stats.json"})
    EXPECT_EQ(testing_util::read_bytes(tmp.file(std::string("a/") + f)),
              testing_util::read_bytes(tmp.file(std::string("b/") + f)))
        << f;
}

}  // namespace
}  // namespace attend::data
