// `attend data reverse|copy --out DIR`: the synthetic tasks as text splits (data/synthetic_files.h), for
// training them with `attend train --config` and scoring each length with `attend eval --split len<L>`.
#include <cstdio>
#include <memory>

#include "cmd_data.h"
#include "data/synthetic_files.h"

namespace attend::app {
namespace {

std::function<int()> setup_synthetic(CLI::App& cmd, data::SyntheticTask task) {
  auto o = std::make_shared<data::SyntheticSplitOptions>();
  auto out = std::make_shared<std::string>();
  o->task.task = task;
  o->task.vocab = 23;
  o->task.min_length = 10;
  o->task.max_length = 100;
  o->eval_lengths = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100};
  cmd.add_option("--out", *out, "output directory (created)")->required();
  cmd.add_option("--vocab", o->task.vocab, "vocabulary size including the 3 special ids")
      ->check(CLI::Range(int64_t{4}, int64_t{1} << 20))->capture_default_str();
  cmd.add_option("--min-length", o->task.min_length, "shortest training sequence")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20))->capture_default_str();
  cmd.add_option("--max-length", o->task.max_length, "longest training sequence")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20))->capture_default_str();
  cmd.add_option("--train", o->train, "training sequences")->check(CLI::Range(int64_t{1}, int64_t{1} << 30))
      ->capture_default_str();
  cmd.add_option("--dev", o->dev, "dev sequences")->check(CLI::Range(int64_t{1}, int64_t{1} << 30))->capture_default_str();
  cmd.add_option("--per-length", o->per_length, "sequences in each len<L> split")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 30))->capture_default_str();
  cmd.add_option("--eval-lengths", o->eval_lengths, "lengths of the len<L> splits (comma separated)")
      ->delimiter(',')->capture_default_str();
  cmd.add_option("--seed", o->seed, "random seed")->capture_default_str();
  return [o, out] {
    const auto names = data::write_synthetic_splits(*o, *out);
    std::printf("wrote %zu splits to %s:", names.size(), out->c_str());
    for (const auto& n : names) std::printf(" %s", n.c_str());
    std::printf(" (.src/.tgt)\n");
    return 0;
  };
}

ATTEND_DATA_SUBCOMMAND("reverse", "write the reversal task as text splits (train, dev, len<L>)",
                       [](CLI::App& cmd) { return setup_synthetic(cmd, data::SyntheticTask::Reverse); });
ATTEND_DATA_SUBCOMMAND("copy", "write the copy task as text splits (train, dev, len<L>)",
                       [](CLI::App& cmd) { return setup_synthetic(cmd, data::SyntheticTask::Copy); });

}  // namespace
}  // namespace attend::app
