// `attend data bible` end to end through the built binary: the files and the summary, and one line with
// an install hint when the modules are missing.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "support/temp_dir.h"
#include "support/run_cli.h"

namespace {

using attend::testing_util::RunResult;
using attend::testing_util::run;

int count_lines(const std::string& path) {
  std::ifstream in(path);
  int n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

TEST(CmdDataBible, WritesTheCorpusAndSummarises) {
  attend::testing_util::TempDir tmp;
  const std::string out = tmp.file("bible");
  RunResult r = run("data bible --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto stats = nlohmann::json::parse(attend::testing_util::read_bytes(out + "/stats.json"));
  for (const char* split : {"train", "dev", "test"}) {
    const int verses = stats["splits"][split]["verses"].get<int>();
    EXPECT_GT(verses, 1000) << split;
    for (const char* ext : {"es", "en", "ref", "gold", "tagged"})
      EXPECT_EQ(count_lines(out + "/" + split + "." + ext), verses) << split << "." << ext;
    // The summary names each split with its verse count.
    EXPECT_NE(r.out.find(std::string(split)), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(fmt::format(" {} verses", verses)), std::string::npos) << r.out;
  }
}

TEST(CmdDataBible, MissingModulesGiveOneLineWithAnInstallHint) {
  attend::testing_util::TempDir tmp;
  RunResult r = run("data bible --out " + tmp.file("o") + " --sword-path " + tmp.path().string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  EXPECT_NE(r.out.find("attend: error: bible: SWORD module spaRV1909eb not found"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("apt-get install sword-text-sparv sword-text-kjv"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(tmp.file("o")));  // nothing written

  RunResult no_out = run("data bible");
  EXPECT_EQ(no_out.exit_code, 2);
  EXPECT_NE(no_out.out.find("--out"), std::string::npos) << no_out.out;
}

}  // namespace
