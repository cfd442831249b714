// TextCodec: char / word / subword round trips, unknowns, word indices of tokens, save and load.
#include "data/text_codec.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "data/batch.h"
#include "support/expect_error.h"
#include "support/temp_dir.h"

namespace attend::data {
namespace {

using attend::testing::expect_error_containing;

TEST(TextCodec, CharactersDropWhitespaceAndDecodeWithoutSpaces) {
  attend::testing_util::TempDir dir;
  const std::vector<std::string> train = {"a b c", "niño", "abc"};
  TextCodec c = TextCodec::build(train, {.kind = TokenKind::Char}, dir.path().string(), "src");
  EXPECT_EQ(c.tokens("ni ño"), (std::vector<std::string>{"n", "i", "ñ", "o"}));
  int64_t unknowns = 0;
  const std::vector<int64_t> ids = c.encode("abz", &unknowns);
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids[2], kUnk);
  EXPECT_EQ(unknowns, 1);
  EXPECT_EQ(c.decode(c.encode("niño")), "niño");
  // Characters grouped by the spaces of the line.
  EXPECT_EQ(c.word_of_line_tokens("ab  c"), (std::vector<int64_t>{0, 0, 1}));
  TextCodec back = TextCodec::load(dir.path().string(), "src");
  EXPECT_EQ(back.kind(), TokenKind::Char);
  EXPECT_EQ(back.vocab(), c.vocab());
}

TEST(TextCodec, WordsJoinWithSpaces) {
  attend::testing_util::TempDir dir;
  const std::vector<std::string> train = {"aa r d", "v aa r k"};
  TextCodec c = TextCodec::build(train, {.kind = TokenKind::Word}, dir.path().string(), "tgt");
  std::vector<int64_t> ids = c.encode("v aa  r");
  EXPECT_EQ(c.decode(ids), "v aa r");
  ids.push_back(kEos);
  ids.push_back(c.vocab().id("k"));
  EXPECT_EQ(c.decode(ids), "v aa r") << "decoding stops at </s>";
  EXPECT_EQ(c.word_of_ids(c.encode("aa r d")), (std::vector<int64_t>{0, 1, 2}));
}

TEST(TextCodec, SubwordPiecesMergeBackIntoWords) {
  attend::testing_util::TempDir dir;
  std::vector<std::string> train;
  for (int i = 0; i < 300; ++i)
    train.push_back("the quick brown fox jumps over the lazy dog number " + std::to_string(i * 7919 % 1000));
  TextCodec c = TextCodec::build(train, {.kind = TokenKind::Subword, .vocab_size = 60}, dir.path().string(), "src");
  const std::string line = "the lazy fox 417";
  const std::vector<std::string> pieces = c.tokens(line);
  const std::vector<int64_t> words = c.word_of_line_tokens(line);
  ASSERT_EQ(words.size(), pieces.size());
  EXPECT_EQ(words.front(), 0);
  EXPECT_EQ(words.back(), 3);
  EXPECT_EQ(c.word_of_ids(c.encode(line)), words);
  EXPECT_EQ(c.decode(c.encode(line)), line);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "src.train.txt")) << "the training text is removed";
  TextCodec back = TextCodec::load(dir.path().string(), "src");
  EXPECT_EQ(back.encode(line), c.encode(line));
}

TEST(TextCodec, LoadErrorsNameTheFile) {
  attend::testing_util::TempDir dir;
  expect_error_containing([&] { TextCodec::load(dir.path().string(), "src"); }, "src.codec.json");
  expect_error_containing([] { parse_token_kind("bytes", "data.src_tokens"); }, "data.src_tokens");
}

}  // namespace
}  // namespace attend::data
