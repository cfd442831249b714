// UTF-8 decoding, XML escaping, ASCII folding, truncation and atomic writes (src/viz/text.cc).
#include "viz/text.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "support/expect_error.h"
#include "support/temp_dir.h"

namespace attend::viz {
namespace {

TEST(VizText, DecodesUtf8AndReplacesIllFormedBytes) {
  EXPECT_EQ(decode_utf8("a\xC3\xB1\xE2\x82\xAC\xF0\x9F\x98\x80"), (std::vector<char32_t>{'a', 0xF1, 0x20AC, 0x1F600}));
  EXPECT_EQ(decode_utf8("\xC3"), (std::vector<char32_t>{0xFFFD}));                                // truncated
  EXPECT_EQ(decode_utf8("\xC0\xAF"), (std::vector<char32_t>{0xFFFD, 0xFFFD}));                    // overlong '/'
  EXPECT_EQ(decode_utf8("\xED\xA0\x80x"), (std::vector<char32_t>{0xFFFD, 0xFFFD, 0xFFFD, 'x'}));  // surrogate
  EXPECT_EQ(decode_utf8("\xF4\x90\x80\x80").front(), 0xFFFDu);                                    // past U+10FFFF
  EXPECT_EQ(utf8_length("ni\xC3\xB1o"), 4u);
}

TEST(VizText, EncodeDecodeRoundTrip) {
  for (char32_t cp : {char32_t{1}, char32_t{0x7F}, char32_t{0x80}, char32_t{0x7FF}, char32_t{0x800}, char32_t{0xFFFD},
                      char32_t{0x10000}, char32_t{0x10FFFF}})
    EXPECT_EQ(decode_utf8(encode_utf8(cp)), std::vector<char32_t>{cp}) << static_cast<uint32_t>(cp);
}

TEST(VizText, XmlEscapeCoversMarkupAndBadCharacters) {
  EXPECT_EQ(xml_escape("a<b&\"c'>"), "a&lt;b&amp;&quot;c&apos;&gt;");
  EXPECT_EQ(xml_escape("ni\xC3\xB1o \xE6\x97\xA5"), "ni\xC3\xB1o \xE6\x97\xA5");  // UTF-8 kept
  EXPECT_EQ(xml_escape(std::string("a\x01"
                                   "b",
                                   3)),
            "a\xEF\xBF\xBD"
            "b");  // control char -> U+FFFD
  EXPECT_EQ(xml_escape("\xFF"), "\xEF\xBF\xBD");
  EXPECT_EQ(xml_escape("tab\there"), "tab\there");
}

TEST(VizText, AsciiFoldMapsLatinLettersAndPunctuation) {
  EXPECT_EQ(ascii_fold("\xC3\xA1rbol \xC3\x91"
                       "and\xC3\xBA"),
            "arbol Nandu");                               // árbol Ñandú
  EXPECT_EQ(ascii_fold("\xC2\xBFQu\xC3\xA9?"), "?Que?");  // ¿Qué?
  EXPECT_EQ(ascii_fold("stra\xC3\x9F"
                       "e \xC3\x86sir"),
            "strasse AEsir");  // ß, Æ
  EXPECT_EQ(ascii_fold("\xC5\x81\xC3\xB3"
                       "d\xC5\xBA"),
            "Lodz");                                // Łódź
  EXPECT_EQ(ascii_fold("\xC5\x93uvre"), "oeuvre");  // œ
  EXPECT_EQ(ascii_fold("\xE2\x80\x9Cyes\xE2\x80\x9D \xE2\x80\x94 it\xE2\x80\x99s\xE2\x80\xA6"), "\"yes\" - it's...");
  EXPECT_EQ(ascii_fold("\xE2\x96\x81the"), "_the");         // SentencePiece mark
  EXPECT_EQ(ascii_fold("\xE6\x97\xA5\xE6\x9C\xAC"), "??");  // 日本
  EXPECT_EQ(ascii_fold("a\nb\x01"), "a b?");
  // Every code point up to U+3000 folds to printable ASCII only (stb_easy_font indexes by c - 32).
  for (char32_t cp = 0; cp < 0x3000; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    for (char c : ascii_fold(encode_utf8(cp))) ASSERT_TRUE(c >= 32 && c < 127) << static_cast<uint32_t>(cp);
  }
}

TEST(VizText, TruncateLabelCountsCodePoints) {
  EXPECT_EQ(truncate_label("abcdef", 4, "..."), "a...");
  EXPECT_EQ(truncate_label("abcdef", 2, "..."), "..");
  EXPECT_EQ(truncate_label("abcdef", 0, "..."), "");
  EXPECT_EQ(truncate_label("abcd", 4, "..."), "abcd");
  EXPECT_EQ(truncate_label("\xC3\xB1"
                           "and\xC3\xBA",
                           3),
            "\xC3\xB1"
            "a\xE2\x80\xA6");  // ña…
}

TEST(VizText, AtomicWriteReplacesAndLeavesNoTemporary) {
  testing_util::TempDir tmp;
  const std::string path = tmp.file("out.txt");
  write_file_atomically(path, "first", "test");
  write_file_atomically(path, "second", "test");
  EXPECT_EQ(testing_util::read_bytes(path), "second");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(tmp.path()), std::filesystem::directory_iterator()), 1);
  testing::expect_error_containing([&] { write_file_atomically(tmp.file("no/such/dir/x.svg"), "x", "heatmap svg"); },
                                   "heatmap svg: cannot create");
}

}  // namespace
}  // namespace attend::viz
