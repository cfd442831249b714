// `attend align` end to end: on a word-for-word corpus both directions find the gold links, the JSON has
// every symmetrisation, --out writes the chosen one, and mismatched files are one clear error.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>

#include "support/run_cli.h"
#include "support/temp_dir.h"

namespace {

using attend::testing_util::run;
using attend::testing_util::TempDir;
using attend::testing_util::write_bytes;

// Sentences of distinct words drawn from a small dictionary, in the same order on both sides, the English
// one after a leading "so" that links to nothing; the test split's gold links word i to word i + 1 (sure),
// every other word tagged — not its own transpose, so the reverse direction must be turned round to score.
void write_corpus(const TempDir& tmp) {
  const char* es[] = {"uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho"};
  const char* en[] = {"one", "two", "three", "four", "five", "six", "seven", "eight"};
  std::mt19937 gen(5);
  for (const char* split : {"train", "test"}) {
    std::string src, tgt, gold, tagged;
    for (int s = 0; s < (split[1] == 'r' ? 200 : 20); ++s) {
      std::vector<int> words{0, 1, 2, 3, 4, 5, 6, 7};
      std::shuffle(words.begin(), words.end(), gen);
      const int n = 3 + s % 5;
      std::string tag, tgt_tag;
      for (int i = 0; i < n; ++i) {
        src += std::string(i ? " " : "") + es[words[i]];
        tgt += std::string(i ? " " : "so ") + (i == 0 ? "“" : "") + en[words[i]] + (i + 1 == n ? "." : "");
        gold += std::string(i ? " " : "") + std::to_string(i) + "-" + std::to_string(i + 1);
        tag += std::string(i ? " " : "") + std::to_string(i);
        tgt_tag += " " + std::to_string(i + 1);
      }
      src += "\n", tgt += "\n", gold += "\n", tagged += tag + " |||" + tgt_tag + "\n";
    }
    write_bytes(tmp.file(std::string(split) + ".es"), src);
    write_bytes(tmp.file(std::string(split) + ".en"), tgt);
    if (split[1] == 'e') {
      write_bytes(tmp.file("test.gold"), gold);
      write_bytes(tmp.file("test.tagged"), tagged);
    }
  }
}

TEST(CliAlign, FindsWordForWordLinksInBothDirections) {
  TempDir tmp;
  write_corpus(tmp);
  const auto r = run("align --data " + tmp.path().string() + " --split test --json --symmetrise intersect --out " + tmp.file("out.align"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("sentences").get<int>(), 20);
  EXPECT_EQ(j.at("train_sentences").get<int>(), 220);
  for (const char* key : {"forward", "reverse", "intersection", "union", "gdfa"}) {
    // One link in 200 may go astray on so small a corpus; a direction scored the wrong way round would be near 1.
    EXPECT_LT(j.at(key).at("aer").get<double>(), 0.01) << key;
    EXPECT_TRUE(j.at(key).at("tagged_only").get<bool>()) << key;
  }
  std::ifstream out(tmp.file("out.align"));
  std::string first;
  std::getline(out, first);
  EXPECT_EQ(first, "0-1 1-2 2-3");

  // Run the other way round (--src en --tgt es) against the same Spanish-first gold: --gold-src turns the links
  // round for scoring and writing, so the numbers and the file are the same.
  const auto back = run("align --data " + tmp.path().string() + " --src en --tgt es --gold-src es --split test --json " +
                        "--symmetrise intersect --out " + tmp.file("back.align"));
  ASSERT_EQ(back.exit_code, 0) << back.out;
  const nlohmann::json jb = nlohmann::json::parse(back.out);
  EXPECT_EQ(jb.at("intersection").at("aer").get<double>(), j.at("intersection").at("aer").get<double>());
  EXPECT_EQ(jb.at("forward").at("aer").get<double>(), j.at("reverse").at("aer").get<double>());
  std::ifstream back_out(tmp.file("back.align"));
  std::getline(back_out, first);
  EXPECT_EQ(first, "0-1 1-2 2-3");
  EXPECT_NE(run("align --data " + tmp.path().string() + " --gold-src fr").exit_code, 0);
}

TEST(CliAlign, MismatchedLineCountsAreNamed) {
  TempDir tmp;
  write_bytes(tmp.file("test.es"), "a b\nc\n");
  write_bytes(tmp.file("test.en"), "x y\n");
  const auto r = run("align --data " + tmp.path().string() + " --split test");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("has 2 lines but"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("has 1 lines"), std::string::npos) << r.out;
  const auto missing = run("align --data " + tmp.file("nowhere") + " --split test");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.out.find("cannot open"), std::string::npos) << missing.out;
}

}  // namespace
