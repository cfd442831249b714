// printable() and json_excerpt(): error messages that quote user input stay one bounded, printable line.
#include "base/printable.h"

#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/json_excerpt.h"

namespace attend {
namespace {

TEST(Printable, EscapesControlBytesAndInvalidUtf8) {
  EXPECT_EQ(printable("plain text"), "plain text");
  EXPECT_EQ(printable(std::string("a\nb\tc\rd", 7)), "a\\nb\\tc\\rd");
  EXPECT_EQ(printable(std::string("nul\0here", 8)), "nul\\x00here");
  EXPECT_EQ(printable("\x1b[31mred"), "\\x1b[31mred");
  EXPECT_EQ(printable("\x7f"), "\\x7f");
  // Valid UTF-8 passes: 2-, 3- and 4-byte sequences.
  EXPECT_EQ(printable("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  // Invalid: a lone continuation byte, a truncated sequence, an overlong form, a surrogate, above U+10FFFF.
  EXPECT_EQ(printable("a\x80z"), "a\\x80z");
  EXPECT_EQ(printable("\xe2\x82"), "\\xe2\\x82");
  EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");
  EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");
  EXPECT_EQ(printable("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");
}

TEST(Printable, BoundsTheLengthAndSaysHowMuchWasLeftOut) {
  const std::string long_text(5000, 'x');
  const std::string p = printable(long_text, 100);
  EXPECT_EQ(p, std::string(100, 'x') + " ... (4900 more bytes)");
  EXPECT_EQ(printable(std::string(100, 'y'), 100), std::string(100, 'y'));
}

TEST(Printable, ErrorMessagesAreOneLine) {
  try {
    ATTEND_FAIL("bad token '{}' in line", std::string("two\nlines\0", 10));
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "bad token 'two\\nlines\\x00' in line");
  }
}

nlohmann::json nested_arrays(int depth) {
  return nlohmann::json::parse(std::string(static_cast<size_t>(depth), '[') + std::string(static_cast<size_t>(depth), ']'));
}

TEST(JsonExcerpt, DeepValuesAreCutAtThreeLevels) {
  EXPECT_EQ(json_excerpt(nlohmann::json(42)), "42");
  EXPECT_EQ(json_excerpt(nlohmann::json("s")), "\"s\"");
  EXPECT_EQ(json_excerpt(nlohmann::json::parse(R"({"a":[1,{"b":[2]}]})")), R"({"a":[1,{"b":[...]}]})");
  // dump() of this recurses 100,000 times (a stack overflow); the excerpt stops at depth 3.
  EXPECT_EQ(json_excerpt(nested_arrays(100000)), "[[[[...]]]]");
}

TEST(JsonExcerpt, LongValuesAreCutAndInvalidUtf8DoesNotThrow) {
  nlohmann::json big = nlohmann::json::array();
  for (int i = 0; i < 100000; ++i) big.push_back(i);
  const std::string e = json_excerpt(big, 50);
  EXPECT_LE(e.size(), 80u) << e;
  EXPECT_EQ(e.rfind("[0,1,2,3,", 0), 0u) << e;
  EXPECT_NE(e.find("more bytes"), std::string::npos) << e;
  EXPECT_EQ(json_excerpt(nlohmann::json(std::string(1000, 'a')), 20), "\"" + std::string(19, 'a') + " ... (982 more bytes)");
  // nlohmann's dump() throws on this string; the excerpt shows U+FFFD instead.
  EXPECT_EQ(json_excerpt(nlohmann::json(std::string("a\xff"))), "\"a\xef\xbf\xbd\"");
  nlohmann::ordered_json o = {{"z", 1}, {"a", 2}};
  EXPECT_EQ(json_excerpt(o), R"({"z":1,"a":2})");
}

}  // namespace
}  // namespace attend
