// Seq2SeqNoAttention: the fixed-vector LSTM encoder-decoder (Sutskever et al. 2014). The decoder sees the
// input only through the encoder's final state, which is the bottleneck the attention models remove.
#pragma once
#include <vector>

#include <nlohmann/json.hpp>

#include "data/reversal.h"
#include "nn/layers.h"
#include "nn/module.h"
#include "nn/rnn.h"
#include "tensor/rng.h"

namespace attend::models {

struct Seq2SeqConfig {
  int64_t src_vocab = 20;
  int64_t tgt_vocab = 20;
  int64_t embed = 64;
  int64_t hidden = 256;
  int64_t layers = 1;
  double dropout = 0.0;

  nlohmann::json to_json() const;
  static Seq2SeqConfig from_json(const nlohmann::json& j);  // unknown keys and bad values are errors
};

class Seq2SeqNoAttention : public nn::Module {
 public:
  Seq2SeqNoAttention(const Seq2SeqConfig& cfg, Rng& rng);
  // Mean cross-entropy per target token under teacher forcing.
  Tensor loss(const data::SeqBatch& batch, Rng& dropout_rng);
  // Greedy decoding; each output stops before EOS or after max_len tokens.
  std::vector<std::vector<int64_t>> greedy(const Tensor& src, const Tensor& src_mask, int64_t max_len);
  const Seq2SeqConfig& config() const { return cfg_; }

 private:
  Seq2SeqConfig cfg_;
  nn::Embedding src_embed_, tgt_embed_;
  nn::LSTM encoder_, decoder_;
  nn::Dropout drop_;
  nn::Linear out_;
};

}  // namespace attend::models
