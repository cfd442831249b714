// Tests for eval/text: UTF-8 decoding, Python-compatible whitespace, and reading files as lines.
#include "eval/text.h"

#include <gtest/gtest.h>

#include "support/expect_error.h"
#include "support/temp_dir.h"

namespace attend::eval {
namespace {

using Words = std::vector<std::string_view>;

TEST(EvalText, CodePointsAreCharactersNotBytes) {
  // "niño": n i ñ(C3 B1) o -> 4 code points from 5 bytes.
  const std::vector<char32_t> cps = to_code_points("ni\xC3\xB1o");
  EXPECT_EQ(cps, (std::vector<char32_t>{U'n', U'i', U'\u00F1', U'o'}));
  // 3- and 4-byte forms: 日 (E6 97 A5), 😀 (F0 9F 98 80).
  EXPECT_EQ(to_code_points("\xE6\x97\xA5\xF0\x9F\x98\x80"), (std::vector<char32_t>{U'\u65E5', U'\U0001F600'}));
}

TEST(EvalText, InvalidBytesBecomeCharactersOfTheirOwn) {
  // A lone continuation byte, a truncated 2-byte lead at the end, an overlong '/' (C0 AF).
  EXPECT_EQ(to_code_points("a\x80"), (std::vector<char32_t>{U'a', kInvalidByteBase + 0x80}));
  EXPECT_EQ(to_code_points("\xC3"), (std::vector<char32_t>{kInvalidByteBase + 0xC3}));
  EXPECT_EQ(to_code_points("\xC0\xAF"), (std::vector<char32_t>{kInvalidByteBase + 0xC0, kInvalidByteBase + 0xAF}));
}

TEST(EvalText, SplitsOnPythonWhitespace) {
  // Tabs, newlines, NBSP (C2 A0), ideographic space U+3000 (E3 80 80) and U+2009 (E2 80 89) separate words;
  // a zero-width space U+200B (E2 80 8B) does not (Python's str.split agrees).
  EXPECT_EQ(split_whitespace("  a\tb\nc  "), (Words{"a", "b", "c"}));
  EXPECT_EQ(split_whitespace("a\xC2\xA0" "b\xE3\x80\x80" "c\xE2\x80\x89" "d"), (Words{"a", "b", "c", "d"}));
  EXPECT_EQ(split_whitespace("a\xE2\x80\x8B" "b"), (Words{"a\xE2\x80\x8B" "b"}));
  EXPECT_EQ(split_whitespace(""), Words{});
  EXPECT_EQ(split_whitespace(" \t "), Words{});
}

TEST(EvalText, StripsLikePython) {
  EXPECT_EQ(rstrip_whitespace("  a b \t\r\xC2\xA0"), "  a b");
  EXPECT_EQ(strip_whitespace("\xE3\x80\x80 a b \n"), "a b");
  EXPECT_EQ(rstrip_whitespace("   "), "");
  EXPECT_EQ(strip_whitespace(""), "");
}

TEST(EvalText, ReadsLinesWithAndWithoutFinalNewline) {
  testing_util::TempDir tmp;
  testing_util::write_bytes(tmp.file("a"), "one\ntwo\r\n\nfour");
  EXPECT_EQ(read_lines(tmp.file("a")), (std::vector<std::string>{"one", "two\r", "", "four"}));
  testing_util::write_bytes(tmp.file("b"), "one\n");
  EXPECT_EQ(read_lines(tmp.file("b")), std::vector<std::string>{"one"});
  testing_util::write_bytes(tmp.file("c"), "");
  EXPECT_TRUE(read_lines(tmp.file("c")).empty());
}

TEST(EvalText, MissingFileIsNamedInTheError) {
  testing_util::TempDir tmp;
  testing::expect_error_containing([&] { read_lines(tmp.file("nope.txt"), "reference file"); },
                                   "cannot open reference file '" + tmp.file("nope.txt") + "'");
  testing::expect_error_containing([&] { read_lines(tmp.path().string(), "hypothesis file"); }, "is a directory");
}

}  // namespace
}  // namespace attend::eval
