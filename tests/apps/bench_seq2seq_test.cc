// `attend bench seq2seq` end to end at toy sizes: one JSON line with the measurements, and a "precision" that
// names what the GEMMs ran in — float32 where bf16 was asked for on a CPU without a bf16 matmul.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>

#include "kernels/gemm_bf16.h"
#include "support/run_cli.h"

namespace {

using attend::testing_util::run;

const std::string kToy =
    "bench seq2seq --json --vocab 16 --batch 2 --src-len 3 --tgt-len 3 --beam 2 --steps 1 --decode-runs 1";

TEST(BenchSeq2Seq, PrintsOneJsonLineWithTheMeasurements) {
  const auto r = run(kToy);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  ASSERT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("impl"), "attend");
  EXPECT_EQ(j.at("precision"), "f32");
  EXPECT_FALSE(j.contains("requested_precision")) << r.out;
  EXPECT_GT(j.at("train_tokens_per_s").get<double>(), 0.0) << r.out;
  EXPECT_GT(j.at("decode_sentences_per_s").get<double>(), 0.0) << r.out;
}

TEST(BenchSeq2Seq, PrecisionIsWhatRanNotWhatWasAsked) {
  const auto r = run("--precision bf16 " + kToy);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  // Without a bf16 matmul the run also prints a one-line note (on stderr, merged here): take the JSON line.
  const size_t begin = r.out.rfind("{\"bench\"");
  ASSERT_NE(begin, std::string::npos) << r.out;
  const nlohmann::json j = nlohmann::json::parse(r.out.substr(begin, r.out.find('\n', begin) - begin));
  EXPECT_EQ(j.at("requested_precision"), "bf16") << r.out;
  EXPECT_EQ(j.at("precision"), attend::kernels::bf16_gemm_native() ? "bf16" : "f32") << r.out;
}

}  // namespace
