// Tests for eval/tokenize_13a: input -> expected output worked out by hand from the 13a rules (the rule
// applied is named per case); each also agrees with Python's `re` running the same rules
// (tests/eval/sacrebleu_twin.py, tokenize_13a).
#include "eval/tokenize_13a.h"

#include <gtest/gtest.h>

namespace attend::eval {
namespace {

struct Case {
  const char* in;
  const char* out;
  const char* why;
};

const Case kCases[] = {
    {"Hello, world!", "Hello , world !", "',' after a letter (b); '!' is spaced punctuation (a)"},
    {"It's 3.14, isn't it?", "It's 3.14 , isn't it ?", "apostrophe kept; '.' between digits kept; ',' before a space (c)"},
    {"1,000.50 dollars.", "1,000.50 dollars .", "',' and '.' between digits kept; final '.' after a letter (b)"},
    {"pages 10-20", "pages 10 - 20", "'-' after a digit (d)"},
    {"well-known", "well-known", "'-' after a letter is kept"},
    {"a-5", "a-5", "'-' before a digit but after a letter is kept"},
    {"5-", "5 -", "'-' after a digit (d)"},
    {"-5", "-5", "leading '-' is kept"},
    {"5,000-6,000", "5,000 - 6,000", "(d) only; the commas sit between digits"},
    {"&quot;quoted&quot; &amp; &lt;b&gt;", "\" quoted \" & < b >", "entities unescaped, then spaced (a)"},
    {"&amp;lt;", "<", "&amp; -> &lt; first, then &lt; -> <"},
    {"x<skipped>y", "xy", "<skipped> removed"},
    {"line-\nbreak", "linebreak", "'-\\n' joins"},
    {"a\nb", "a b", "'\\n' -> space"},
    {"U.S.A.", "U . S . A .", "each '.' after a letter (b)"},
    {"3.5.2", "3.5.2", "every '.' between digits"},
    {"end.\"", "end . \"", "'.' after a letter (b); '\"' (a)"},
    {"a..b", "a . . b", "(b) takes 'a.', the second '.' goes with 'b' in (c)"},
    {".5", ". 5", "the padding space before '.' is 'not a digit' (b)"},
    {"1.", "1 .", "'.' before the padding space (c)"},
    {"3,a", "3 , a", "(c): ',' before a letter"},
    {"x.,y", "x . , y", "(b) on 'x.', (c) on ',y'"},
    {"e.g., i.e.", "e . g . , i . e .", "(b) and (c)"},
    {"$5 (approx.)", "$ 5 ( approx . )", "'$' '(' ')' (a); '.' (b)"},
    {"{a|b}~[c\\d]^_`", "{ a | b } ~ [ c \\ d ] ^ _ `", "ranges {-~ and [-` (a)"},
    {"#1 @home 50% *bold* +x =y <z> ;:", "# 1 @ home 50 % * bold * + x = y < z > ; :", "ranges ' '-&, (-+, :-@ (a)"},
    {"a/b", "a / b", "'/' (a)"},
    {"ni\xC3\xB1o,", "ni\xC3\xB1o ,", "non-ASCII letters are 'not a digit' (b)"},
    {"a.\xC3\xA9", "a . \xC3\xA9", "'.' before a non-ASCII letter (b)"},
    {"a\xC2\xA0" "b", "a b", "NBSP is whitespace for the final split"},
    {"tab\there", "tab here", "whitespace collapsed"},
    {"", "", "empty"},
    {"   ", "", "only spaces"},
};

TEST(Tokenize13a, MatchesTheWorkedTable) {
  for (const Case& c : kCases) EXPECT_EQ(tokenize_13a(c.in), c.out) << "input '" << c.in << "': " << c.why;
}

TEST(Tokenize13a, IsIdempotentOnItsOutput) {
  // Tokenized text has every rule already applied except where a '.' or ',' ends up between digits.
  for (const Case& c : kCases) EXPECT_EQ(tokenize_13a(c.out), c.out) << c.in;
}

}  // namespace
}  // namespace attend::eval
