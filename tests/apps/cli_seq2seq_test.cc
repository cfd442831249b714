// `attend train --config` end to end through the built binary on tiny corpora written by each test: the run
// directory it writes (config with vocabulary sizes, codecs, best/, checkpoint/, metrics.jsonl, curve.svg),
// a learnable toy task, exact --resume (in one go vs stopped and resumed, also after a simulated kill), and
// bad configs / data / directories that must give one line and exit 1 without touching a saved run.
// Decoding (translate, eval --model, demo) is in cli_seq2seq_decode_test.cc.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nn/safetensors.h"
#include "support/cli_runner.h"
#include "support/temp_dir.h"
#include "support/toy_corpus.h"

namespace {

namespace fs = std::filesystem;
using attend::testing_util::CliResult;
using attend::testing_util::read_bytes;
using attend::testing_util::run_cli;
using attend::testing_util::split_lines;
using attend::testing_util::TempDir;
using nlohmann::json;

std::vector<json> read_json_lines(const fs::path& p) {
  std::vector<json> v;
  for (const std::string& line : split_lines(read_bytes(p.string()))) v.push_back(json::parse(line));
  return v;
}

// metrics.jsonl split into training lines (with "loss") and validation lines (with "dev_loss").
struct Metrics {
  std::vector<json> train, dev;
};
Metrics read_metrics(const fs::path& run_dir) {
  Metrics m;
  for (json& j : read_json_lines(run_dir / "metrics.jsonl")) (j.contains("dev_loss") ? m.dev : m.train).push_back(j);
  return m;
}

// The last line of stdout as JSON (the summary of attend train --config).
json summary_of(const CliResult& r) {
  const auto lines = split_lines(r.out);
  if (lines.empty()) return nullptr;
  return json::parse(lines.back(), nullptr, false);
}

CliResult train(const fs::path& config, const fs::path& out, const std::string& more = "") {
  return run_cli("train --quiet --config " + config.string() + " --out " + out.string() + " " + more);
}

// The raw tensor bytes of a safetensors file (everything after the header, whose metadata carries a
// per-save id) with the header's tensor names and shapes.
std::string tensor_data(const fs::path& p) {
  const attend::nn::SafetensorsHeader h = attend::nn::read_safetensors_header(p.string());
  std::string names;
  for (const auto& e : h.entries) {
    names += e.name + "[";
    for (int64_t d : e.shape) names += std::to_string(d) + ",";
    names += "];";
  }
  return names + read_bytes(p.string()).substr(8 + h.header_bytes);
}

// Every file under dir (relative path -> bytes).
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) files[fs::relative(e.path(), dir).string()] = read_bytes(e.path().string());
  return files;
}

size_t distinct_chars(const fs::path& file) {
  std::set<char> s;
  for (char c : read_bytes(file.string()))
    if (c != '\n' && c != ' ') s.insert(c);
  return s.size();
}

size_t distinct_words(const fs::path& file) {
  std::set<std::string> s;
  for (const std::string& line : split_lines(read_bytes(file.string())))
    for (const std::string& w : attend::testing_util::split_words(line)) s.insert(w);
  return s.size();
}

constexpr size_t kSpecials = 4;  // <pad> <s> </s> <unk>

TEST(CliSeq2SeqTrain, WritesTheRunDirectory) {
  TempDir tmp;
  const fs::path data = tmp.path() / "data", run = tmp.path() / "run", cfg = tmp.path() / "g2p.json";
  attend::testing_util::write_toy_g2p(data, {});
  attend::testing_util::write_json_file(cfg, attend::testing_util::toy_g2p_config(data));
  const CliResult r = train(cfg, run);
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(split_lines(r.out).size(), 1u) << "--quiet: only the summary on stdout: " << r.out;
  EXPECT_EQ(r.err, "") << "--quiet: nothing on stderr";
  const json s = summary_of(r);
  ASSERT_TRUE(s.is_object()) << r.out;
  EXPECT_EQ(s["steps"], 30);
  EXPECT_EQ(s["model_dir"], run.string());
  EXPECT_EQ(s["stopped_early"], false);
  ASSERT_TRUE(s["best_dev"].is_object()) << r.out;
  EXPECT_TRUE(s["best_dev"].contains("wer") && s["best_dev"].contains("per")) << r.out;

  // config.json: the given settings with the vocabulary sizes of the training split filled in.
  const json c = json::parse(read_bytes((run / "config.json").string()));
  EXPECT_EQ(c["task"], "g2p");
  EXPECT_EQ(c["model"]["src_vocab"], distinct_chars(data / "train.src") + kSpecials);
  EXPECT_EQ(c["model"]["tgt_vocab"], distinct_words(data / "train.tgt") + kSpecials);
  EXPECT_EQ(c["model"]["embed"], 8);
  EXPECT_EQ(c["train"]["lr"], 0.01);
  EXPECT_EQ(c["data"]["dir"], data.string());

  for (const char* f : {"src.codec.json", "tgt.codec.json", "src.vocab", "tgt.vocab", "best/state.json",
                        "best/model.safetensors", "checkpoint/state.json", "checkpoint/model.safetensors",
                        "checkpoint/optimizer.safetensors", "metrics.jsonl", "curve.svg"})
    EXPECT_TRUE(fs::is_regular_file(run / f)) << f;
  EXPECT_EQ(split_lines(read_bytes((run / "src.vocab").string())).size(), distinct_chars(data / "train.src") + kSpecials);
  EXPECT_EQ(json::parse(read_bytes((run / "checkpoint/state.json").string()))["step"], 30);
  EXPECT_NE(read_bytes((run / "curve.svg").string()).find("<svg"), std::string::npos);

  // metrics.jsonl: a training line every log_every (5) steps, a validation line every valid_every (10).
  const Metrics m = read_metrics(run);
  ASSERT_EQ(m.train.size(), 6u);
  for (size_t i = 0; i < m.train.size(); ++i) {
    const json& j = m.train[i];
    EXPECT_EQ(j["step"], 5 * static_cast<int>(i + 1));
    EXPECT_TRUE(j["loss"].is_number() && std::isfinite(j["loss"].get<double>()) && j["loss"].get<double>() > 0) << j;
    EXPECT_GT(j["tokens_per_s"].get<double>(), 0) << j;
  }
  EXPECT_LT(m.train.back()["loss"].get<double>(), m.train.front()["loss"].get<double>()) << "the loss did not fall";
  ASSERT_EQ(m.dev.size(), 3u);
  double best_wer = 1e9, best_loss = 1e9;
  for (size_t i = 0; i < m.dev.size(); ++i) {
    const json& j = m.dev[i];
    EXPECT_EQ(j["step"], 10 * static_cast<int>(i + 1));
    EXPECT_GT(j["dev_loss"].get<double>(), 0) << j;
    ASSERT_TRUE(j.contains("dev_wer") && j.contains("dev_per")) << j;
    EXPECT_FALSE(j.contains("dev_bleu")) << j;
    const double wer = j["dev_wer"].get<double>();
    EXPECT_GE(wer, 0);
    EXPECT_LE(wer, 100);
    const double loss = j["dev_loss"].get<double>();
    const bool improved = wer < best_wer || (wer == best_wer && loss < best_loss);  // ties: the dev loss decides
    EXPECT_EQ(j["improved"].get<bool>(), improved) << j;
    if (improved) best_wer = wer, best_loss = loss;
  }
  EXPECT_EQ(s["best_dev"]["wer"].get<double>(), best_wer);
  // best/ holds the weights of the best validation.
  const json best_state = json::parse(read_bytes((run / "best/state.json").string()));
  EXPECT_EQ(best_state["extra"]["dev"]["wer"].get<double>(), best_wer);
}

TEST(CliSeq2SeqTrain, TranslationRunLogsBleu) {
  TempDir tmp;
  const fs::path data = tmp.path() / "data", run = tmp.path() / "run", cfg = tmp.path() / "mt.json";
  attend::testing_util::write_toy_translation(data, {.train = 60, .dev = 10, .test = 10});
  json j = attend::testing_util::toy_translation_config(data);
  j["train"]["max_steps"] = 10;
  attend::testing_util::write_json_file(cfg, j);
  const CliResult r = train(cfg, run);
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(summary_of(r)["steps"], 10);
  const json c = json::parse(read_bytes((run / "config.json").string()));
  EXPECT_EQ(c["model"]["src_vocab"], distinct_words(data / "train.es") + kSpecials);
  EXPECT_EQ(c["model"]["tgt_vocab"], distinct_words(data / "train.en") + kSpecials);
  const Metrics m = read_metrics(run);
  ASSERT_EQ(m.dev.size(), 1u);
  EXPECT_TRUE(m.dev[0].contains("dev_bleu") && m.dev[0].contains("dev_chrf")) << m.dev[0];
  EXPECT_FALSE(m.dev[0].contains("dev_wer")) << m.dev[0];
  EXPECT_TRUE(fs::is_regular_file(run / "curve.svg"));
}

TEST(CliSeq2SeqTrain, LearnsToReverseWords) {
  // Reversal of 2-6 letter words over 10 letters (a few seconds): at step 50 the dev WER is still high; a
  // working encoder-decoder with attention gets most held-out words right by step 600.
  TempDir tmp;
  const fs::path data = tmp.path() / "data", run = tmp.path() / "run", cfg = tmp.path() / "g2p.json";
  attend::testing_util::write_toy_g2p(
      data, {.alphabet = "abcdefghij", .min_len = 2, .max_len = 6, .train = 400, .dev = 40, .test = 40});
  json j = attend::testing_util::toy_g2p_config(data);
  j["model"]["embed"] = 16;
  j["model"]["encoder_hidden"] = 32;
  j["model"]["hidden"] = 32;
  j["model"]["attention"]["hidden_dim"] = 32;
  j["train"]["max_steps"] = 600;
  j["train"]["max_tokens"] = 300;
  j["train"]["valid_every"] = 50;
  j["train"]["checkpoint_every"] = 600;
  j["train"]["log_every"] = 50;
  attend::testing_util::write_json_file(cfg, j);
  const CliResult r = train(cfg, run);
  ASSERT_EQ(r.exit_code, 0) << r.all();
  const Metrics m = read_metrics(run);
  ASSERT_EQ(m.dev.size(), 12u);
  EXPECT_GE(m.dev.front()["dev_wer"].get<double>(), 40.0) << "the task is too easy to show learning";
  const json s = summary_of(r);
  EXPECT_LE(s["best_dev"]["wer"].get<double>(), 15.0) << r.out;
  // Held-out test words: the same skill on words never seen in training or validation.
  const CliResult e = run_cli("eval --model " + run.string() + " --split test --beam 1 --json");
  ASSERT_EQ(e.exit_code, 0) << e.all();
  EXPECT_LE(json::parse(e.out)["wer"].get<double>(), 20.0) << e.out;
}

// ---- resume ---------------------------------------------------------------------------------------------

class CliSeq2SeqResume : public ::testing::Test {
 protected:
  virtual void edit_config(json&) {}
  void SetUp() override {
    attend::testing_util::write_toy_g2p(data_, {.train = 150, .dev = 20, .test = 10});
    json j = attend::testing_util::toy_g2p_config(data_);
    edit_config(j);
    j["model"]["dropout"] = 0.2;  // the dropout random numbers must be replayed too
    j["train"]["max_steps"] = 40;
    j["train"]["label_smoothing"] = 0.1;
    j["train"]["schedule"] = "step:step_size=15,gamma=0.5";
    j["train"]["checkpoint_every"] = 7;  // off the logging grid (5): checkpoints fall inside a log window
    attend::testing_util::write_json_file(cfg_, j);
    const CliResult r = train(cfg_, full_);
    ASSERT_EQ(r.exit_code, 0) << r.all();
    ASSERT_EQ(summary_of(r)["steps"], 40);
  }

  // The resumed run must equal the uninterrupted one: metrics (timings aside), weights, optimizer, best.
  void expect_same_as_full(const fs::path& run) {
    Metrics a = read_metrics(full_), b = read_metrics(run);
    ASSERT_EQ(a.train.size(), 8u);
    ASSERT_EQ(b.train.size(), a.train.size());
    for (size_t i = 0; i < a.train.size(); ++i) {
      a.train[i].erase("tokens_per_s");
      b.train[i].erase("tokens_per_s");
      // dump() writes doubles with round-trip precision: equal text means bit-identical losses.
      EXPECT_EQ(a.train[i].dump(), b.train[i].dump()) << "training line " << i;
    }
    ASSERT_EQ(a.dev.size(), 4u);
    ASSERT_EQ(b.dev.size(), a.dev.size());
    for (size_t i = 0; i < a.dev.size(); ++i) EXPECT_EQ(a.dev[i].dump(), b.dev[i].dump()) << "validation line " << i;
    for (const char* f : {"checkpoint/model.safetensors", "checkpoint/optimizer.safetensors", "best/model.safetensors"})
      EXPECT_TRUE(tensor_data(full_ / f) == tensor_data(run / f)) << f << " differs";
    json sa = json::parse(read_bytes((full_ / "checkpoint/state.json").string()));
    json sb = json::parse(read_bytes((run / "checkpoint/state.json").string()));
    for (json* st : {&sa, &sb}) {
      st->erase("save_id");
      (*st)["extra"]["best_dev"].erase("decode_seconds");  // a timing
    }
    EXPECT_EQ(sa.dump(), sb.dump());
  }

  TempDir tmp_;
  const fs::path data_ = tmp_.path() / "data", cfg_ = tmp_.path() / "g2p.json", full_ = tmp_.path() / "full";
};

TEST_F(CliSeq2SeqResume, StoppedAtHalfThenResumedEqualsOneGo) {
  const fs::path part = tmp_.path() / "part";
  CliResult r = train(cfg_, part, "--max-steps 20");
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(summary_of(r)["steps"], 20);
  r = run_cli("train --quiet --resume --out " + part.string());
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(summary_of(r)["steps"], 40);
  expect_same_as_full(part);
}

TEST_F(CliSeq2SeqResume, ResumeAfterAKillReplaysFromTheLastCheckpoint) {
  // A run killed at step 27 whose last checkpoint is that of step 14 (in the middle of the log window 11-15):
  // metrics.jsonl holds lines past the checkpoint (15, 20, 25 and a validation at 20), which the resumed run
  // must replace, and its line at 15 must average steps 11-15 as the run in one go did.
  const fs::path part = tmp_.path() / "part";
  ASSERT_EQ(train(cfg_, part, "--max-steps 14").exit_code, 0);
  const auto saved = snapshot(part / "checkpoint");
  CliResult r = train(cfg_, part, "--resume --max-steps 27");
  ASSERT_EQ(r.exit_code, 0) << r.all();
  ASSERT_EQ(read_metrics(part).train.back()["step"], 25);
  ASSERT_EQ(read_metrics(part).dev.back()["step"], 20);
  for (const auto& [name, bytes] : saved) attend::testing_util::write_bytes((part / "checkpoint" / name).string(), bytes);
  r = train(cfg_, part, "--resume");
  ASSERT_EQ(r.exit_code, 0) << r.all();
  expect_same_as_full(part);
}

// The same with a weight average: the checkpoint must carry it (validations and best/ use it).
class CliSeq2SeqResumeAveraged : public CliSeq2SeqResume {
 protected:
  void edit_config(json& j) override { j["train"]["average_decay"] = 0.8; }
};

TEST_F(CliSeq2SeqResumeAveraged, ProvisionalBestIsTheAverage) {
  // A leg stopped before the first validation (step 10) leaves a provisional best/: the average too.
  const fs::path part = tmp_.path() / "part";
  ASSERT_EQ(train(cfg_, part, "--max-steps 5").exit_code, 0);
  std::map<std::string, std::vector<float>> extra;
  for (const auto& [name, t] : attend::nn::load_safetensors((part / "checkpoint/optimizer.safetensors").string()).tensors)
    if (name.starts_with("extra.average.")) extra[name.substr(14)] = t.to_vector<float>();
  const auto best = attend::nn::load_safetensors((part / "best/model.safetensors").string()).tensors;
  const auto last = attend::nn::load_safetensors((part / "checkpoint/model.safetensors").string()).tensors;
  ASSERT_EQ(extra.size(), best.size());
  bool differs_from_last = false;
  for (size_t i = 0; i < best.size(); ++i) {
    EXPECT_TRUE(extra.at(best[i].first) == best[i].second.to_vector<float>()) << best[i].first;
    differs_from_last |= last[i].second.to_vector<float>() != best[i].second.to_vector<float>();
  }
  EXPECT_TRUE(differs_from_last) << "best/ holds the last weights, not their average";
}

TEST_F(CliSeq2SeqResumeAveraged, ResumeAfterAKillReplaysTheAverageToo) {
  const fs::path part = tmp_.path() / "part";
  ASSERT_EQ(train(cfg_, part, "--max-steps 14").exit_code, 0);
  const auto saved = snapshot(part / "checkpoint");
  ASSERT_EQ(train(cfg_, part, "--resume --max-steps 27").exit_code, 0);
  for (const auto& [name, bytes] : saved) attend::testing_util::write_bytes((part / "checkpoint" / name).string(), bytes);
  const CliResult r = train(cfg_, part, "--resume");
  ASSERT_EQ(r.exit_code, 0) << r.all();
  expect_same_as_full(part);
}

TEST(CliSeq2SeqAverage, BestHoldsTheAveragedWeights) {
  // One validation at the last step: best/ must hold the average the final checkpoint carries, which is not
  // the last weights; a run without averaging validates the last weights themselves.
  TempDir tmp;
  const fs::path data = tmp.path() / "data", cfg = tmp.path() / "g2p.json";
  attend::testing_util::write_toy_g2p(data, {.train = 60, .dev = 10, .test = 5});
  json j = attend::testing_util::toy_g2p_config(data);
  j["train"]["max_steps"] = 12;
  j["train"]["valid_every"] = 12;
  j["train"]["checkpoint_every"] = 12;
  auto load = [](const fs::path& p) {
    std::map<std::string, std::vector<float>> out;
    for (const auto& [name, t] : attend::nn::load_safetensors(p.string()).tensors) out[name] = t.to_vector<float>();
    return out;
  };
  for (const bool averaged : {false, true}) {
    j["train"]["average_decay"] = averaged ? 0.9 : 0.0;
    attend::testing_util::write_json_file(cfg, j);
    const fs::path run = tmp.path() / (averaged ? "averaged" : "plain");
    const CliResult r = train(cfg, run);
    ASSERT_EQ(r.exit_code, 0) << r.all();
    const auto best = load(run / "best/model.safetensors"), last = load(run / "checkpoint/model.safetensors");
    const auto opt = load(run / "checkpoint/optimizer.safetensors");
    const json state = json::parse(read_bytes((run / "checkpoint/state.json").string()));
    if (!averaged) {
      EXPECT_TRUE(best == last);
      EXPECT_FALSE(state["extra"].contains("average_updates"));
      for (const auto& [name, v] : opt) EXPECT_FALSE(name.starts_with("extra.")) << name;
      continue;
    }
    EXPECT_EQ(state["extra"]["average_updates"], 12);
    ASSERT_FALSE(best.empty());
    for (const auto& [name, v] : best) {
      ASSERT_TRUE(opt.count("extra.average." + name)) << name;
      EXPECT_TRUE(opt.at("extra.average." + name) == v) << name;
      EXPECT_FALSE(last.at(name) == v) << name << ": the average equals the last weights";
    }
  }
}

TEST_F(CliSeq2SeqResume, StoppedOffTheLoggingGridThenResumedEqualsOneGo) {
  // Step 13 is neither a logging (every 5) nor a validation or checkpoint step (every 10): the resumed run's
  // line at step 15 must still average steps 11-15, and no extra line may appear at 13.
  const fs::path part = tmp_.path() / "part";
  ASSERT_EQ(train(cfg_, part, "--max-steps 13").exit_code, 0);
  ASSERT_EQ(train(cfg_, part, "--resume").exit_code, 0);
  expect_same_as_full(part);
}

TEST_F(CliSeq2SeqResume, StoppedBeforeTheFirstValidationThenResumedEqualsOneGo) {
  // Stopped at step 5, before the first validation (step 10): the leg leaves usable best/ weights, but the
  // validation it ran for them must not count as one of the run's validations.
  const fs::path part = tmp_.path() / "part";
  const CliResult r = train(cfg_, part, "--max-steps 5");
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_TRUE(fs::is_regular_file(part / "best/state.json"));
  EXPECT_TRUE(summary_of(r)["best_dev"].contains("wer")) << r.out;
  ASSERT_EQ(train(cfg_, part, "--resume").exit_code, 0);
  expect_same_as_full(part);
}

TEST_F(CliSeq2SeqResume, ResumeWithADifferentConfigIsRefused) {
  const fs::path part = tmp_.path() / "part", other = tmp_.path() / "other.json";
  ASSERT_EQ(train(cfg_, part, "--max-steps 10").exit_code, 0);
  json j = json::parse(read_bytes(cfg_.string()));
  j["train"]["lr"] = 0.5;
  attend::testing_util::write_json_file(other, j);
  const auto before = snapshot(part);
  const CliResult r = train(other, part, "--resume");
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_EQ(split_lines(r.all()).size(), 1u) << r.all();
  EXPECT_NE(r.err.find("differs"), std::string::npos) << r.err;
  EXPECT_TRUE(before == snapshot(part)) << "a refused resume changed the run directory";
}

TEST_F(CliSeq2SeqResume, TrainingIntoAnExistingRunIsRefused) {
  const auto before = snapshot(full_);
  const CliResult r = train(cfg_, full_);
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_EQ(split_lines(r.all()).size(), 1u) << r.all();
  EXPECT_NE(r.err.find("already holds a training run"), std::string::npos) << r.err;
  EXPECT_TRUE(before == snapshot(full_)) << "the existing run was modified";
}

TEST(CliSeq2SeqResumeErrors, ResumeWithoutARun) {
  TempDir tmp;
  for (const std::string& args : {"train --quiet --resume --out " + tmp.file("nothing"),
                                  "train --quiet --resume --config " + tmp.file("nothing.json") + " --out " +
                                      tmp.file("nothing")}) {
    const CliResult r = run_cli(args);
    EXPECT_EQ(r.exit_code, 1) << args << ": " << r.all();
    EXPECT_EQ(split_lines(r.all()).size(), 1u) << args << ": " << r.all();
  }
}

// ---- bad configs and data -------------------------------------------------------------------------------

// Runs train on a config (given as JSON text) and checks for exactly one error line that contains `needle`.
CliResult expect_config_error(const TempDir& tmp, const std::string& config_text, const std::string& needle,
                              const std::string& label) {
  const fs::path cfg = tmp.path() / "bad.json", out = tmp.path() / ("out_" + label);
  attend::testing_util::write_bytes(cfg.string(), config_text);
  const CliResult r = train(cfg, out);
  EXPECT_EQ(r.exit_code, 1) << label << ": " << r.all();
  EXPECT_EQ(split_lines(r.all()).size(), 1u) << label << ": " << r.all();
  EXPECT_NE(r.err.find("attend: error:"), std::string::npos) << label << ": " << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << label << ": expected '" << needle << "' in " << r.err;
  EXPECT_FALSE(fs::exists(out / "config.json")) << label << ": a failed start left a run behind";
  return r;
}

TEST(CliSeq2SeqConfig, UnknownKeysAndBadValuesAreOneLineErrors) {
  TempDir tmp;
  const fs::path data = tmp.path() / "data";
  attend::testing_util::write_toy_g2p(data, {.train = 20, .dev = 5, .test = 5});
  const json good = attend::testing_util::toy_g2p_config(data);
  struct Case {
    std::string label;
    std::function<void(json&)> edit;
    std::string needle;
  };
  const std::vector<Case> cases = {
      {"train_key", [](json& j) { j["train"]["lr_rate"] = 0.1; }, "train.lr_rate"},
      {"data_key", [](json& j) { j["data"]["dirr"] = "x"; }, "data.dirr"},
      {"top_key", [](json& j) { j["trian"] = json::object(); }, "trian"},
      {"model_key", [](json& j) { j["model"]["hiden"] = 8; }, "hiden"},
      {"attention_key", [](json& j) { j["model"]["attention"]["scor"] = "dot"; }, "scor"},
      {"lr_negative", [](json& j) { j["train"]["lr"] = -1; }, "train.lr"},
      {"steps_string", [](json& j) { j["train"]["max_steps"] = "many"; }, "train.max_steps"},
      {"steps_fraction", [](json& j) { j["train"]["max_steps"] = 2.5; }, "train.max_steps"},
      {"embed_zero", [](json& j) { j["model"]["embed"] = 0; }, "embed"},
      {"cell", [](json& j) { j["model"]["cell"] = "rnn"; }, "cell"},
      {"tokens", [](json& j) { j["data"]["src_tokens"] = "bytes"; }, "data.src_tokens"},
      {"task", [](json& j) { j["task"] = "parsing"; }, "task"},
      {"schedule", [](json& j) { j["train"]["schedule"] = "zigzag"; }, "zigzag"},
      {"section_type", [](json& j) { j["train"] = 5; }, "train"},
      {"no_dir", [](json& j) { j["data"].erase("dir"); }, "data.dir"},
      {"no_model", [](json& j) { j.erase("model"); }, "model"},
      {"no_attention", [](json& j) { j["model"].erase("attention"); }, "attention"},
      {"average_one", [](json& j) { j["train"]["average_decay"] = 1.0; }, "train.average_decay"},
      {"average_negative", [](json& j) { j["train"]["average_decay"] = -0.5; }, "train.average_decay"},
  };
  for (const Case& c : cases) {
    json j = good;
    c.edit(j);
    expect_config_error(tmp, j.dump(), c.needle, c.label);
  }
  expect_config_error(tmp, good.dump().substr(0, good.dump().size() - 3), "not valid JSON", "truncated_json");
  expect_config_error(tmp, "{\"task\": \"g2p\",}", "not valid JSON", "trailing_comma");
  expect_config_error(tmp, "[1, 2]", "config", "not_an_object");
  // A config file that is not there.
  const CliResult r = train(tmp.path() / "absent.json", tmp.path() / "out_absent");
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_EQ(split_lines(r.all()).size(), 1u) << r.all();
  EXPECT_NE(r.err.find("absent.json"), std::string::npos) << r.err;
}

// train.init_from: a fresh run that starts from another run's best weights and vocabularies (fine-tuning).
class CliSeq2SeqInitFrom : public ::testing::Test {
 protected:
  void SetUp() override {
    attend::testing_util::write_toy_g2p(data_, {.train = 60, .dev = 10, .test = 5});
    base_ = attend::testing_util::toy_g2p_config(data_);
    attend::testing_util::write_json_file(tmp_.path() / "base.json", base_);
    const CliResult r = train(tmp_.path() / "base.json", source_);
    ASSERT_EQ(r.exit_code, 0) << r.all();
    source_summary_ = summary_of(r);
  }
  // A config that starts from source_, edited by the caller.
  json tuned() const {
    json j = base_;
    j["train"]["init_from"] = source_.string();
    return j;
  }
  CliResult train_tuned(const json& j, const fs::path& out, const std::string& more = "") {
    attend::testing_util::write_json_file(tmp_.path() / "tuned.json", j);
    return train(tmp_.path() / "tuned.json", out, more);
  }
  TempDir tmp_;
  const fs::path data_ = tmp_.path() / "data", source_ = tmp_.path() / "source";
  json base_, source_summary_;
};

TEST_F(CliSeq2SeqInitFrom, ZeroStepsKeepsTheSourceModelExactly) {
  // No training step: best/ must hold the source's best weights bit for bit and score as they did, and the
  // vocabularies must be the source's even though this run's training split (max_train 10) has fewer tokens.
  // With averaging on, best/ holds the average: equal to the source only if it was seeded after the load.
  json j = tuned();
  j["train"]["max_steps"] = 0;
  j["train"]["average_decay"] = 0.9;
  j["data"]["max_train"] = 10;
  const fs::path run = tmp_.path() / "zero";
  const CliResult r = train_tuned(j, run);
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(tensor_data(run / "best/model.safetensors"), tensor_data(source_ / "best/model.safetensors"));
  for (const char* f : {"src.vocab", "tgt.vocab", "src.codec.json", "tgt.codec.json"})
    EXPECT_EQ(read_bytes((run / f).string()), read_bytes((source_ / f).string())) << f;
  EXPECT_EQ(summary_of(r)["best_dev"]["wer"], source_summary_["best_dev"]["wer"]) << r.out;
  EXPECT_EQ(json::parse(read_bytes((run / "config.json").string()))["train"]["init_from"], source_.string());
}

TEST_F(CliSeq2SeqInitFrom, TrainingContinuesFromTheSourceWithNewTrainingSettings) {
  // Dropout and the schedule may change; the first steps' loss must be the trained model's, far below the
  // loss of the source run's own first steps from random weights.
  json j = tuned();
  j["model"]["dropout"] = 0.1;
  j["train"]["lr"] = 0.002;
  j["train"]["average_decay"] = 0.9;
  const fs::path run = tmp_.path() / "tuned";
  const CliResult r = train_tuned(j, run);
  ASSERT_EQ(r.exit_code, 0) << r.all();
  const Metrics source = read_metrics(source_);
  const double from_random = source.train.front()["loss"].get<double>();
  const double source_end = source.train.back()["loss"].get<double>();
  const double from_source = read_metrics(run).train.front()["loss"].get<double>();
  ASSERT_LT(source_end, 0.8 * from_random) << "the source run did not learn";
  EXPECT_LT(from_source, 0.5 * (from_random + source_end))
      << "the tuned run did not start from the source's weights: first losses " << from_source << " vs the source's "
      << from_random << " -> " << source_end;
  EXPECT_NE(tensor_data(run / "best/model.safetensors"), tensor_data(source_ / "best/model.safetensors"))
      << "30 steps changed nothing";
}

TEST_F(CliSeq2SeqInitFrom, AMismatchedSourceIsAOneLineErrorAndLeavesNoRun) {
  struct Case {
    std::string label;
    std::function<void(json&)> edit;
    std::string needle;
  };
  const std::string missing = (tmp_.path() / "missing").string();
  const std::vector<Case> cases = {
      {"hidden", [](json& j) { j["model"]["hidden"] = 24; }, "model.hidden"},
      {"score", [](json& j) { j["model"]["attention"]["score"] = "dot"; }, "model.attention"},
      {"tokens", [](json& j) { j["data"]["src_tokens"] = "word"; }, "tokenises"},
      {"missing", [&](json& j) { j["train"]["init_from"] = missing; }, "not a trained model directory"},
      {"not_a_string", [](json& j) { j["train"]["init_from"] = 3; }, "train.init_from"},
      {"sides", [](json& j) { j["data"]["tgt"] = "src"; }, "translates"},
  };
  for (const Case& c : cases) {
    json j = tuned();
    c.edit(j);
    expect_config_error(tmp_, j.dump(), c.needle, c.label);
    EXPECT_FALSE(fs::exists(tmp_.path() / ("out_" + c.label))) << c.label << ": a failed start left files behind";
  }
  // A source whose weights are corrupt fails after its vocabularies were copied: the run must still vanish.
  const fs::path corrupt = tmp_.path() / "corrupt";
  fs::copy(source_, corrupt, fs::copy_options::recursive);
  attend::testing_util::write_bytes((corrupt / "best/model.safetensors").string(), "not safetensors");
  json j = tuned();
  j["train"]["init_from"] = corrupt.string();
  expect_config_error(tmp_, j.dump(), "model.safetensors", "corrupt");
  EXPECT_FALSE(fs::exists(tmp_.path() / "out_corrupt")) << "a failed start left the copied vocabularies behind";
  // Attention settings that shape no parameter may differ.
  j = tuned();
  j["model"]["attention"]["temperature_init"] = 2.0;
  j["train"]["max_steps"] = 0;
  const CliResult r = train_tuned(j, tmp_.path() / "temperature");
  EXPECT_EQ(r.exit_code, 0) << r.all();
}

TEST_F(CliSeq2SeqInitFrom, ResumedTuningEqualsOneGo) {
  // --resume continues from the run's own checkpoint (not from the source again).
  const json j = tuned();
  const fs::path one = tmp_.path() / "one", legs = tmp_.path() / "legs";
  ASSERT_EQ(train_tuned(j, one).exit_code, 0);
  ASSERT_EQ(train_tuned(j, legs, "--max-steps 13").exit_code, 0);
  const CliResult r = train(tmp_.path() / "tuned.json", legs, "--resume");
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(tensor_data(legs / "checkpoint/model.safetensors"), tensor_data(one / "checkpoint/model.safetensors"));
  EXPECT_EQ(tensor_data(legs / "best/model.safetensors"), tensor_data(one / "best/model.safetensors"));
}

TEST(CliSeq2SeqConfig, BadDataIsAOneLineErrorNamingTheFile) {
  TempDir tmp;
  const fs::path data = tmp.path() / "data";
  attend::testing_util::write_toy_g2p(data, {.train = 20, .dev = 5, .test = 5});
  const json good = attend::testing_util::toy_g2p_config(data);

  json j = good;
  j["data"]["dir"] = (tmp.path() / "no_such_dir").string();
  expect_config_error(tmp, j.dump(), "no_such_dir", "missing_dir");
  j = good;
  j["data"]["tgt"] = "phones";
  expect_config_error(tmp, j.dump(), "train.phones", "missing_side");

  // train.src with one line more than train.tgt: both files and both counts named.
  attend::testing_util::write_bytes((data / "train.src").string(), read_bytes((data / "train.src").string()) + "zz\n");
  const CliResult r = expect_config_error(tmp, good.dump(), "21", "count_mismatch");
  EXPECT_NE(r.err.find("train.src"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("train.tgt"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("20"), std::string::npos) << r.err;
}

TEST(CliSeq2SeqConfig, BadDevDataLeavesNoRunBehind) {
  // The dev split is read after the codecs are built: an error there must not leave a half-made run that
  // blocks the next attempt ("already holds a training run").
  TempDir tmp;
  const fs::path data = tmp.path() / "data", out = tmp.path() / "run", cfg = tmp.path() / "g2p.json";
  attend::testing_util::write_toy_g2p(data, {.train = 20, .dev = 5, .test = 5});
  json j = attend::testing_util::toy_g2p_config(data);
  j["train"]["max_steps"] = 2;
  attend::testing_util::write_json_file(cfg, j);
  const std::string dev_tgt = read_bytes((data / "dev.tgt").string());
  attend::testing_util::write_bytes((data / "dev.tgt").string(), dev_tgt + "A B\n");
  CliResult r = train(cfg, out);
  EXPECT_EQ(r.exit_code, 1) << r.all();
  EXPECT_EQ(split_lines(r.all()).size(), 1u) << r.all();
  EXPECT_NE(r.err.find("dev.tgt"), std::string::npos) << r.err;
  // Fixed data: the same command now trains.
  attend::testing_util::write_bytes((data / "dev.tgt").string(), dev_tgt);
  r = train(cfg, out);
  EXPECT_EQ(r.exit_code, 0) << r.all();
}

TEST(CliSeq2SeqConfig, EveryPairFilteredOut) {
  TempDir tmp;
  const fs::path data = tmp.path() / "data";
  attend::testing_util::write_toy_g2p(data, {.min_len = 4, .max_len = 5, .train = 20, .dev = 5, .test = 5});
  json j = attend::testing_util::toy_g2p_config(data);
  j["data"]["max_length"] = 2;
  expect_config_error(tmp, j.dump(), "no training pairs", "all_too_long");
}

}  // namespace
