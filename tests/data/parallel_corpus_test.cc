// Parallel text: line-count mismatch, filtering of empty and over-long pairs with counts, kept line indices,
// unknown counts, CRLF files, and the subword tokenizer hook.
#include "data/parallel_corpus.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "data/vocab.h"
#include "support/expect_error.h"
#include "support/temp_dir.h"

namespace attend::data {
namespace {

using testing_util::TempDir;

Vocab small_vocab() { return Vocab::from_tokens({"<pad>", "<s>", "</s>", "<unk>", "a", "b", "c", "x", "y"}); }

TEST(ParallelCorpus, LineCountMismatchNamesFilesAndCounts) {
  TempDir tmp;
  testing_util::write_bytes(tmp.file("s"), "a\nb\nc\n");
  testing_util::write_bytes(tmp.file("t"), "x\ny\n");
  testing::expect_error_containing([&] { read_parallel_lines(tmp.file("s"), tmp.file("t")); },
                                   fmt::format("'{}' has 3 lines but '{}' has 2", tmp.file("s"), tmp.file("t")));
  testing::expect_error_containing([&] { read_parallel_lines(tmp.file("s"), tmp.file("none")); },
                                   "cannot open '" + tmp.file("none") + "'");
}

TEST(ParallelCorpus, FiltersEmptyAndLongPairsAndKeepsLineIndices) {
  TempDir tmp;
  // Lines: 0 ok, 1 empty source, 2 target too long, 3 ok with unknowns, 4 blank target, 5 source too long, 6 ok.
  testing_util::write_bytes(tmp.file("s"), "a b\r\n\r\na\r\nq a\r\nb\r\na b c a\r\nc\r\n");
  testing_util::write_bytes(tmp.file("t"), "x\nx\nx y x y\ny z\n  \t\nx\ny y y\n");
  const Vocab v = small_vocab();
  ParallelCorpus c = read_parallel_corpus(tmp.file("s"), tmp.file("t"), whitespace_tokenizer(v),
                                          whitespace_tokenizer(v), {.max_length = 3});
  const auto& st = c.stats;
  EXPECT_EQ(st.lines, 7);
  EXPECT_EQ(st.kept, 3);
  EXPECT_EQ(st.empty, 2);
  EXPECT_EQ(st.too_long, 2);
  EXPECT_EQ(st.src_tokens, 2 + 2 + 1);
  EXPECT_EQ(st.tgt_tokens, 1 + 2 + 3);
  EXPECT_EQ(st.src_unknown, 1);
  EXPECT_EQ(st.tgt_unknown, 1);
  ASSERT_EQ(c.examples.size(), 3u);
  EXPECT_EQ(c.examples[0].index, 0);
  EXPECT_EQ(c.examples[0].src, (std::vector<int64_t>{4, 5}));
  EXPECT_EQ(c.examples[0].tgt, (std::vector<int64_t>{7}));
  EXPECT_EQ(c.examples[1].index, 3);
  EXPECT_EQ(c.examples[1].src, (std::vector<int64_t>{kUnk, 4}));
  EXPECT_EQ(c.examples[1].tgt, (std::vector<int64_t>{8, kUnk}));
  EXPECT_EQ(c.examples[2].index, 6);
  EXPECT_EQ(c.examples[2].tgt, (std::vector<int64_t>{8, 8, 8}));

  // Without a length limit only the empty pairs go.
  ParallelCorpus all = read_parallel_corpus(tmp.file("s"), tmp.file("t"), whitespace_tokenizer(v), whitespace_tokenizer(v));
  EXPECT_EQ(all.stats.kept, 5);
  EXPECT_EQ(all.stats.too_long, 0);
}

TEST(ParallelCorpus, TokenizerThatYieldsNothingCountsAsEmpty) {
  ParallelLines lines;
  lines.src = {"keep", "drop"};
  lines.tgt = {"t", "t"};
  LineTokenizer src = [](std::string_view s) { return s == "drop" ? std::vector<int64_t>{} : std::vector<int64_t>{5}; };
  LineTokenizer tgt = [](std::string_view) { return std::vector<int64_t>{6}; };
  ParallelCorpus c = tokenize_parallel(lines, src, tgt);
  EXPECT_EQ(c.stats.kept, 1);
  EXPECT_EQ(c.stats.empty, 1);
  lines.tgt.pop_back();
  testing::expect_error_containing([&] { tokenize_parallel(lines, src, tgt); }, "2 source lines but 1 target lines");
}

}  // namespace
}  // namespace attend::data
