// `attend data`: the cmudict subcommand on the real festlex-cmu file (files and counts agree with
// stats.json), and the one-line errors for a missing dictionary and a missing subcommand.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "support/temp_dir.h"
#include "support/run_cli.h"

namespace {

using attend::testing_util::RunResult;
using attend::testing_util::run;
using attend::testing_util::lines;

int64_t count_lines(const std::filesystem::path& p) {
  std::ifstream in(p);
  int64_t n = 0;
  std::string line;
  while (std::getline(in, line)) ++n;
  return n;
}

TEST(CliData, CmudictWritesSplitsMatchingItsStats) {
  attend::testing_util::TempDir tmp;
  const auto out = tmp.path() / "g2p";
  RunResult r = run("data cmudict --out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto j = nlohmann::json::parse(attend::testing_util::read_bytes((out / "stats.json").string()));
  int64_t total = 0, words = 0;
  for (const char* k : {"train", "dev", "test"}) {
    const int64_t n = j["splits"][k]["pronunciations"].get<int64_t>();
    EXPECT_EQ(count_lines(out / (std::string(k) + ".src")), n) << k;
    EXPECT_EQ(count_lines(out / (std::string(k) + ".tgt")), n) << k;
    EXPECT_EQ(count_lines(out / (std::string(k) + ".nostress.tgt")), n) << k;
    total += n;
    words += j["splits"][k]["words"].get<int64_t>();
  }
  EXPECT_EQ(total, j["pronunciations"].get<int64_t>());
  EXPECT_EQ(words, j["words"].get<int64_t>());
  EXPECT_GT(words, 100000);
  EXPECT_EQ(j["parsed"].get<int64_t>() + j["malformed"].get<int64_t>(), j["entries"].get<int64_t>());
  EXPECT_EQ(j["parsed"].get<int64_t>() - j["duplicates_dropped"].get<int64_t>(), total);
  // The printed summary carries the same numbers.
  EXPECT_NE(r.out.find(std::to_string(j["words"].get<int64_t>()) + " words, " + std::to_string(total) + " pronunciations"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(std::to_string(j["malformed"].get<int64_t>()) + " malformed"), std::string::npos) << r.out;
}

TEST(CliData, MissingDictionaryGivesOneLineWithTheHint) {
  attend::testing_util::TempDir tmp;
  RunResult r = run("data cmudict --out " + tmp.file("o") + " --dict " + tmp.file("none.out"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(lines(r.out), 1) << r.out;
  EXPECT_NE(r.out.find("apt-get install festlex-cmu"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(tmp.file("none.out")), std::string::npos) << r.out;
}

TEST(CliData, DataNeedsASubcommandAndIsBuilt) {
  RunResult r = run("data");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(lines(r.out), 1) << r.out;
  EXPECT_EQ(r.out.find("not built yet"), std::string::npos) << r.out;
  // The help line of `data` is the registered command, not the planned placeholder.
  RunResult help = run("--help");
  EXPECT_EQ(help.exit_code, 0);
  const auto at = help.out.find("  data");
  ASSERT_NE(at, std::string::npos) << help.out;
  const std::string line = help.out.substr(at, help.out.find('\n', at) - at);
  EXPECT_EQ(line.find("not built yet"), std::string::npos) << line;
  RunResult sub = run("data --help");
  EXPECT_NE(sub.out.find("cmudict"), std::string::npos) << sub.out;
}

}  // namespace

// `attend data reverse` writes the text splits the config trainer reads; `eval --split` takes their names but
// nothing that could leave the data directory.
TEST(CliData, ReverseWritesSplitsAndSplitNamesAreChecked) {
  attend::testing_util::TempDir tmp;
  const auto out = tmp.path() / "rev";
  RunResult r = run("data reverse --out " + out.string() + " --train 50 --dev 5 --per-length 3 --eval-lengths 4,6");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("train dev len4 len6"), std::string::npos) << r.out;
  EXPECT_EQ(count_lines(out / "train.src"), 50);
  EXPECT_EQ(count_lines(out / "len6.tgt"), 3);
  r = run("data reverse --out " + out.string() + " --min-length 0");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(lines(r.out), 1) << r.out;
  r = run("eval --model " + out.string() + " --split ../len4");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("must be a file-name stem"), std::string::npos) << r.out;
  EXPECT_EQ(lines(r.out), 1) << r.out;
}
