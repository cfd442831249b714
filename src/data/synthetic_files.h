// The synthetic tasks (reverse / copy) written as text splits, so the real-data pipeline (`attend train
// --config`, beam search, `attend eval --split`) trains and scores them like any corpus: one sequence per
// line, symbols as space-separated words "s0".."s{V-1}".
//   train.{src,tgt}  lengths uniform in [min_length, max_length]
//   dev.{src,tgt}    the same distribution, another seed stream
//   len<L>.{src,tgt} one file pair per evaluation length L (lengths beyond training allowed)
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/reversal.h"

namespace attend::data {

struct SyntheticSplitOptions {
  SyntheticOptions task;        // vocab counts the 3 special ids, as everywhere else
  int64_t train = 100000;       // training sequences
  int64_t dev = 500;
  int64_t per_length = 200;     // sequences per evaluation length
  std::vector<int64_t> eval_lengths;
  uint64_t seed = 1;
};

// One sequence of symbol ids as a line of words.
std::string synthetic_line(const std::vector<int64_t>& ids);
// Writes the splits into `dir` (created); returns the split names written.
std::vector<std::string> write_synthetic_splits(const SyntheticSplitOptions& opt, const std::string& dir);

}  // namespace attend::data
