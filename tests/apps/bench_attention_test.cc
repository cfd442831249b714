// `attend bench attention` end to end: one JSON line with the promised keys and sane values for the fused
// and the naive path, and a one-line error for a bad size.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

namespace {

struct RunResult {
  int exit_code;
  std::string out;
};

RunResult run(const std::string& args) {
  const std::string cmd = std::string(ATTEND_CLI_PATH) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), out};
}

TEST(BenchAttention, PrintsOneJsonLineWithTheMeasurements) {
  for (const std::string extra : {"", " --naive --causal"}) {
    const RunResult r =
        run("bench attention --n 70 --heads 2 --dim 16 --batch 2 --repeats 1 --sgemm-size 64 --json" + extra);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    ASSERT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
    const nlohmann::json j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j.at("impl"), extra.empty() ? "fused" : "naive");
    EXPECT_EQ(j.at("n"), 70);
    EXPECT_EQ(j.at("batch"), 2);
    EXPECT_EQ(j.at("causal"), !extra.empty());
    for (const char* key : {"fwd_ms", "fwd_bwd_ms", "fwd_gflops", "fwd_bwd_gflops", "sgemm_gflops", "peak_rss_mib"})
      EXPECT_GT(j.at(key).get<double>(), 0.0) << key << " in " << r.out;
  }
}

TEST(BenchAttention, BadSizeIsAnErrorNotACrash) {
  const RunResult r = run("bench attention --n 0 --json");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_LT(r.exit_code, 128) << r.out;
}

}  // namespace
