// The special token ids every sequence task shares, one tokenised example (Example), and the padded,
// time-major batch (SeqBatch) that seq2seq models train on, with the one function that builds it.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "tensor/tensor.h"

namespace attend::data {

// Special ids. Real vocabularies (data/vocab.h) put <pad>, <s>, </s>, <unk> at these ids; the synthetic
// tasks have no unknowns and start their symbols at 3 (data::kFirstSymbol in data/reversal.h).
inline constexpr int64_t kPad = 0;
inline constexpr int64_t kBos = 1;
inline constexpr int64_t kEos = 2;
inline constexpr int64_t kUnk = 3;

// One tokenised example: source and target ids without kBos/kEos, and the corpus line it came from.
struct Example {
  std::vector<int64_t> src;
  std::vector<int64_t> tgt;
  int64_t index = 0;  // 0-based line of the corpus (or position in a generated set)
};

// A padded, time-major batch for teacher-forced training.
struct SeqBatch {
  Tensor src;          // [Ts, B] int64, padded with kPad
  Tensor src_mask;     // [Ts, B] float 1 = token, 0 = pad
  Tensor tgt_in;       // [Tt, B] int64: kBos then the target (teacher forcing input)
  Tensor tgt_out;      // [Tt, B] int64: the target then kEos, padded with kPad
  Tensor tgt_mask;     // [Tt, B] float
  std::vector<int64_t> lengths;  // source length per example
  int64_t tokens = 0;  // source + target tokens (without padding; the target counts its kEos)
  std::vector<int64_t> tgt_lengths;  // target length per example, without kEos (so Tt = max + 1)
  std::vector<int64_t> indices;      // Example::index of each column, to write outputs back in order
};

// Pads the examples into one batch: Ts = longest source, Tt = longest target + 1. Every source must be
// non-empty (an all-padding column has nothing to attend to); targets may be empty (just kEos).
SeqBatch make_seq_batch(std::span<const Example* const> examples);
// The examples at `positions` in `examples`, in that order.
SeqBatch make_seq_batch(std::span<const Example> examples, std::span<const int64_t> positions);

}  // namespace attend::data
