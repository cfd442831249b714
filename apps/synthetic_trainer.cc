// Synthetic-task training loop: fixed-seed batches, Adam + clipping + schedule, JSON-line metrics,
// atomic checkpoints every N steps, and an exact resume (model, optimizer, step and both RNG states).
#include "synthetic_trainer.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "autograd/tape.h"
#include "nn/checkpoint.h"
#include "nn/clip.h"
#include "nn/optim.h"
#include "nn/schedule.h"
#include "metrics_file.h"
#include "progress.h"
#include "base/json_excerpt.h"

namespace attend::app {
namespace fs = std::filesystem;

namespace {

const char* task_name(data::SyntheticTask t) { return t == data::SyntheticTask::Reverse ? "reverse" : "copy"; }

nlohmann::json run_config(const SyntheticTrainOptions& opt) {
  return {{"model", opt.model.to_json()},
          {"task", {{"name", task_name(opt.task.task)},
                    {"vocab", opt.task.vocab},
                    {"min_length", opt.task.min_length},
                    {"max_length", opt.task.max_length}}},
          {"batch", opt.batch},
          {"lr", opt.lr},
          {"clip", opt.clip},
          {"schedule", opt.schedule},
          {"seed", opt.seed}};
}

// "key: saved X, now Y" for every leaf that differs (nested keys joined with dots): the whole configs are
// too long for a one-line error.
void config_differences(const nlohmann::json& saved, const nlohmann::json& now, const std::string& prefix,
                        std::string& out) {
  auto note = [&](const std::string& key, const std::string& was, const std::string& is) {
    out += (out.empty() ? "" : "; ") + prefix + key + ": saved " + was + ", now " + is;
  };
  for (const auto& [key, v] : saved.items()) {
    const auto it = now.find(key);
    if (it == now.end()) note(key, json_excerpt(v, 60), "absent");
    else if (v.is_object() && it->is_object()) config_differences(v, *it, prefix + key + ".", out);
    else if (v != *it) note(key, json_excerpt(v, 60), json_excerpt(*it, 60));
  }
  for (const auto& [key, v] : now.items())
    if (!saved.contains(key)) note(key, "absent", json_excerpt(v, 60));
}

}  // namespace

std::unique_ptr<models::Seq2Seq> train_synthetic(const SyntheticTrainOptions& opt) {
  ATTEND_CHECK(opt.steps >= 0, "train: --steps must be >= 0, got {}", opt.steps);
  ATTEND_CHECK(!opt.resume || !opt.out_dir.empty(), "train: --resume needs --out DIR holding a checkpoint");
  Rng init_rng(opt.seed);
  auto model = std::make_unique<models::Seq2Seq>(opt.model, init_rng);
  nn::AdamOptions adam;
  adam.lr = opt.lr;
  nn::Adam optimizer(model->named_parameters(), adam);
  nn::Schedule schedule = nn::Schedule::parse(opt.schedule, opt.lr);
  Rng data_rng(opt.seed * 7919 + 1);
  Rng dropout_rng(opt.seed * 104729 + 3);

  int64_t step = 0;
  const fs::path dir = opt.out_dir;
  if (opt.resume) {
    nn::CheckpointState st = nn::load_checkpoint(dir.string(), *model, &optimizer);
    ATTEND_CHECK(st.config == run_config(opt),
                 "train: --resume with settings that differ from the checkpoint's: {}", [&] {
                   std::string diff;
                   config_differences(st.config, run_config(opt), "", diff);
                   return diff;
                 }());
    step = st.step;
    ATTEND_CHECK(st.rng.has_value() && st.extra.contains("dropout_rng"),
                 "train: checkpoint in {} lacks the RNG state needed to resume", dir.string());
    data_rng.set_state(*st.rng);
    dropout_rng.set_state(st.extra["dropout_rng"].get<std::array<uint64_t, 4>>());
    truncate_metrics(dir / "metrics.jsonl", step);
  } else if (!opt.out_dir.empty()) {
    fs::create_directories(dir);
    std::ofstream(dir / "metrics.jsonl", std::ios::trunc);
  }

  auto save = [&] {
    if (opt.out_dir.empty()) return;
    nn::CheckpointState st;
    st.step = step;
    st.config = run_config(opt);
    st.rng = data_rng.state();
    st.extra = {{"dropout_rng", dropout_rng.state()}};
    nn::save_checkpoint(dir.string(), *model, &optimizer, st);
  };

  std::ofstream metrics;
  if (!opt.out_dir.empty()) metrics.open(dir / "metrics.jsonl", std::ios::app);
  Progress progress(opt.steps, step, opt.log_every);
  model->train();
  while (step < opt.steps) {
    data::SeqBatch batch = data::make_synthetic_batch(opt.task, opt.batch, data_rng);
    Tensor loss = model->loss(batch, dropout_rng);
    const double loss_value = loss.item();
    loss.backward();
    const double norm = opt.clip > 0 ? nn::clip_grad_norm(optimizer.params(), opt.clip) : 0.0;
    optimizer.set_lr(schedule.lr_at(step));
    optimizer.step();
    optimizer.zero_grad();
    ++step;
    if (metrics.is_open()) {
      char line[256];
      std::snprintf(line, sizeof line, "{\"step\":%lld,\"loss\":%.9g,\"grad_norm\":%.9g,\"lr\":%.9g,\"tokens\":%lld}",
                    static_cast<long long>(step), loss_value, norm, optimizer.lr(),
                    static_cast<long long>(batch.tokens));
      metrics << line << '\n';
    }
    if (!opt.quiet) progress.update(step, loss_value, batch.tokens);
    if (opt.checkpoint_every > 0 && step % opt.checkpoint_every == 0) {
      metrics.flush();
      save();
    }
  }
  if (!opt.quiet) progress.finish();
  metrics.flush();
  if (opt.checkpoint_every <= 0 || step % opt.checkpoint_every != 0) save();
  model->eval();
  return model;
}

std::vector<LengthAccuracy> accuracy_by_length(models::Seq2Seq& model, const data::SyntheticOptions& task,
                                               const std::vector<int64_t>& lengths, int64_t per_length,
                                               uint64_t seed) {
  model.eval();
  Rng rng(seed);
  Rng sample_rng(seed + 1);  // hard attention draws nothing at inference (argmax), but the API takes one
  std::vector<LengthAccuracy> out;
  for (int64_t len : lengths) {
    data::SeqBatch b = data::make_synthetic_batch(task, per_length, rng, len);
    auto hyp = model.greedy(b.src, b.src_mask, 2 * len + 5, sample_rng).tokens;
    auto src = b.src.to_vector<int64_t>();
    int64_t seq_ok = 0, tok_ok = 0;
    for (int64_t j = 0; j < per_length; ++j) {
      std::vector<int64_t> s(static_cast<size_t>(len));
      for (int64_t i = 0; i < len; ++i) s[static_cast<size_t>(i)] = src[static_cast<size_t>(i * per_length + j)];
      auto ref = data::synthetic_target(task, s);
      const auto& h = hyp[static_cast<size_t>(j)];
      seq_ok += h == ref;
      for (size_t i = 0; i < ref.size(); ++i) tok_ok += i < h.size() && h[i] == ref[i];
    }
    out.push_back({len, static_cast<double>(seq_ok) / per_length,
                   static_cast<double>(tok_ok) / static_cast<double>(per_length * len)});
  }
  return out;
}

}  // namespace attend::app
