// Synthetic task splits as text: every target line is the reversal (or copy) of its source, lengths follow
// the options, the len<L> splits hold exactly L symbols, and the training data does not depend on which
// evaluation lengths were asked for.
#include "data/synthetic_files.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "data/text_file.h"
#include "support/expect_error.h"
#include "support/temp_dir.h"

namespace attend::data {
namespace {

std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> w;
  for (auto t : split_whitespace(line)) w.emplace_back(t);
  return w;
}

TEST(SyntheticFiles, TargetsReverseSourcesAndLengthsFollowTheOptions) {
  testing_util::TempDir tmp;
  SyntheticSplitOptions o{.task = {.task = SyntheticTask::Reverse, .vocab = 8, .min_length = 2, .max_length = 5},
                          .train = 300, .dev = 20, .per_length = 7, .eval_lengths = {1, 9}};
  const auto names = write_synthetic_splits(o, tmp.path().string());
  EXPECT_EQ(names, (std::vector<std::string>{"train", "dev", "len1", "len9"}));
  for (const auto& n : names) {
    const auto src = read_lines((tmp.path() / (n + ".src")).string(), "test");
    const auto tgt = read_lines((tmp.path() / (n + ".tgt")).string(), "test");
    ASSERT_EQ(src.size(), tgt.size()) << n;
    EXPECT_EQ(static_cast<int64_t>(src.size()), n == "train" ? 300 : n == "dev" ? 20 : 7) << n;
    std::set<size_t> lengths;
    for (size_t i = 0; i < src.size(); ++i) {
      auto s = words(src[i]), t = words(tgt[i]);
      std::reverse(s.begin(), s.end());
      EXPECT_EQ(s, t) << n << " line " << i;
      for (const auto& w : t) EXPECT_TRUE(w == "s0" || w == "s1" || w == "s2" || w == "s3" || w == "s4") << w;
      lengths.insert(t.size());
    }
    if (n == "len1") { EXPECT_EQ(lengths, (std::set<size_t>{1})); }
    if (n == "len9") { EXPECT_EQ(lengths, (std::set<size_t>{9})); }
    if (n == "train") { EXPECT_EQ(lengths, (std::set<size_t>{2, 3, 4, 5})); }
  }
  // Other evaluation lengths: the same training data.
  testing_util::TempDir tmp2;
  o.eval_lengths = {3};
  write_synthetic_splits(o, tmp2.path().string());
  EXPECT_EQ(read_lines((tmp.path() / "train.src").string(), "a"), read_lines((tmp2.path() / "train.src").string(), "b"));
}

TEST(SyntheticFiles, CopyAndBadOptions) {
  testing_util::TempDir tmp;
  SyntheticSplitOptions o{.task = {.task = SyntheticTask::Copy, .vocab = 6, .min_length = 1, .max_length = 3},
                          .train = 10, .dev = 3, .per_length = 200, .eval_lengths = {}};
  write_synthetic_splits(o, tmp.path().string());
  EXPECT_EQ(read_lines((tmp.path() / "train.src").string(), "a"), read_lines((tmp.path() / "train.tgt").string(), "b"));
  auto bad = o;
  bad.task.vocab = 3;
  testing::expect_error_containing([&] { write_synthetic_splits(bad, tmp.path().string()); }, "leaves no symbols");
  bad = o;
  bad.task.min_length = 4;
  testing::expect_error_containing([&] { write_synthetic_splits(bad, tmp.path().string()); }, "bad length range");
  bad = o;
  bad.eval_lengths = {0};
  testing::expect_error_containing([&] { write_synthetic_splits(bad, tmp.path().string()); }, "evaluation length 0");
}

}  // namespace
}  // namespace attend::data
