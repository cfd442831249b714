// `attend g2p-baseline` end to end: on a regular spelling system it pronounces every held-out word, a word
// with two pronunciations counts as right when either matches, --out writes one line per word, and a
// missing split or an empty training split is one clear error.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "support/cli_runner.h"
#include "support/expect_cli_error.h"
#include "support/temp_dir.h"

namespace {

using attend::testing_util::expect_one_line_error;
using attend::testing_util::run_cli;
using attend::testing_util::TempDir;
using attend::testing_util::write_bytes;

// Words over b, d, a, o, "sh": consonants say their capital, a says AE, o says OW and "s h" says SH.
void write_split(const TempDir& tmp, const std::string& split, int words, uint32_t seed) {
  std::mt19937 gen(seed);
  const std::vector<std::pair<std::string, std::string>> parts = {
      {"b", "B"}, {"d", "D"}, {"a", "AE"}, {"o", "OW"}, {"s h", "SH"}};
  std::string src, tgt;
  for (int w = 0; w < words; ++w) {
    std::string letters, phones;
    for (int k = 0, n = 2 + static_cast<int>(gen() % 5); k < n; ++k) {
      const auto& [l, p] = parts[gen() % parts.size()];
      letters += (k ? " " : "") + l;
      phones += (k ? " " : "") + p;
    }
    src += letters + "\n";
    tgt += phones + "\n";
  }
  write_bytes(tmp.file(split + ".src"), src);
  write_bytes(tmp.file(split + ".nostress.tgt"), tgt);
}

TEST(CliG2pBaseline, PronouncesHeldOutWordsOfARegularSpelling) {
  TempDir tmp;
  write_split(tmp, "train", 600, 1);
  write_split(tmp, "test", 80, 2);
  // One more test word, longer than any drawn, with two pronunciations, the second one right: the word
  // counts as correct.
  std::ofstream(tmp.file("test.src"), std::ios::app) << "b o b o b o b\nb o b o b o b\n";
  std::ofstream(tmp.file("test.nostress.tgt"), std::ios::app) << "B AA B OW B OW B\nB OW B OW B OW B\n";
  const auto r = run_cli("g2p-baseline --data " + tmp.path().string() + " --order 4 --json --out " + tmp.file("hyp.tsv"));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["split"], "test");
  EXPECT_EQ(j["word_errors"], 0);
  EXPECT_EQ(j["wer"], 0.0);
  EXPECT_EQ(j["unalignable"], 0);
  EXPECT_GE(j["graphones"].get<int>(), 5);  // "s h" may be one graphone or two
  EXPECT_EQ(j["ngrams"].size(), 4u);
  std::ifstream hyp(tmp.file("hyp.tsv"));
  std::string line, last;
  int lines = 0;
  while (std::getline(hyp, line)) ++lines, last = line;
  EXPECT_EQ(lines, j["words"].get<int>());
  EXPECT_EQ(last, "b o b o b o b\tB OW B OW B OW B");
}

TEST(CliG2pBaseline, PronouncesTheWordsOfAFile) {
  TempDir tmp;
  write_split(tmp, "train", 600, 4);
  write_bytes(tmp.file("words.txt"), "b a\nshod\n\n");  // letters spaced or not; an empty line stays empty
  const auto r = run_cli("g2p-baseline --data " + tmp.path().string() + " --order 4 --pronounce " + tmp.file("words.txt"));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(r.out, "b a\tB AE\nshod\tSH OW D\n\n");
  const auto piped = run_cli("g2p-baseline --data " + tmp.path().string() + " --order 4 --pronounce -", tmp.file("words.txt"));
  EXPECT_EQ(piped.out, r.out);
  expect_one_line_error(run_cli("g2p-baseline --data " + tmp.path().string() + " --pronounce " + tmp.file("nowhere.txt")),
                        "nowhere.txt");
}

TEST(CliG2pBaseline, MissingOrEmptySplitsAreOneLineErrors) {
  TempDir tmp;
  expect_one_line_error(run_cli("g2p-baseline --data " + tmp.path().string()), "no train.src");
  write_bytes(tmp.file("train.src"), "\n\n");
  write_bytes(tmp.file("train.nostress.tgt"), "\n\n");
  expect_one_line_error(run_cli("g2p-baseline --data " + tmp.path().string()), "no pronunciations");
  write_split(tmp, "train", 50, 3);
  write_bytes(tmp.file("test.src"), "b a\n");
  write_bytes(tmp.file("test.nostress.tgt"), "B AE\nD\n");
  expect_one_line_error(run_cli("g2p-baseline --data " + tmp.path().string()), "has 1 lines but");
}

}  // namespace
