// The config-file training loop for EncoderDecoder models on parallel corpora.
#include "seq2seq_trainer.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>

#include "autograd/tape.h"
#include "base/error.h"
#include "base/printable.h"
#include "data/batcher.h"
#include "data/parallel_corpus.h"
#include "data/text_file.h"
#include "eval/aer.h"
#include "evaluate.h"
#include "gold_alignment.h"
#include "guided_alignment.h"
#include "metrics_file.h"
#include "nn/checkpoint.h"
#include "nn/clip.h"
#include "nn/optim.h"
#include "nn/parameter_average.h"
#include "nn/schedule.h"
#include "progress.h"
#include "translator.h"
#include "viz/curve_svg.h"
#include "base/json_excerpt.h"

namespace attend::app {

namespace fs = std::filesystem;

namespace {

void write_json_atomically(const fs::path& path, const nlohmann::json& j) {
  data::write_text_atomic(path.string(), j.dump(2) + "\n", "run config");
}

void report_corpus(const char* split, const data::CorpusStats& s, bool quiet) {
  if (quiet) return;
  std::fprintf(stderr,
               "%s: %lld line pairs, %lld kept, %lld dropped empty, %lld dropped longer than the limit; "
               "%lld unknown source tokens, %lld unknown target tokens\n",
               split, static_cast<long long>(s.lines), static_cast<long long>(s.kept), static_cast<long long>(s.empty),
               static_cast<long long>(s.too_long), static_cast<long long>(s.src_unknown),
               static_cast<long long>(s.tgt_unknown));
}

// With max_lines > 0, keeps at most that many items, every k-th (spread over the whole file, which may be
// sorted, e.g. CMUdict is alphabetical).
template <class T>
void keep_spread(std::vector<T>& v, int64_t max_lines) {
  const size_t n = v.size();
  if (max_lines <= 0 || static_cast<size_t>(max_lines) >= n) return;
  const size_t keep = static_cast<size_t>(max_lines);
  for (size_t i = 0; i < keep; ++i) v[i] = std::move(v[i * n / keep]);
  v.resize(keep);
}

// The split's line pairs (at most max_lines of them, spread, when max_lines > 0).
data::ParallelLines read_split(const RunConfig& cfg, const std::string& split, int64_t max_lines) {
  data::ParallelLines lines = data::read_parallel_lines(cfg.split_path(split, true), cfg.split_path(split, false));
  keep_spread(lines.src, max_lines);
  keep_spread(lines.tgt, max_lines);
  return lines;
}

// Guided alignment: the token links of the training lines from <dir>/<guide_file> (the same lines read_split kept).
TokenLinks read_guide_links(const RunConfig& cfg, const data::ParallelLines& lines, const data::TextCodec& src,
                            const data::TextCodec& tgt) {
  const std::string path = (fs::path(cfg.data.dir) / cfg.train.guide_file).string();
  ATTEND_CHECK(fs::is_regular_file(path), "train: train.guided_alignment needs links of the training split in {}", path);
  std::vector<eval::Alignment> gold = read_model_gold(cfg, path);
  keep_spread(gold, cfg.data.max_train);
  std::vector<std::vector<std::pair<int32_t, int32_t>>> word_links(gold.size());
  for (size_t i = 0; i < gold.size(); ++i)
    for (const eval::Link& l : gold[i].all()) word_links[i].emplace_back(l.src, l.tgt);
  return token_links(word_links, lines, src, tgt);
}

// Mean teacher-forced NLL per target token (no label smoothing) over the examples.
double dev_loss(models::EncoderDecoder& model, const std::vector<data::Example>& examples, int64_t max_tokens, Rng& rng) {
  NoGradGuard no_grad;
  const bool was_training = model.training();
  model.eval();
  double nll = 0;
  int64_t tokens = 0;
  for (const auto& positions : data::plan_eval_batches(examples, max_tokens)) {
    const models::LossResult r = model.loss(data::make_seq_batch(examples, positions), 0.0, rng);
    nll += r.nll_sum;
    tokens += r.tokens;
  }
  model.train(was_training);
  return tokens > 0 ? nll / static_cast<double>(tokens) : 0.0;
}

// The checkpoint was saved with the run's config. A config.json whose model or data section was edited since
// (or copied from another run) would build a model the checkpoint does not fit, or one it fits by shape but
// with other meanings; the train section may change between legs (more steps, another LR). The stored config
// is read back through RunConfig, so fields added to the format since it was written take their defaults.
void check_checkpoint_config(const RunConfig& config, const fs::path& dir) {
  const fs::path checkpoint = dir / "checkpoint";
  if (!fs::exists(checkpoint / "state.json")) return;  // no checkpoint yet: the resume itself reports it
  nlohmann::json saved = RunConfig::from_json(nn::read_checkpoint_state(checkpoint.string()).config).to_json();
  nlohmann::json now = config.to_json();
  saved.erase("train");
  now.erase("train");
  if (saved == now) return;
  const nlohmann::json patch = nlohmann::json::diff(saved, now);
  const nlohmann::json::json_pointer at(patch.empty() ? std::string() : patch[0].value("path", std::string()));
  auto value = [&](const nlohmann::json& j) {
    return j.contains(at) ? json_excerpt(j.at(at), 60) : std::string("absent");
  };
  ATTEND_FAIL("train: {}/config.json differs from the config its checkpoint was saved with, first at {}: {} there, "
              "{} in the checkpoint", dir.string(), at.to_string(), value(now), value(saved));
}

// train.init_from: checks that the model directory a fresh run starts from has the model this config asks
// for, then copies its vocabularies into the run (the weights are only meaningful with them).
void take_init_codecs(LoadedModel& m, const fs::path& dir) {
  const fs::path from = m.config.train.init_from;
  ATTEND_CHECK(fs::is_regular_file(from / "config.json") && fs::is_regular_file(from / "best" / "state.json"),
               "train: train.init_from '{}' is not a trained model directory (it needs config.json and best/)",
               from.string());
  const RunConfig init = RunConfig::load((from / "config.json").string());
  ATTEND_CHECK(init.data.src == m.config.data.src && init.data.tgt == m.config.data.tgt,
               "train: train.init_from '{}' translates {} -> {}, this config {} -> {}", from.string(), init.data.src,
               init.data.tgt, m.config.data.src, m.config.data.tgt);
  ATTEND_CHECK(init.data.src_codec.kind == m.config.data.src_codec.kind &&
                   init.data.tgt_codec.kind == m.config.data.tgt_codec.kind,
               "train: train.init_from '{}' tokenises {} -> {}, this config {} -> {}", from.string(),
               data::token_kind_name(init.data.src_codec.kind), data::token_kind_name(init.data.tgt_codec.kind),
               data::token_kind_name(m.config.data.src_codec.kind), data::token_kind_name(m.config.data.tgt_codec.kind));
  m.config.model.src_vocab = init.model.src_vocab;
  m.config.model.tgt_vocab = init.model.tgt_vocab;
  nlohmann::json theirs = init.model.to_json(), ours = m.config.model.to_json();
  // Settings that shape no parameter (or only a starting value the loaded weights replace).
  for (nlohmann::json* j : {&theirs, &ours}) {
    for (const char* key : {"dropout", "entropy_weight", "baseline_decay"}) j->erase(key);
    if ((*j)["attention"].is_object())
      for (const char* key : {"temperature_init", "gumbel_tau"}) (*j)["attention"].erase(key);
  }
  for (const auto& [key, value] : theirs.items())
    ATTEND_CHECK(ours[key] == value, "train: train.init_from '{}' has model.{} = {}, this config {}", from.string(),
                 key, json_excerpt(value), json_excerpt(ours[key]));
  m.src = data::TextCodec::copy(from.string(), dir.string(), "src");
  m.tgt = data::TextCodec::copy(from.string(), dir.string(), "tgt");
}

}  // namespace

Seq2SeqTrainSummary train_seq2seq(const Seq2SeqTrainOptions& opt) {
  ATTEND_CHECK(!opt.out_dir.empty(), "train: --config needs --out DIR for the model");
  const fs::path dir = opt.out_dir;
  const bool has_run = fs::exists(dir / "config.json");
  // config.json marks a run: a fresh run writes it only once its data, model and schedule are set up, and
  // removes the directory it created when that setup fails, so a failed start never blocks the next one.
  struct RemoveOnFailure {
    fs::path dir;
    bool armed = false;
    ~RemoveOnFailure() {
      std::error_code ec;
      if (armed) fs::remove_all(dir, ec);
    }
  } cleanup{dir};
  LoadedModel m;
  if (opt.resume) {
    ATTEND_CHECK(has_run, "train: --resume but {} holds no training run (no config.json)", dir.string());
    m.config = RunConfig::load((dir / "config.json").string());
    check_checkpoint_config(m.config, dir);
    if (!opt.config_path.empty()) {
      RunConfig given = RunConfig::load(opt.config_path);
      given.model.src_vocab = m.config.model.src_vocab;
      given.model.tgt_vocab = m.config.model.tgt_vocab;
      ATTEND_CHECK(given.to_json() == m.config.to_json(),
                   "train: --resume with a config that differs from the one in {}/config.json", dir.string());
    }
    m.src = data::TextCodec::load(dir.string(), "src");
    m.tgt = data::TextCodec::load(dir.string(), "tgt");
  } else {
    ATTEND_CHECK(!opt.config_path.empty(), "train: --config FILE is required");
    ATTEND_CHECK(!has_run, "train: {} already holds a training run; use --resume to continue it or another --out",
                 dir.string());
    m.config = RunConfig::load(opt.config_path);
    cleanup.armed = !fs::exists(dir);
    fs::create_directories(dir);
    if (!m.config.train.init_from.empty()) {
      take_init_codecs(m, dir);
    } else {
      // Vocabularies come from the training split only.
      const data::ParallelLines train_lines = read_split(m.config, "train", m.config.data.max_train);
      m.src = data::TextCodec::build(train_lines.src, m.config.data.src_codec, dir.string(), "src");
      m.tgt = data::TextCodec::build(train_lines.tgt, m.config.data.tgt_codec, dir.string(), "tgt");
    }
    m.config.model.src_vocab = m.src.vocab().size();
    m.config.model.tgt_vocab = m.tgt.vocab().size();
  }
  const RunConfig& cfg = m.config;
  const TrainSection& tr = cfg.train;
  const int64_t max_steps = opt.max_steps >= 0 ? opt.max_steps : tr.max_steps;

  auto tokenizer = [](const data::TextCodec& c) -> data::LineTokenizer {
    return [&c](std::string_view line) { return c.encode(line); };
  };
  const data::ParallelLines train_lines = read_split(cfg, "train", cfg.data.max_train);
  data::ParallelCorpus train = data::tokenize_parallel(train_lines, tokenizer(m.src), tokenizer(m.tgt),
                                                       {.max_length = cfg.data.max_length});
  const TokenLinks guide_links =
      tr.guided_alignment > 0 ? read_guide_links(cfg, train_lines, m.src, m.tgt) : TokenLinks();
  report_corpus("train", train.stats, opt.quiet);
  ATTEND_CHECK(!train.examples.empty(), "train: no training pairs left in {} after filtering", cfg.data.dir);
  data::ParallelCorpus dev = data::tokenize_parallel(read_split(cfg, "dev", tr.valid_sentences), tokenizer(m.src),
                                                     tokenizer(m.tgt));
  // An empty dev split would score 0 errors and look perfect: validation and early stopping need pairs.
  ATTEND_CHECK(!dev.examples.empty(), "train: the dev split {} has no line pairs with text on both sides",
               cfg.split_path("dev", true));

  Rng init_rng(tr.seed);
  m.model = std::make_unique<models::EncoderDecoder>(cfg.model, init_rng);
  // A fresh fine-tuning run starts from the other run's best weights; a resumed one from its own checkpoint.
  if (!opt.resume && !tr.init_from.empty())
    nn::load_checkpoint((fs::path(tr.init_from) / "best").string(), *m.model, nullptr);
  nn::Adam optimizer(m.model->named_parameters(), {.lr = tr.lr});
  std::unique_ptr<nn::ParameterAverage> average;
  if (tr.average_decay > 0) average = std::make_unique<nn::ParameterAverage>(*m.model, tr.average_decay);
  const nn::Schedule schedule = nn::Schedule::parse(tr.schedule, tr.lr);
  data::Batcher batcher(std::move(train.examples), {.max_tokens = tr.max_tokens, .seed = tr.seed});
  Rng dropout_rng(tr.seed * 104729 + 3);
  if (!opt.resume) {
    write_json_atomically(dir / "config.json", m.config.to_json());
    std::ofstream(dir / "metrics.jsonl", std::ios::trunc);
    cleanup.armed = false;
  }

  // A run stopped by --max-steps before train.max_steps is one leg of a longer run that --resume continues:
  // it writes no log line or validation off the config's grid, so the legs together equal one go.
  const bool partial = opt.max_steps >= 0 && opt.max_steps < tr.max_steps;
  int64_t step = 0, bad_validations = 0;
  // The steps since the last log line (saved in checkpoints: a resumed run's next line averages the same steps).
  int64_t window_steps = 0, window_tokens = 0;
  double window_loss = 0, window_seconds = 0, window_guide = 0;
  double best = std::numeric_limits<double>::infinity();
  bool stopped = false;
  nlohmann::json best_dev = nullptr, provisional_dev = nullptr;
  // A damaged best/ found by --resume (the checkpoint is what resuming needs) is reported and replaced at the
  // next validation, or at the end of this leg when none comes, rather than left broken.
  bool best_unreadable = false;
  if (opt.resume) {
    if (fs::exists(dir / "best")) {
      try {
        nn::load_checkpoint((dir / "best").string(), *m.model, nullptr);  // overwritten by the checkpoint below
      } catch (const Error& e) {
        best_unreadable = true;
        std::fprintf(stderr, "train: %s is unreadable (%s); it will be replaced\n",
                     printable((dir / "best").string()).c_str(), e.message().c_str());
      }
    }
    const nn::CheckpointState st = nn::load_checkpoint((dir / "checkpoint").string(), *m.model, &optimizer);
    step = st.step;
    ATTEND_CHECK(st.rng && st.extra.contains("batcher") && st.extra.contains("best"),
                 "train: checkpoint in {} lacks the state needed to resume", (dir / "checkpoint").string());
    dropout_rng.set_state(*st.rng);
    if (average) {
      ATTEND_CHECK(st.extra.contains("average_updates") && !st.tensors.empty(),
                   "train: checkpoint in {} holds no weight average, but train.average_decay is set",
                   (dir / "checkpoint").string());
      average->load(st.tensors, st.extra["average_updates"].get<int64_t>());
    }
    batcher.restore(data::batcher_state_from_json(st.extra["batcher"]));
    best = st.extra["best"].is_null() ? best : st.extra["best"].get<double>();
    bad_validations = st.extra.value("bad_validations", int64_t{0});
    stopped = st.extra.value("stopped_early", false);
    best_dev = st.extra.value("best_dev", nlohmann::json(nullptr));
    if (best_unreadable) {
      best = std::numeric_limits<double>::infinity();
      best_dev = nullptr;
    }
    if (m.model->baseline() && st.extra.contains("baseline"))
      m.model->baseline()->set_average(st.extra["baseline"][0].get<double>(), st.extra["baseline"][1].get<int64_t>());
    if (st.extra.contains("log_window")) {
      const nlohmann::json& w = st.extra["log_window"];
      window_steps = w.at("steps").get<int64_t>();
      window_tokens = w.at("tokens").get<int64_t>();
      window_loss = w.at("loss_sum").get<double>();
      window_seconds = w.at("seconds").get<double>();
      window_guide = w.value("guide_sum", 0.0);
    }
    truncate_metrics(dir / "metrics.jsonl", step);
  }

  auto save = [&] {
    nn::CheckpointState st;
    st.step = step;
    st.config = cfg.to_json();
    st.rng = dropout_rng.state();
    st.extra = {{"batcher", data::batcher_state_to_json(batcher.state())},
                {"best", std::isfinite(best) ? nlohmann::json(best) : nlohmann::json(nullptr)},
                {"bad_validations", bad_validations},
                {"stopped_early", stopped},
                {"best_dev", best_dev},
                {"log_window",
                 {{"steps", window_steps}, {"tokens", window_tokens}, {"loss_sum", window_loss},
                  {"seconds", window_seconds}, {"guide_sum", window_guide}}}};
    if (m.model->baseline())
      st.extra["baseline"] = {m.model->baseline()->average(), m.model->baseline()->observed()};
    if (average) {
      st.extra["average_updates"] = average->updates();
      st.tensors = average->state();
    }
    nn::save_checkpoint((dir / "checkpoint").string(), *m.model, &optimizer, st);
  };

  std::ofstream metrics(dir / "metrics.jsonl", std::ios::app);
  Progress progress(max_steps, step, tr.log_every);
  double train_seconds = 0;
  int64_t train_tokens = 0;
  auto validate = [&] {
    const nn::AveragedWeightsScope averaged(average.get());  // validated and kept as best: the average
    EvalOptions eo;
    eo.translate.search.beam = tr.valid_beam;
    eo.max_sentences = tr.valid_sentences;
    eo.alignments = false;
    nlohmann::json j = evaluate_split(m, "dev", eo);
    j["dev_loss"] = dev_loss(*m.model, dev.examples, tr.max_tokens, dropout_rng);
    j["step"] = step;
    const double objective = validation_objective(cfg, j);
    // A tie on the dev metric (a g2p or toy model at 0% WER, say) is broken by the dev loss.
    const bool tie_better = objective == best && best_dev.is_object() && best_dev.contains("dev_loss") &&
                            j["dev_loss"].get<double>() < best_dev["dev_loss"].get<double>();
    const bool improved = objective < best || tie_better;
    if (improved) {
      best = objective;
      bad_validations = 0;
      best_dev = j;
      nn::CheckpointState st;
      st.step = step;
      st.config = cfg.to_json();
      st.extra = {{"dev", j}};
      nn::save_checkpoint((dir / "best").string(), *m.model, nullptr, st);
      best_unreadable = false;
    } else {
      ++bad_validations;
    }
    nlohmann::json line = {{"step", step}, {"dev_loss", j["dev_loss"]}, {"improved", improved}};
    for (const char* k : {"per", "wer", "bleu", "chrf"})
      if (j.contains(k)) line[std::string("dev_") + k] = j[k];
    metrics << line.dump() << '\n';
    metrics.flush();
    if (!opt.quiet) std::fprintf(stderr, "%svalidation %s\n", progress.interactive() ? "\n" : "", line.dump().c_str());
    if (tr.patience > 0 && bad_validations >= tr.patience) stopped = true;
  };

  m.model->train();
  while (step < max_steps && !stopped && (tr.max_epochs == 0 || batcher.epoch() < tr.max_epochs)) {
    const auto t0 = std::chrono::steady_clock::now();
    const data::SeqBatch batch = batcher.next();
    const Tensor guide = tr.guided_alignment > 0 ? guide_matrix(batch, guide_links) : Tensor();
    auto frozen = m.model->freeze_parameters_for_bf16();  // forward and backward see fixed weights
    const models::LossResult r = m.model->loss(batch, tr.label_smoothing, dropout_rng, guide, tr.guided_alignment);
    const double loss_value = r.loss.item();
    ATTEND_CHECK(std::isfinite(loss_value), "train: the loss became {} at step {} (lower train.lr?)", loss_value,
                 step + 1);
    r.loss.backward();
    frozen.reset();  // before the optimizer changes them
    const double norm = tr.clip > 0 ? nn::clip_grad_norm(optimizer.params(), tr.clip) : 0.0;
    optimizer.set_lr(schedule.lr_at(step));
    optimizer.step();
    optimizer.zero_grad();
    if (average) average->update();
    ++step;
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    train_seconds += dt;
    train_tokens += batch.tokens;
    window_loss += loss_value;
    window_guide += r.guide_loss;
    window_tokens += batch.tokens;
    window_seconds += dt;
    ++window_steps;
    if (step % tr.log_every == 0 || (step == max_steps && !partial)) {
      nlohmann::json line = {{"step", step},
                             {"epoch", batcher.epoch()},
                                   {"loss", window_loss / static_cast<double>(window_steps)},
                                   {"grad_norm", norm},
                                   {"lr", optimizer.lr()},
                                   {"tokens_per_s", static_cast<double>(window_tokens) / window_seconds}};
      if (tr.guided_alignment > 0) line["guide_loss"] = window_guide / static_cast<double>(window_steps);
      metrics << line.dump() << '\n';
      window_loss = window_seconds = window_guide = 0;
      window_steps = window_tokens = 0;
    }
    if (!opt.quiet) progress.update(step, loss_value, batch.tokens);
    if (step % tr.valid_every == 0) validate();
    if (step % tr.checkpoint_every == 0) {
      metrics.flush();
      save();
    }
  }
  if (!opt.quiet) progress.finish();
  if (!fs::exists(dir / "best" / "state.json") || best_unreadable) {
    // A run shorter than valid_every still gets a best. One leg of a longer run gets a provisional one that
    // changes no training state (the next leg's first validation replaces it, as in the run in one go).
    if (partial && !stopped) {
      const nn::AveragedWeightsScope averaged(average.get());
      EvalOptions eo;
      eo.translate.search.beam = tr.valid_beam;
      eo.max_sentences = tr.valid_sentences;
      eo.alignments = false;
      nlohmann::json j = evaluate_split(m, "dev", eo);
      j["step"] = step;
      nn::CheckpointState st;
      st.step = step;
      st.config = cfg.to_json();
      st.extra = {{"dev", j}, {"provisional", true}};
      nn::save_checkpoint((dir / "best").string(), *m.model, nullptr, st);
      provisional_dev = j;
    } else {
      validate();
    }
  }
  metrics.flush();
  save();
  try {
    viz::write_metrics_curve_svg((dir / "metrics.jsonl").string(),
                                 {"loss", "dev_loss", cfg.task == TaskKind::G2p ? "dev_wer" : "dev_bleu"},
                                 (dir / "curve.svg").string());
  } catch (const Error& e) {
    if (!opt.quiet) std::fprintf(stderr, "train: no curve drawn: %s\n", e.message().c_str());
  }
  Seq2SeqTrainSummary s;
  s.steps = step;
  s.seconds = train_seconds;
  s.tokens_per_s = train_seconds > 0 ? static_cast<double>(train_tokens) / train_seconds : 0;
  s.stopped_early = stopped;
  s.best_dev = best_dev.is_null() ? provisional_dev : best_dev;
  return s;
}

}  // namespace attend::app
