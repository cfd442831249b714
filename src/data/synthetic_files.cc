// Synthetic task splits as text files.
#include "data/synthetic_files.h"

#include <filesystem>

#include "base/error.h"
#include "data/text_file.h"

namespace attend::data {

std::string synthetic_line(const std::vector<int64_t>& ids) {
  std::string s;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) s += ' ';
    s += 's';
    s += std::to_string(ids[i] - kFirstSymbol);
  }
  return s;
}

namespace {

// `count` sequences (length drawn from the task's range when length == 0) as source and target text.
void write_split(const SyntheticOptions& task, int64_t count, int64_t length, Rng& rng, const std::filesystem::path& dir,
                 const std::string& name) {
  std::string src, tgt;
  for (int64_t i = 0; i < count; ++i) {
    const std::vector<int64_t> s = draw_synthetic_source(task, rng, length);
    src += synthetic_line(s) + '\n';
    tgt += synthetic_line(synthetic_target(task, s)) + '\n';
  }
  write_text_atomic((dir / (name + ".src")).string(), src, "synthetic data");
  write_text_atomic((dir / (name + ".tgt")).string(), tgt, "synthetic data");
}

}  // namespace

std::vector<std::string> write_synthetic_splits(const SyntheticSplitOptions& opt, const std::string& dir) {
  const SyntheticOptions& t = opt.task;
  ATTEND_CHECK(t.vocab > kFirstSymbol, "synthetic data: vocabulary {} leaves no symbols (ids 0-2 are special)", t.vocab);
  ATTEND_CHECK(t.min_length >= 1 && t.min_length <= t.max_length, "synthetic data: bad length range [{}, {}]",
               t.min_length, t.max_length);
  ATTEND_CHECK(opt.train >= 1 && opt.dev >= 1 && opt.per_length >= 1,
               "synthetic data: train {}, dev {} and per-length {} counts must be positive", opt.train, opt.dev,
               opt.per_length);
  for (int64_t L : opt.eval_lengths) ATTEND_CHECK(L >= 1, "synthetic data: evaluation length {} must be positive", L);
  std::filesystem::create_directories(dir);
  // One stream per split, so adding evaluation lengths never changes the training data.
  std::vector<std::string> names;
  Rng train_rng(opt.seed), dev_rng(opt.seed ^ 0xdefULL);
  write_split(t, opt.train, 0, train_rng, dir, "train");
  write_split(t, opt.dev, 0, dev_rng, dir, "dev");
  names = {"train", "dev"};
  for (int64_t L : opt.eval_lengths) {
    Rng rng(opt.seed * 1000003ULL + static_cast<uint64_t>(L));
    const std::string name = "len" + std::to_string(L);
    write_split(t, opt.per_length, L, rng, dir, name);
    names.push_back(name);
  }
  return names;
}

}  // namespace attend::data
