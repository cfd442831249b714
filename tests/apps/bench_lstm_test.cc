// `attend bench lstm --json`: runs on tiny sizes and prints one JSON line with the keys the PyTorch peer
// (bench/peers/lstm_peer.py) prints too.
#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

namespace {

std::string run_command(const std::string& cmd) {
  std::string out;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof(buf), pipe)) out.append(buf, n);
  pclose(pipe);
  return out;
}

TEST(BenchLstm, PrintsOneJsonLineWithThePeerKeys) {
  const std::string out = run_command(std::string(ATTEND_CLI_PATH) +
                                      " bench lstm --json --batch 3 --steps 4 --hidden 16 --input 8 --repeat 2 "
                                      "--warmup 0");
  ASSERT_FALSE(out.empty());
  ASSERT_EQ(out.find('\n'), out.size() - 1) << out;
  const nlohmann::json j = nlohmann::json::parse(out);
  EXPECT_EQ(j["bench"], "lstm");
  EXPECT_EQ(j["batch"], 3);
  EXPECT_EQ(j["steps"], 4);
  EXPECT_EQ(j["hidden"], 16);
  EXPECT_EQ(j["input"], 8);
  EXPECT_GE(j["threads"].get<int>(), 1);
  EXPECT_GT(j["fwd_ms"].get<double>(), 0.0);
  EXPECT_GE(j["fwd_bwd_ms"].get<double>(), 0.0);
  EXPECT_GT(j["gflops_fwd"].get<double>(), 0.0);
}

TEST(BenchLstm, RejectsBadSizes) {
  const std::string out = run_command(std::string(ATTEND_CLI_PATH) + " bench lstm --batch 0 2>&1; echo rc=$?");
  EXPECT_NE(out.find("rc=2"), std::string::npos) << out;
}

}  // namespace
