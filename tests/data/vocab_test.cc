// Vocab: ordering by count then token, limits, unknowns, decode, and the text file format with its errors.
#include "data/vocab.h"

#include <gtest/gtest.h>

#include "data/batch.h"
#include "support/expect_error.h"
#include "support/temp_dir.h"

namespace attend::data {
namespace {

using testing_util::TempDir;

std::unordered_map<std::string, int64_t> counts() {
  return {{"the", 5}, {"cat", 2}, {"sat", 2}, {"a", 2}, {"mat", 1}, {"<unk>", 9}};
}

TEST(Vocab, SpecialsFirstThenByCountThenToken) {
  Vocab v = Vocab::build(counts());
  EXPECT_EQ(v.tokens(), (std::vector<std::string>{"<pad>", "<s>", "</s>", "<unk>", "the", "a", "cat", "sat", "mat"}));
  EXPECT_EQ(v.id("<pad>"), kPad);
  EXPECT_EQ(v.id("<s>"), kBos);
  EXPECT_EQ(v.id("</s>"), kEos);
  EXPECT_EQ(v.id("<unk>"), kUnk);
  EXPECT_EQ(v.id("cat"), 6);
  EXPECT_EQ(v.token(8), "mat");
}

TEST(Vocab, MinCountAndMaxSize) {
  Vocab v = Vocab::build(counts(), {.min_count = 2});
  EXPECT_EQ(v.size(), 8);
  EXPECT_FALSE(v.contains("mat"));
  Vocab w = Vocab::build(counts(), {.min_count = 1, .max_size = 6});
  EXPECT_EQ(w.tokens(), (std::vector<std::string>{"<pad>", "<s>", "</s>", "<unk>", "the", "a"}));
  testing::expect_error_containing([] { Vocab::build(counts(), {.min_count = 1, .max_size = 3}); }, "max_size 3");
  testing::expect_error_containing([] { Vocab::build({{"a\nb", 1}}); }, "line break");
  testing::expect_error_containing([] { Vocab::build({{"", 1}}); }, "empty token");
}

TEST(Vocab, UnknownsMapToUnkAndAreCounted) {
  Vocab v = Vocab::build(counts());
  const std::vector<std::string> toks = {"the", "dog", "sat", "on", "the", "mat"};
  int64_t unk = 1;  // adds to what is there
  EXPECT_EQ(v.encode(toks, &unk), (std::vector<int64_t>{4, kUnk, 7, kUnk, 4, 8}));
  EXPECT_EQ(unk, 3);
  EXPECT_EQ(v.decode(std::vector<int64_t>{kBos, 4, kPad, 6, kUnk, kEos, 7}),
            (std::vector<std::string>{"the", "cat", "<unk>"}));
  testing::expect_error_containing([&] { v.token(9); }, "id 9 outside [0, 9)");
}

TEST(Vocab, SaveLoadRoundTrip) {
  TempDir tmp;
  Vocab v = Vocab::build(counts());
  v.save(tmp.file("v.txt"));
  EXPECT_EQ(testing_util::read_bytes(tmp.file("v.txt")), "<pad>\n<s>\n</s>\n<unk>\nthe\na\ncat\nsat\nmat\n");
  EXPECT_FALSE(std::filesystem::exists(tmp.file("v.txt.tmp")));
  Vocab w = Vocab::load(tmp.file("v.txt"));
  EXPECT_TRUE(w == v);
  EXPECT_EQ(w.id("sat"), 7);
}

TEST(Vocab, LoadErrorsNameFileAndLine) {
  TempDir tmp;
  const std::string f = tmp.file("v.txt");
  testing::expect_error_containing([&] { Vocab::load(f); }, "cannot open '" + f + "'");
  testing_util::write_bytes(f, "<pad>\n<s>\n<eos>\n<unk>\nx\n");
  testing::expect_error_containing([&] { Vocab::load(f); }, f + ":3: expected '</s>', got '<eos>'");
  testing_util::write_bytes(f, "<pad>\n<s>\n</s>\n<unk>\nx\ny\nx\n");
  testing::expect_error_containing([&] { Vocab::load(f); }, f + ":7: 'x' repeats line 5");
  testing_util::write_bytes(f, "<pad>\n<s>\n</s>\n<unk>\nx\n\ny\n");
  testing::expect_error_containing([&] { Vocab::load(f); }, f + ":6: empty token");
  testing_util::write_bytes(f, "<pad>\n<s>\n");
  testing::expect_error_containing([&] { Vocab::load(f); }, "2 lines");
  testing_util::write_bytes(f, "<pad>\r\n<s>\r\n</s>\r\n<unk>\r\nx\r\n");
  EXPECT_EQ(Vocab::load(f).id("x"), 4);  // CRLF files load
}

TEST(Vocab, FromTokensChecksSpecialsAndDuplicates) {
  EXPECT_EQ(Vocab::from_tokens({"<pad>", "<s>", "</s>", "<unk>", "b"}).id("b"), 4);
  testing::expect_error_containing([] { Vocab::from_tokens({"<s>", "<pad>", "</s>", "<unk>"}); }, "id 0 must be <pad>");
  testing::expect_error_containing([] { Vocab::from_tokens({"<pad>", "<s>", "</s>", "<unk>", "b", "b"}); }, "duplicate");
}

TEST(TokenCounter, CountsTokens) {
  TokenCounter c;
  c.add(std::vector<std::string>{"a", "b", "a"});
  c.add("b", 3);
  EXPECT_EQ(c.counts().at("a"), 2);
  EXPECT_EQ(c.counts().at("b"), 4);
  EXPECT_EQ(Vocab::build(c.counts()).tokens()[4], "b");
}

}  // namespace
}  // namespace attend::data
