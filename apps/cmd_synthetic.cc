// `attend train --task reverse|copy ...` trains the built-in synthetic tasks with checkpoints and --resume
// (config-file training of the real-data models arrives with the seq2seq issue); `attend demo` trains the
// reversal task with the fixed-vector LSTM encoder-decoder and prints accuracy by length.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>

#include "command.h"
#include "demos.h"
#include "recall_trainer.h"
#include "seq2seq_trainer.h"
#include "synthetic_trainer.h"
#include "tensor/threads.h"
#include <chrono>

namespace attend::app {
namespace {

struct TrainCli {
  SyntheticTrainOptions opt;
  std::string task = "reverse";
  std::string attention = "none";  // a score name, or none
  std::string attention_json;      // further AttentionConfig keys as JSON
  RecallTrainOptions recall;       // --task recall
  std::vector<int64_t> eval_lengths;  // after training: accuracy at these lengths (JSON lines)
  std::string config;                 // --config: real-data training (seq2seq_trainer.h)
  int64_t max_steps = -1;
};

// attend train --config FILE --out DIR [--resume]: prints one JSON line with the run's summary.
int run_config_training(const TrainCli& c) {
  Seq2SeqTrainOptions o;
  o.config_path = c.config;
  o.out_dir = c.opt.out_dir;
  o.resume = c.opt.resume;
  o.quiet = c.opt.quiet;
  o.max_steps = c.max_steps;
  const Seq2SeqTrainSummary s = train_seq2seq(o);
  nlohmann::json j = {{"model_dir", o.out_dir},     {"steps", s.steps},
                      {"train_seconds", s.seconds}, {"train_tokens_per_s", s.tokens_per_s},
                      {"stopped_early", s.stopped_early}, {"best_dev", s.best_dev}};
  std::printf("%s\n", j.dump().c_str());
  return 0;
}

void add_synthetic_options(CLI::App& cmd, TrainCli& c) {
  cmd.add_option("--task", c.task, "built-in task: reverse | copy (seq2seq), recall (long-range classification)")
      ->check(CLI::IsMember({"reverse", "copy", "recall"}));
  cmd.add_option("--steps", c.opt.steps, "training steps")->check(CLI::Range(int64_t{0}, int64_t{100000000}));
  cmd.add_option("--batch", c.opt.batch, "sequences per batch")->check(CLI::Range(int64_t{1}, int64_t{1 << 20}));
  cmd.add_option("--vocab", c.opt.task.vocab, "vocabulary incl. 3 special ids")->check(CLI::Range(int64_t{4}, int64_t{1 << 20}));
  cmd.add_option("--min-length", c.opt.task.min_length, "shortest sequence")->check(CLI::Range(int64_t{1}, int64_t{100000}));
  cmd.add_option("--max-length", c.opt.task.max_length, "longest sequence")->check(CLI::Range(int64_t{1}, int64_t{100000}));
  cmd.add_option("--embed", c.opt.model.embed, "embedding size")->check(CLI::Range(int64_t{1}, int64_t{1 << 16}));
  cmd.add_option("--hidden", c.opt.model.hidden, "LSTM hidden size")->check(CLI::Range(int64_t{1}, int64_t{1 << 16}));
  cmd.add_option("--layers", c.opt.model.layers, "LSTM layers")->check(CLI::Range(int64_t{1}, int64_t{64}));
  cmd.add_option("--dropout", c.opt.model.dropout, "dropout probability")->check(CLI::Range(0.0, 0.99));
  cmd.add_option("--lr", c.opt.lr, "peak learning rate (Adam)")->check(CLI::Range(0.0, 10.0));
  cmd.add_option("--clip", c.opt.clip, "global gradient-norm clip (0 = off)")->check(CLI::Range(0.0, 1e9));
  cmd.add_option("--schedule", c.opt.schedule, "constant | step:step_size=N,gamma=G | inverse_sqrt:warmup=N | cosine:warmup=N,total_steps=N");
  cmd.add_option("--seed", c.opt.seed, "random seed");
  cmd.add_option("--attention", c.attention, "none | dot | scaled_dot | general | additive | location | cosine")
      ->check(CLI::IsMember({"none", "dot", "scaled_dot", "general", "additive", "location", "cosine"}));
  cmd.add_option("--attention-config", c.attention_json,
                 "more attention settings as JSON, e.g. '{\"normalizer\":\"sparsemax\",\"window\":\"local_p\",\"window_radius\":4}'");
}

// The attention config the flags describe (none when --attention none and no JSON).
std::optional<attention::AttentionConfig> attention_from_flags(const TrainCli& c) {
  if (c.attention == "none") {
    ATTEND_CHECK(c.attention_json.empty(), "train: --attention-config given with --attention none");
    return std::nullopt;
  }
  nlohmann::json j = nlohmann::json::object();
  if (!c.attention_json.empty()) {
    j = nlohmann::json::parse(c.attention_json, nullptr, false);
    ATTEND_CHECK(!j.is_discarded() && j.is_object(), "train: --attention-config is not a JSON object: {}",
                 c.attention_json);
  }
  j["score"] = c.attention;
  attention::AttentionConfig a = attention::AttentionConfig::from_json(j);
  // The location score rates a fixed number of source positions: the longest source.
  if (a.score == attention::Score::Location && a.max_keys == 0) a.max_keys = c.opt.task.max_length;
  return a;
}

void finalize(TrainCli& c) {
  c.opt.task.task = c.task == "copy" ? data::SyntheticTask::Copy : data::SyntheticTask::Reverse;
  c.opt.model.src_vocab = c.opt.model.tgt_vocab = c.opt.task.vocab;
  c.opt.model.attention = attention_from_flags(c);
  ATTEND_CHECK(c.opt.task.min_length <= c.opt.task.max_length, "train: --min-length {} exceeds --max-length {}",
               c.opt.task.min_length, c.opt.task.max_length);
}

int run_recall(TrainCli& c);

ATTEND_COMMAND("train", "train a model from a config file (--config) or a built-in task (--task), with --resume",
               [](CLI::App& cmd) {
                 auto c = std::make_shared<TrainCli>();
                 add_synthetic_options(cmd, *c);
                 cmd.add_option("--out", c->opt.out_dir, "run directory: checkpoints and metrics.jsonl (reverse/copy)");
                 cmd.add_option("--eval-lengths", c->eval_lengths,
                                "after training, held-out accuracy at these lengths (JSON lines)")
                     ->delimiter(',')
                     ->check(CLI::Range(int64_t{1}, int64_t{100000}));
                 cmd.add_option("--model", c->recall.kind, "recall: lstm | hierarchical")
                     ->check(CLI::IsMember({"lstm", "hierarchical"}));
                 cmd.add_option("--length", c->recall.length, "recall: sequence length")
                     ->check(CLI::Range(int64_t{4}, int64_t{10000000}));
                 cmd.add_option("--chunk", c->recall.model.chunk, "recall: hierarchical chunk size")
                     ->check(CLI::Range(int64_t{1}, int64_t{1000000}));
                 cmd.add_option("--levels", c->recall.model.levels, "recall: hierarchical attention levels")
                     ->check(CLI::Range(2, 16));
                 cmd.add_option("--checkpoint-every", c->opt.checkpoint_every, "steps between checkpoints")
                     ->check(CLI::Range(int64_t{0}, int64_t{100000000}));
                 cmd.add_option("--log-every", c->opt.log_every, "steps between log lines (no terminal)")
                     ->check(CLI::Range(int64_t{1}, int64_t{100000000}));
                 cmd.add_flag("--resume", c->opt.resume, "continue from the checkpoint in --out");
                 cmd.add_flag("--quiet", c->opt.quiet, "no progress output");
                 cmd.add_option("--config", c->config,
                                "train a model on real data from a config file (configs/*.json); --out is the model "
                                "directory");
                 cmd.add_option("--max-steps", c->max_steps, "with --config: override train.max_steps")
                     ->check(CLI::Range(int64_t{0}, int64_t{100000000}));
                 CLI::App* app = &cmd;  // outlives the action: both live until the command has run
                 return std::function<int()>([c, app] {
                   if (!c->config.empty() ||
                       (c->opt.resume && std::filesystem::exists(std::filesystem::path(c->opt.out_dir) / "config.json"))) {
                     // The built-in tasks' flags mean nothing to a config run: say so rather than ignore them.
                     for (const CLI::Option* o : app->get_options())
                       if (o->count() > 0 && o->get_name() != "--config" && o->get_name() != "--out" &&
                           o->get_name() != "--resume" && o->get_name() != "--quiet" && o->get_name() != "--max-steps")
                         ATTEND_FAIL("train: {} is a flag of the built-in tasks (--task); a --config run takes its "
                                     "settings from the config file (and --max-steps)", o->get_name());
                     return run_config_training(*c);
                   }
                   if (c->task == "recall") return run_recall(*c);
                   ATTEND_CHECK(!c->opt.out_dir.empty(), "train: --task {} needs --out DIR", c->task);
                   finalize(*c);
                   auto model = train_synthetic(c->opt);
                   if (!c->eval_lengths.empty()) {
                     auto acc = accuracy_by_length(*model, c->opt.task, c->eval_lengths, 200, c->opt.seed + 1000);
                     for (auto& a : acc)
                       std::printf("{\"attention\":\"%s\",\"length\":%lld,\"sequence_accuracy\":%.4f,"
                                   "\"token_accuracy\":%.4f}\n",
                                   c->attention.c_str(), static_cast<long long>(a.length), a.sequence_accuracy,
                                   a.token_accuracy);
                   }
                   return 0;
                 });
               });

// --task recall: shares --steps/--batch/--vocab/--embed/--hidden/--lr/--clip/--seed with the seq2seq tasks and
// prints one JSON line with the held-out accuracy.
int run_recall(TrainCli& c) {
  RecallTrainOptions r = c.recall;
  r.steps = c.opt.steps;
  r.batch = c.opt.batch;
  r.lr = c.opt.lr;
  r.clip = c.opt.clip;
  r.seed = c.opt.seed;
  r.quiet = c.opt.quiet;
  r.model.vocab = c.opt.task.vocab;
  r.model.embed = c.opt.model.embed;
  r.model.hidden = c.opt.model.hidden;
  r.eval_lengths = c.eval_lengths;
  RecallReport rep = train_recall(r);
  std::string at;
  for (const auto& [len, acc] : rep.accuracy_at)
    at += std::string(at.empty() ? "" : ",") + "\"" + std::to_string(len) + "\":" + std::to_string(acc);
  std::printf("{\"task\":\"recall\",\"model\":\"%s\",\"length\":%lld,\"levels\":%d,\"chunk\":%lld,\"steps\":%lld,"
              "\"batch\":%lld,\"accuracy\":%.4f,\"accuracy_at\":{%s},\"chance\":%.4f,\"final_loss\":%.4f,"
              "\"train_seconds\":%.1f,\"threads\":%d}\n",
              r.kind.c_str(), static_cast<long long>(r.length), r.model.levels, static_cast<long long>(r.model.chunk),
              static_cast<long long>(r.steps), static_cast<long long>(r.batch), rep.accuracy, at.c_str(),
              1.0 / static_cast<double>(r.model.vocab - 4), rep.final_loss, rep.train_seconds, num_threads());
  return 0;
}

// Trains one model for the demo and returns its accuracy by length with the wall time.
std::vector<LengthAccuracy> demo_run(const SyntheticTrainOptions& opt, const std::vector<int64_t>& lengths,
                                     const char* label, double* seconds) {
  std::printf("training %s: %lld steps of %lld sequences...\n", label, static_cast<long long>(opt.steps),
              static_cast<long long>(opt.batch));
  std::fflush(stdout);
  auto t0 = std::chrono::steady_clock::now();
  auto model = train_synthetic(opt);
  *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return accuracy_by_length(*model, opt.task, lengths, 200, opt.seed + 1000);
}

int run_demo(TrainCli& c) {
  if (c.attention == "none") c.attention = "general";  // the demo compares none against this
  finalize(c);
  std::printf("attend demo: reverse random strings of %lld..%lld symbols (%lld-symbol alphabet) with two LSTM\n"
              "encoder-decoders (embed %lld, hidden %lld), trained alike:\n"
              "  none: WITHOUT attention, the decoder sees the input only through one fixed-size vector;\n"
              "  %s: WITH attention (Luong), each output step looks back at every input position.\n",
              static_cast<long long>(c.opt.task.min_length), static_cast<long long>(c.opt.task.max_length),
              static_cast<long long>(c.opt.task.vocab - data::kFirstSymbol), static_cast<long long>(c.opt.model.embed),
              static_cast<long long>(c.opt.model.hidden), c.attention.c_str());
  std::vector<int64_t> lengths;
  const int64_t lo = c.opt.task.min_length, hi = c.opt.task.max_length;
  for (int64_t k = 0; k < 8; ++k) {
    int64_t len = lo + (hi - lo) * k / 7;
    if (lengths.empty() || lengths.back() != len) lengths.push_back(len);
  }
  SyntheticTrainOptions plain = c.opt;
  plain.model.attention.reset();
  double t_plain = 0, t_att = 0;
  auto acc_plain = demo_run(plain, lengths, "without attention", &t_plain);
  auto acc_att = demo_run(c.opt, lengths, c.attention.c_str(), &t_att);
  std::printf("\nheld-out accuracy by length (200 fresh sequences each, greedy decoding; %d threads):\n",
              num_threads());
  std::printf("          %-26s %-26s\n", "without attention", (c.attention + " attention").c_str());
  std::printf("  length  %-12s %-13s %-12s %-13s\n", "sequence", "per-token", "sequence", "per-token");
  for (size_t i = 0; i < lengths.size(); ++i)
    std::printf("  %6lld  %7.1f%%     %7.1f%%       %7.1f%%     %7.1f%%\n", static_cast<long long>(lengths[i]),
                100 * acc_plain[i].sequence_accuracy, 100 * acc_plain[i].token_accuracy,
                100 * acc_att[i].sequence_accuracy, 100 * acc_att[i].token_accuracy);
  std::printf("training time: %.1f s without attention, %.1f s with\n", t_plain, t_att);
  return 0;
}

}  // namespace

std::function<int()> setup_reversal_demo(CLI::App& cmd) {
  auto c = std::make_shared<TrainCli>();
  c->opt.steps = 1000;
  c->opt.task.min_length = 2;
  c->opt.task.max_length = 24;
  c->opt.model.embed = 64;
  c->opt.model.hidden = 256;
  c->opt.checkpoint_every = 0;
  add_synthetic_options(cmd, *c);
  return [c] { return run_demo(*c); };
}

}  // namespace attend::app
