// Synthetic batch generation.
#include "data/reversal.h"

#include <algorithm>

namespace attend::data {

std::vector<int64_t> synthetic_target(const SyntheticOptions& opt, const std::vector<int64_t>& src) {
  std::vector<int64_t> t = src;
  if (opt.task == SyntheticTask::Reverse) std::reverse(t.begin(), t.end());
  return t;
}

std::vector<int64_t> draw_synthetic_source(const SyntheticOptions& opt, Rng& rng, int64_t length) {
  const int64_t n = length > 0 ? length
                               : opt.min_length + static_cast<int64_t>(rng.below(
                                                      static_cast<uint64_t>(opt.max_length - opt.min_length + 1)));
  std::vector<int64_t> s(static_cast<size_t>(n));
  for (auto& v : s) v = kFirstSymbol + static_cast<int64_t>(rng.below(static_cast<uint64_t>(opt.vocab - kFirstSymbol)));
  return s;
}

SeqBatch make_synthetic_batch(const SyntheticOptions& opt, int64_t batch, Rng& rng, int64_t length) {
  ATTEND_CHECK(opt.vocab > kFirstSymbol, "synthetic: vocabulary {} leaves no symbols (ids 0-2 are special)",
               opt.vocab);
  ATTEND_CHECK(opt.min_length >= 1 && opt.min_length <= opt.max_length,
               "synthetic: bad length range [{}, {}]", opt.min_length, opt.max_length);
  ATTEND_CHECK(batch >= 1, "synthetic: batch size must be positive, got {}", batch);
  // Each example draws its length, then its symbols, in column order: the stream (and so every batch of a
  // seeded run) is the same as before the padding moved to make_seq_batch.
  std::vector<Example> examples(static_cast<size_t>(batch));
  for (size_t j = 0; j < examples.size(); ++j) {
    examples[j].src = draw_synthetic_source(opt, rng, length);
    examples[j].tgt = synthetic_target(opt, examples[j].src);
    examples[j].index = static_cast<int64_t>(j);
  }
  std::vector<const Example*> ptrs;
  for (const auto& e : examples) ptrs.push_back(&e);
  return make_seq_batch(ptrs);
}

}  // namespace attend::data
