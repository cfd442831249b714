// The attend binary end to end: exact --resume, and bad input that must give one line on stderr and a
// non-zero exit (never a crash), leaving saved checkpoints intact.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "kernels/gemm_bf16.h"
#include "support/temp_dir.h"
#include "support/run_cli.h"

namespace {

using attend::testing_util::RunResult;
using attend::testing_util::run;
using attend::testing_util::lines;

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::string kSmall = "train --task reverse --vocab 12 --max-length 7 --embed 16 --hidden 24 --batch 16 "
                           "--threads 1 --quiet --seed 5 ";

TEST(Cli, ResumeReproducesTheUninterruptedRun) {
  attend::testing_util::TempDir tmp;
  const auto full = tmp.path() / "full", part = tmp.path() / "part";
  ASSERT_EQ(run(kSmall + "--steps 40 --checkpoint-every 20 --out " + full.string()).exit_code, 0);
  ASSERT_EQ(run(kSmall + "--steps 20 --checkpoint-every 20 --out " + part.string()).exit_code, 0);
  RunResult r = run(kSmall + "--steps 40 --checkpoint-every 20 --resume --out " + part.string());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string a = read_file(full / "metrics.jsonl"), b = read_file(part / "metrics.jsonl");
  EXPECT_EQ(lines(a), 40);
  EXPECT_EQ(a, b) << "losses after resuming differ from the uninterrupted run";
}

TEST(Cli, ResumeWithDifferentSettingsIsRefused) {
  attend::testing_util::TempDir tmp;
  const auto dir = tmp.path() / "run";
  ASSERT_EQ(run(kSmall + "--steps 5 --out " + dir.string()).exit_code, 0);
  RunResult r = run(kSmall + "--steps 10 --lr 0.5 --resume --out " + dir.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("differ from the checkpoint"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("lr: saved "), std::string::npos) << "names the setting that differs: " << r.out;
  EXPECT_NE(r.out.find(", now 0.5"), std::string::npos) << r.out;
  EXPECT_EQ(lines(r.out), 1) << r.out;
}

TEST(Cli, CorruptCheckpointGivesOneLineAndKeepsFiles) {
  attend::testing_util::TempDir tmp;
  const auto dir = tmp.path() / "run";
  ASSERT_EQ(run(kSmall + "--steps 5 --out " + dir.string()).exit_code, 0);
  const auto weights = dir / "model.safetensors";
  const auto size = std::filesystem::file_size(weights);
  std::filesystem::resize_file(weights, size / 2);
  RunResult r = run(kSmall + "--steps 10 --resume --out " + dir.string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(lines(r.out), 1) << r.out;
  EXPECT_NE(r.out.find("attend: error:"), std::string::npos) << r.out;
  EXPECT_EQ(std::filesystem::file_size(weights), size / 2);  // nothing rewritten behind the user's back
}

TEST(Cli, MissingCheckpointDirectory) {
  RunResult r = run(kSmall + "--steps 10 --resume --out /nonexistent/attend_run");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(lines(r.out), 1) << r.out;
}

TEST(Cli, UnknownFlagsAndBadValues) {
  for (const char* args : {"--no-such-flag", "train --no-such-flag --out x", "train --task sort --out x",
                           "train --lr -1 --out x", "train --steps abc --out x", "bench nothing", "demo --steps 0", "demo reversal --hidden 0",
                           "train --min-length 9 --max-length 3 --out /tmp/attend_cli_never",
                           "--precision fp16 demo reversal"}) {
    RunResult r = run(args);
    EXPECT_NE(r.exit_code, 0) << args;
    EXPECT_LT(r.exit_code, 128) << "crashed: " << args;
    EXPECT_EQ(lines(r.out), 1) << args << ": " << r.out;
  }
}

TEST(Cli, BadPrecisionInTheEnvironmentIsOneLineError) {
  setenv("ATTEND_PRECISION", "half", 1);
  RunResult r = run("demo reversal");
  unsetenv("ATTEND_PRECISION");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(lines(r.out), 1) << r.out;
  EXPECT_NE(r.out.find("ATTEND_PRECISION"), std::string::npos) << r.out;
}

// --precision bf16 on a CPU without a bf16 matmul runs float32 and says so once; with one it says nothing extra.
TEST(Cli, Bf16WithoutNativeSupportSaysItRunsFloat) {
  RunResult r = run("--precision bf16 eval --model /nonexistent/attend_model --split test");
  EXPECT_EQ(r.exit_code, 1) << r.out;  // the missing model's one-line error
  const bool note = r.out.find("no bf16 matmul") != std::string::npos;
  EXPECT_EQ(note, !attend::kernels::bf16_gemm_native()) << r.out;
  EXPECT_EQ(lines(r.out), note ? 2 : 1) << r.out;
}

TEST(Cli, HelpListsEverySubcommand) {
  RunResult r = run("--help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* cmd : {"train", "translate", "eval", "viz", "bench", "data", "demo"})
    EXPECT_NE(r.out.find(cmd), std::string::npos) << cmd;
}

}  // namespace
