// Bad input through the built binary: each case must end in one clear line (exit 1) or a counted skip,
// never a crash, a hang, or a perfect score for nothing. Cases found by an audit of the CLI: deeply nested
// and huge config values, JSON syntax errors, a directory for a config, over-long lines to translate,
// empty dev splits and empty files to score, unreadable metrics lines on --resume, a NaN in a checkpoint,
// a dictionary with nothing in it, a curve with an unplottable range, a run's config.json edited between legs.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nn/safetensors.h"
#include "support/cli_runner.h"
#include "support/expect_cli_error.h"
#include "support/temp_dir.h"
#include "support/toy_corpus.h"

namespace {

namespace fs = std::filesystem;
using attend::testing_util::CliResult;
using attend::testing_util::expect_one_line_error;
using attend::testing_util::run_cli;
using attend::testing_util::split_lines;
using attend::testing_util::TempDir;
using attend::testing_util::write_bytes;
using nlohmann::json;

fs::path write_toy_data(const TempDir& tmp) {
  const fs::path data = tmp.path() / "data";
  attend::testing_util::write_toy_g2p(data, {.train = 200, .dev = 20, .test = 20});
  return data;
}

CliResult train(const TempDir& tmp, const json& cfg, const std::string& more = "") {
  const fs::path path = tmp.path() / "config.json";
  attend::testing_util::write_json_file(path, cfg);
  return run_cli("train --quiet --config " + path.string() + " --out " + (tmp.path() / "run").string() + " " + more);
}

TEST(CliBadInput, ConfigValuesNestedDeepOrHugeGiveAShortError) {
  TempDir tmp;
  const json base = attend::testing_util::toy_g2p_config(write_toy_data(tmp));
  // Printing this value for the error used to overflow the stack.
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  std::string text = base.dump();
  text.replace(text.find("\"seed\":3"), 8, "\"seed\":" + deep);
  write_bytes(tmp.file("deep.json"), text);
  CliResult r = run_cli("train --quiet --config " + tmp.file("deep.json") + " --out " + tmp.file("run"));
  expect_one_line_error(r, "'train.seed' must be an integer");
  EXPECT_LT(r.err.size(), 400u) << r.err;

  json big = base;
  big["data"]["src"] = std::string(100000, 'x');
  big["train"]["schedule"] = std::string("const\0ant", 9);
  r = train(tmp, big);
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_LT(r.err.size(), 3000u);
  EXPECT_EQ(split_lines(r.err).size(), 1u) << r.err;

  json wide = base;
  wide["model"]["embed"] = 1000000000000LL;
  expect_one_line_error(train(tmp, wide), "'embed' must be an integer in [1, 65536]");
  json long_lines = base;
  long_lines["data"]["max_length"] = 1000000000000LL;  // 4 x this overflowed translate's default limit
  expect_one_line_error(train(tmp, long_lines), "'data.max_length' must be at most 1000000");
}

TEST(CliBadInput, ConfigSyntaxErrorsNameTheLineAndADirectoryIsNotAFile) {
  TempDir tmp;
  write_bytes(tmp.file("broken.json"), "{\n  \"task\": \"g2p\",,\n}\n");
  expect_one_line_error(run_cli("train --config " + tmp.file("broken.json") + " --out " + tmp.file("run")),
                        "line 2, column");
  expect_one_line_error(run_cli("train --config " + tmp.path().string() + " --out " + tmp.file("run")),
                        "is a directory");
  // nlohmann reports a number too large for a double as out_of_range, not a parse error.
  write_bytes(tmp.file("huge.json"), "{\"task\": 1e400}\n");
  expect_one_line_error(run_cli("train --config " + tmp.file("huge.json") + " --out " + tmp.file("run")),
                        tmp.file("huge.json") + " is not valid JSON: number overflow");
  // A setting given twice: JSON parsers keep one value silently, so the user cannot tell which one ran.
  std::string twice = attend::testing_util::toy_g2p_config(write_toy_data(tmp)).dump();
  ASSERT_NE(twice.find("\"seed\":3"), std::string::npos);
  twice.replace(twice.find("\"seed\":3"), 8, "\"seed\":3,\"seed\":4");
  write_bytes(tmp.file("twice.json"), twice);
  expect_one_line_error(run_cli("train --config " + tmp.file("twice.json") + " --out " + tmp.file("run")),
                        "gives 'train.seed' twice");
  EXPECT_FALSE(fs::exists(tmp.file("run")));
}

TEST(CliBadInput, TranslateSkipsAndCountsLinesOverTheLengthLimit) {
  TempDir tmp;
  json cfg = attend::testing_util::toy_g2p_config(write_toy_data(tmp));
  cfg["train"]["max_steps"] = 10;
  cfg["data"]["max_length"] = 20;
  ASSERT_EQ(train(tmp, cfg).exit_code, 0);
  const std::string model = (tmp.path() / "run").string();
  // The default limit is 4 x the training max_length: the 100,000-letter line would take minutes to search.
  write_bytes(tmp.file("in.txt"), "abc\n" + std::string(100000, 'a') + "\nab\n");
  CliResult r = run_cli("translate --model " + model, tmp.file("in.txt"));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  std::vector<std::string> out = split_lines(r.out);
  ASSERT_EQ(out.size(), 3u) << r.out;
  EXPECT_EQ(out[1], "");
  EXPECT_NE(r.err.find("1 of 3 lines had more than 80 source tokens"), std::string::npos) << r.err;
  // --max-length sets it: now "abc" is too long as well, and the other two lines translate as before.
  const CliResult r3 = run_cli("translate --max-length 2 --model " + model, tmp.file("in.txt"));
  ASSERT_EQ(r3.exit_code, 0) << r3.all();
  const std::vector<std::string> out3 = split_lines(r3.out);
  ASSERT_EQ(out3.size(), 3u);
  EXPECT_EQ(out3[0], "");
  EXPECT_EQ(out3[2], out[2]);
  EXPECT_NE(r3.err.find("2 of 3 lines"), std::string::npos) << r3.err;
}

TEST(CliBadInput, EmptyDevSplitAndEmptyFilesAreErrorsNotPerfectScores) {
  TempDir tmp;
  const fs::path data = write_toy_data(tmp);
  json cfg = attend::testing_util::toy_g2p_config(data);
  cfg["train"]["max_steps"] = 10;
  ASSERT_EQ(train(tmp, cfg).exit_code, 0);
  const std::string model = (tmp.path() / "run").string();
  write_bytes((data / "test.src").string(), "\n\n\n");
  write_bytes((data / "test.tgt").string(), "\n\n\n");
  expect_one_line_error(run_cli("eval --model " + model + " --split test --json"), "no line pairs with text");

  write_bytes((data / "dev.src").string(), "");
  write_bytes((data / "dev.tgt").string(), "");
  fs::remove_all(tmp.path() / "run");
  expect_one_line_error(train(tmp, cfg), "the dev split");

  write_bytes(tmp.file("empty.txt"), "");
  for (const std::string cmd : {"per", "bleu"})
    expect_one_line_error(run_cli("eval " + cmd + " --hyp " + tmp.file("empty.txt") + " --ref " + tmp.file("empty.txt")),
                          "nothing to score");
  write_bytes(tmp.file("blank.txt"), "\n\n");
  expect_one_line_error(run_cli("eval aer --hyp " + tmp.file("blank.txt") + " --gold " + tmp.file("blank.txt")),
                        "has no links");
}

TEST(CliBadInput, ResumeCountsUnreadableMetricsLinesAndRejectsANanCheckpoint) {
  TempDir tmp;
  // --resume needs the same config: the legs are cut with --max-steps.
  const json cfg = attend::testing_util::toy_g2p_config(write_toy_data(tmp));
  ASSERT_EQ(train(tmp, cfg, "--max-steps 10").exit_code, 0);
  const fs::path run = tmp.path() / "run";
  const std::string metrics = attend::testing_util::read_bytes((run / "metrics.jsonl").string());
  write_bytes((run / "metrics.jsonl").string(), "{not json\n" + metrics);
  CliResult r = train(tmp, cfg, "--resume --max-steps 12");
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(r.err.find("dropped 1 unreadable line"), std::string::npos) << r.err;

  // A NaN in the saved Adam moments: reported at load, naming the file, and nothing is overwritten.
  const std::string opt_path = (run / "checkpoint" / "optimizer.safetensors").string();
  attend::nn::SafetensorsFile opt = attend::nn::load_safetensors(opt_path);
  bool poisoned = false;
  for (auto& [name, t] : opt.tensors)
    if (!poisoned && t.dtype() == attend::DType::F32 && t.numel() > 3) {
      t.data<float>()[3] = NAN;
      poisoned = true;
    }
  ASSERT_TRUE(poisoned);
  attend::nn::save_safetensors(opt_path, opt.tensors, opt.metadata);
  const std::string before = attend::testing_util::read_bytes(opt_path);
  expect_one_line_error(train(tmp, cfg, "--resume --max-steps 14"), "non-finite value");
  EXPECT_EQ(attend::testing_util::read_bytes(opt_path), before);
}

TEST(CliBadInput, DictionaryWithoutEntriesAndUnplottableCurvesAreErrors) {
  TempDir tmp;
  write_bytes(tmp.file("empty.dict"), ";;; only a comment\n");
  expect_one_line_error(run_cli("data cmudict --dict " + tmp.file("empty.dict") + " --out " + tmp.file("cmu")),
                        "holds no dictionary entries");
  EXPECT_FALSE(fs::exists(tmp.path() / "cmu" / "train.src"));
  write_bytes(tmp.file("m.jsonl"), "{\"step\":1,\"loss\":1e308}\n{\"step\":2,\"loss\":-1e308}\n");
  expect_one_line_error(run_cli("viz --metrics " + tmp.file("m.jsonl") + " --out " + tmp.file("c.svg")),
                        "too wide a range");
  // Ranges whose span is finite but whose padded or tick-rounded ends overflow.
  for (const char* losses : {"1e308,-7e307", "1.7e308,1.7e308"}) {
    const std::string l = losses;
    write_bytes(tmp.file("m.jsonl"), "{\"step\":1,\"loss\":" + l.substr(0, l.find(',')) + "}\n{\"step\":2,\"loss\":" +
                                         l.substr(l.find(',') + 1) + "}\n");
    expect_one_line_error(run_cli("viz --metrics " + tmp.file("m.jsonl") + " --out " + tmp.file("c.svg")),
                          "too wide a range");
  }
  // ",,," splits into no names, and CLI11 then takes the next flag as one.
  expect_one_line_error(run_cli("viz --metrics " + tmp.file("m.jsonl") + " --keys ,,, --out " + tmp.file("c.svg")),
                        "--keys took '--out'");
}

TEST(CliBadInput, AConfigRunRejectsTheBuiltInTasksFlagsAndAZeroLearningRate) {
  TempDir tmp;
  const json cfg = attend::testing_util::toy_g2p_config(write_toy_data(tmp));
  expect_one_line_error(train(tmp, cfg, "--steps 5"), "--steps is a flag of the built-in tasks");
  expect_one_line_error(train(tmp, cfg, "--task copy"), "--task is a flag of the built-in tasks");
  json zero = cfg;
  zero["train"]["lr"] = 0;
  expect_one_line_error(train(tmp, zero), "'train.lr' must be above 0");
  EXPECT_FALSE(fs::exists(tmp.path() / "run" / "config.json"));
}

TEST(CliBadInput, ResumeReplacesADamagedBestAtTheNextValidation) {
  TempDir tmp;
  const json cfg = attend::testing_util::toy_g2p_config(write_toy_data(tmp));  // validates every 10 steps
  ASSERT_EQ(train(tmp, cfg, "--max-steps 10").exit_code, 0);
  const fs::path best = tmp.path() / "run" / "best" / "model.safetensors";
  fs::resize_file(best, fs::file_size(best) / 2);
  write_bytes(tmp.file("in.txt"), "abc\n");
  EXPECT_EQ(run_cli("translate --model " + (tmp.path() / "run").string(), tmp.file("in.txt")).exit_code, 1);
  const CliResult r = train(tmp, cfg, "--resume --max-steps 20");
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(r.err.find("is unreadable"), std::string::npos) << r.err;
  EXPECT_EQ(run_cli("translate --model " + (tmp.path() / "run").string(), tmp.file("in.txt")).exit_code, 0);
  // Resuming a run that has nothing left to train still repairs it (no validation would come otherwise).
  fs::resize_file(best, fs::file_size(best) / 2);
  const CliResult done = train(tmp, cfg, "--resume --max-steps 20");
  ASSERT_EQ(done.exit_code, 0) << done.all();
  EXPECT_NE(done.err.find("is unreadable"), std::string::npos) << done.err;
  EXPECT_EQ(run_cli("translate --model " + (tmp.path() / "run").string(), tmp.file("in.txt")).exit_code, 0);
}

// A run directory's config.json edited between legs: a model or data change no longer fits the checkpoint and is
// named with both values; a train-section change (more steps) is a legitimate next leg.
TEST(CliBadInput, ResumeRejectsAConfigJsonWhoseModelNoLongerMatchesTheCheckpoint) {
  TempDir tmp;
  const json cfg = attend::testing_util::toy_g2p_config(write_toy_data(tmp));
  ASSERT_EQ(train(tmp, cfg, "--max-steps 10").exit_code, 0);
  const fs::path saved = tmp.path() / "run" / "config.json";
  const json original = json::parse(attend::testing_util::read_bytes(saved.string()));
  json edited = original;
  edited["model"]["hidden"] = original["model"]["hidden"].get<int64_t>() + 8;
  attend::testing_util::write_json_file(saved, edited);
  const std::string resume = "train --quiet --resume --max-steps 20 --out " + (tmp.path() / "run").string();
  CliResult r = run_cli(resume);
  expect_one_line_error(r, "differs from the config its checkpoint was saved with, first at /model/hidden");
  EXPECT_NE(r.err.find(std::to_string(original["model"]["hidden"].get<int64_t>()) + " in the checkpoint"),
            std::string::npos) << r.err;
  edited = original;
  edited["train"]["max_steps"] = original["train"]["max_steps"].get<int64_t>() + 10;
  attend::testing_util::write_json_file(saved, edited);
  r = run_cli(resume);
  EXPECT_EQ(r.exit_code, 0) << r.all();
}

}  // namespace
